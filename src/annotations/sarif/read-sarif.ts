import { type Draft, newFinding } from '../draft.js';
import type { SkippedResult, ToolInfo } from '../findings.js';
import { INPUT_LIMITS } from '../limits.js';
import type { RepositoryRoot } from '../paths.js';
import { cleanToolText, collapseWhitespace, cutText, isHttpUrl } from '../text.js';
import {
  isObject,
  type JsonObject,
  own,
  ownArray,
  ownObject,
  ownString,
  sarifError,
  typeName,
} from './json.js';
import { createLocationResolver } from './locations.js';
import { resultMessage } from './messages.js';
import { createRuleIndex } from './rules.js';
import { type RuleSeverity, resultSeverity, ruleSeverity } from './severity.js';
import { readScannerErrors, readTool } from './tool.js';

/**
 * Reads a parsed SARIF 2.1.0 log into draft findings, one per result, across every run.
 *
 * Refused with an `InvalidInputError` naming the JSON pointer: a `version` other than `2.1.0`, `runs`
 * not an array, a run or result not an object, `results`, `locations` or `message` of the wrong type, more
 * than 100,000 results. Everything else is tolerated: unknown properties, wrong-typed optional values
 * (read as absent), dangling indexes. Results that are not problems (`kind` `pass` or `notApplicable`,
 * suppressed, `baselineState: absent`) are returned in `skipped` with the reason, never dropped silently.
 */

export interface SarifReadOutput {
  readonly drafts: Draft[];
  readonly skipped: SkippedResult[];
  readonly tool?: ToolInfo;
  readonly scannerErrors: string[];
}

export function readSarifLog(log: JsonObject, root: RepositoryRoot | undefined): SarifReadOutput {
  const runs = checkStructure(log);
  const drafts: Draft[] = [];
  const skipped: SkippedResult[] = [];
  for (let r = 0; r < runs.length; r++) {
    const run = runs[r] as JsonObject;
    const results = ownArray(run, 'results') ?? [];
    const rules = createRuleIndex(run);
    const locations = createLocationResolver(run, root);
    const ruleInfos = new Map<JsonObject | undefined, RuleInfo>();
    for (let i = 0; i < results.length; i++) {
      const result = checkResult(results[i], r, i);
      const skipReason = reasonToSkip(result);
      if (skipReason !== undefined) {
        skipped.push({ pointer: `/runs/${r}/results/${i}`, reason: skipReason });
        continue;
      }
      const { ruleId, rule, component } = rules.find(result);
      let info = ruleInfos.get(rule);
      if (info === undefined) {
        info = readRuleInfo(rule);
        ruleInfos.set(rule, info);
      }
      const id = ruleId === undefined ? 'unknown-rule' : shortText(ruleId) || 'unknown-rule';
      const text = resultMessage(result, rule, component) ?? info.fallbackMessage;
      const message = cutText(cleanToolText(text), MESSAGE_LIMIT);
      const finding = newFinding(id, resultSeverity(result, info.severity), info.title ?? id, message);
      finding.helpUrl = info.helpUrl;
      const place = locations.resolve(result, finding);
      const resolution = place?.resolution;
      if (resolution?.kind === 'inside') finding.path = resolution.path;
      if (finding.snippet !== undefined) {
        finding.snippet = cutText(cleanToolText(finding.snippet), MESSAGE_LIMIT);
      }
      drafts.push({
        finding,
        partialFingerprints: readPartialFingerprints(result),
        outside:
          resolution?.kind === 'outside'
            ? {
                location: cutText(cleanToolText(place?.location ?? ''), {
                  chars: INPUT_LIMITS.maxPathLength,
                }),
                reason: resolution.reason,
                detail: resolution.detail,
              }
            : undefined,
      });
    }
  }
  const tool = readTool(runs as readonly JsonObject[]);
  return {
    drafts,
    skipped,
    ...(tool === undefined ? {} : { tool }),
    scannerErrors: readScannerErrors(runs as readonly JsonObject[]),
  };
}

const MESSAGE_LIMIT = { chars: INPUT_LIMITS.maxMessageLength, bytes: INPUT_LIMITS.maxMessageLength };

/** What every result of one rule shares, worked out once per rule. */
interface RuleInfo {
  readonly severity: RuleSeverity;
  readonly title: string | undefined;
  readonly helpUrl: string | undefined;
  /** The message of results that have none. */
  readonly fallbackMessage: string;
}

function readRuleInfo(rule: JsonObject | undefined): RuleInfo {
  const title = ruleTitle(rule);
  const helpUri = ownString(rule, 'helpUri');
  return {
    severity: ruleSeverity(rule),
    title:
      title === undefined
        ? undefined
        : cutText(collapseWhitespace(cleanToolText(title)), TITLE_LIMIT) || undefined,
    helpUrl: helpUri !== undefined && helpUri.length <= 2048 && isHttpUrl(helpUri) ? helpUri : undefined,
    fallbackMessage: ruleText(rule) ?? '',
  };
}

const TITLE_LIMIT = { chars: INPUT_LIMITS.maxTitleLength };

function shortText(text: string): string {
  return cutText(cleanToolText(text), { chars: INPUT_LIMITS.maxShortTextLength });
}

/** Checks the containers and the total result count before any result is read. */
function checkStructure(log: JsonObject): readonly unknown[] {
  const version = own(log, 'version');
  if (version === undefined) throw sarifError('/version', 'is required and must be "2.1.0"');
  if (version !== '2.1.0') {
    const shown =
      typeof version === 'string' ? JSON.stringify(cutText(version, { chars: 40 })) : typeName(version);
    throw sarifError('/version', `must be "2.1.0", not ${shown}`);
  }
  const runs = own(log, 'runs');
  if (!Array.isArray(runs)) throw sarifError('/runs', `must be an array, not ${typeName(runs)}`);
  let total = 0;
  for (let r = 0; r < runs.length; r++) {
    const run = runs[r];
    if (!isObject(run)) throw sarifError(`/runs/${r}`, `must be an object, not ${typeName(run)}`);
    const results = own(run, 'results');
    if (results === undefined || results === null) continue;
    if (!Array.isArray(results)) {
      throw sarifError(`/runs/${r}/results`, `must be an array, not ${typeName(results)}`);
    }
    total += results.length;
    if (total > INPUT_LIMITS.maxFindings) {
      throw sarifError(`/runs/${r}/results`, `brings the log above ${INPUT_LIMITS.maxFindings} results`);
    }
  }
  return runs;
}

function checkResult(value: unknown, run: number, index: number): JsonObject {
  if (!isObject(value))
    throw sarifError(`/runs/${run}/results/${index}`, `must be an object, not ${typeName(value)}`);
  const locations = own(value, 'locations');
  if (locations !== undefined && locations !== null && !Array.isArray(locations)) {
    throw sarifError(
      `/runs/${run}/results/${index}/locations`,
      `must be an array, not ${typeName(locations)}`,
    );
  }
  const message = own(value, 'message');
  if (message !== undefined && !isObject(message)) {
    throw sarifError(`/runs/${run}/results/${index}/message`, `must be an object, not ${typeName(message)}`);
  }
  return value;
}

function reasonToSkip(result: JsonObject): string | undefined {
  const kind = ownString(result, 'kind');
  if (kind === 'pass' || kind === 'notApplicable') return `kind is ${kind}: not a problem`;
  if (ownString(result, 'baselineState') === 'absent') return 'baselineState is absent: no longer present';
  const suppressions = ownArray(result, 'suppressions');
  if (suppressions !== undefined) {
    for (const suppression of suppressions) {
      if (!isObject(suppression)) continue;
      const status = ownString(suppression, 'status');
      if (status === undefined || status === 'accepted') return 'suppressed';
    }
  }
  return undefined;
}

function ruleTitle(rule: JsonObject | undefined): string | undefined {
  const short = ownString(ownObject(rule, 'shortDescription'), 'text');
  if (short !== undefined && short.trim() !== '') return short;
  const name = ownString(rule, 'name');
  return name !== undefined && name.trim() !== '' ? name : undefined;
}

function ruleText(rule: JsonObject | undefined): string | undefined {
  return (
    ownString(ownObject(rule, 'fullDescription'), 'text') ??
    ownString(ownObject(rule, 'shortDescription'), 'text')
  );
}

/** The result's `partialFingerprints` object as written; `contentOf` reads only its string values. */
function readPartialFingerprints(result: JsonObject): JsonObject | undefined {
  const partial = ownObject(result, 'partialFingerprints');
  if (partial === undefined) return undefined;
  for (const key in partial) if (Object.hasOwn(partial, key)) return partial;
  return undefined;
}

import { InvalidInputError } from '../core/errors.js';
import type { ScmAnnotationLevel } from '../plugins/contracts.js';
import {
  type ChangedLines,
  type ChangedLinesInput,
  type Scope,
  splitByDiff,
  toChangedLines,
} from './diff.js';
import type { FindingsReadResult, ReadFinding } from './findings.js';
import type { FileUrl } from './findings-table.js';
import type { ReportSummary } from './headline.js';
import { PLATFORM_LIMITS, PLATFORMS, type Platform } from './limits.js';
import { type ReportEntry, toEntries } from './order.js';
import {
  evaluatePolicy,
  type Outcome,
  type PolicyConfig,
  type PolicyDecision,
  resolveLevelMapping,
  resolvePolicy,
} from './policy.js';
import { type CheckRunPayload, DEFAULT_CHECK_RUN_NAME, renderCheckRun } from './render-check-run.js';
import { DEFAULT_HEADING, renderComment } from './render-comment.js';
import { checkName, DEFAULT_STATUS_CONTEXT, renderStatus, type StatusPayload } from './render-status.js';
import { type Severity, type SeverityCounts, zeroCounts } from './severity.js';

export interface BuildAnnotationsOptions {
  /** Written into the comment's hidden marker so the provider finds its own comment again. */
  readonly markerKey: string;
  /** Whose limits to respect. Default `github`. */
  readonly platform?: Platform;
  /** The request's policy; its fields override `integrationPolicy`'s. */
  readonly policy?: PolicyConfig;
  /** The integration's policy; its fields override the default (fail on critical and high). */
  readonly integrationPolicy?: PolicyConfig;
  readonly levelMapping?: Partial<Record<Severity, ScmAnnotationLevel>>;
  /** Only ASCII in the comment, status and check run (paths in annotations stay exact). */
  readonly asciiOnly?: boolean;
  /** Which findings to report. Default `all`; the others need `changedLines`. */
  readonly scope?: Scope;
  /** The pull request's changed lines (see `parseUnifiedDiff`). */
  readonly changedLines?: ChangedLinesInput;
  /** Status context. Default `security/scan`. */
  readonly context?: string;
  /** Default `Security scan`. */
  readonly checkRunName?: string;
  /** Headline of the comment and summary. Default `Security scan`. */
  readonly heading?: string;
  readonly fileUrl?: FileUrl;
  /** Rows in the comment's open table before the `<details>`. Default 20. */
  readonly maxTableRows?: number;
  /** Default 1,000. */
  readonly maxAnnotations?: number;
}

/** Everything a provider posts for one scan. */
export interface AnnotationPayloads {
  /** The comment body, marker first. */
  readonly comment: string;
  readonly status: StatusPayload;
  readonly checkRun: CheckRunPayload;
  /** In-scope findings on changed lines (every finding with a path and line when no diff is given). */
  readonly inline: readonly ReadFinding[];
  /** In-scope findings in changed files but not on a changed line. */
  readonly fileLevel: readonly ReadFinding[];
  /** In-scope findings by severity (outside-repository findings included). */
  readonly counts: SeverityCounts;
  /** Findings the scope left out, by severity. */
  readonly excluded: SeverityCounts;
  readonly outcome: Outcome;
  readonly decision: PolicyDecision;
}

/**
 * Builds the comment, commit status and check run for a read report. Pure and deterministic: the same
 * report and options give byte-identical payloads.
 *
 * The policy counts the findings in scope (all, or those the scope keeps) plus the scanner's verdict.
 *
 * @example
 * const report = readFindings(sarifText);
 * const out = buildAnnotations(report, { markerKey: 'trivy', platform: 'github', scope: 'changed-lines',
 *   changedLines: parseUnifiedDiff(diffText) });
 * out.status; // { state: 'failure', description: 'Failed: 1 high on changed lines', context: 'security/scan' }
 */
export function buildAnnotations(
  report: FindingsReadResult,
  options: BuildAnnotationsOptions,
): AnnotationPayloads {
  const platform = options.platform ?? 'github';
  if (!PLATFORMS.includes(platform)) {
    throw InvalidInputError.field('platform', `must be one of ${PLATFORMS.join(', ')}`);
  }
  const limits = PLATFORM_LIMITS[platform];
  const scope = options.scope ?? 'all';
  const asciiOnly = options.asciiOnly ?? false;
  const heading = options.heading ?? DEFAULT_HEADING;
  const context = checkName(options.context ?? DEFAULT_STATUS_CONTEXT, 'context');
  const name = checkName(options.checkRunName ?? DEFAULT_CHECK_RUN_NAME, 'checkRunName');
  const policy = resolvePolicy(options.integrationPolicy, options.policy);
  const levelMapping = resolveLevelMapping(options.levelMapping);
  const changed: ChangedLines | undefined =
    options.changedLines === undefined ? undefined : toChangedLines(options.changedLines);

  const entries = toEntries(report);
  const split = splitByDiff(entries, changed, scope, (entry: ReportEntry) => entry.finding);
  const left = new Set(split.excluded);
  const inScope = left.size === 0 ? entries : entries.filter((entry) => !left.has(entry));
  const counts = countEntries(inScope);
  const excluded = countEntries(split.excluded);
  const decision = evaluatePolicy(counts, policy, report.verdict);
  const summary: ReportSummary = {
    decision,
    scope,
    excluded,
    outsideCount: countOutside(inScope),
    ...(report.tool === undefined ? {} : { tool: report.tool }),
    scannerErrors: report.scannerErrors,
    ...(report.evidenceUrl === undefined ? {} : { evidenceUrl: report.evidenceUrl }),
  };
  const shared = {
    asciiOnly,
    ...(options.fileUrl === undefined ? {} : { fileUrl: options.fileUrl }),
    ...(options.maxTableRows === undefined ? {} : { maxTableRows: options.maxTableRows }),
  };

  return {
    comment: renderComment(inScope, summary, {
      ...shared,
      markerKey: options.markerKey,
      maxLength: limits.commentLength,
      heading,
    }),
    status: renderStatus(decision, { context, maxLength: limits.statusDescriptionLength, scope, asciiOnly }),
    checkRun: renderCheckRun(inScope, summary, {
      ...shared,
      name,
      limits,
      levelMapping,
      heading,
      ...(options.maxAnnotations === undefined ? {} : { maxAnnotations: options.maxAnnotations }),
    }),
    inline: split.inline.map((entry) => entry.finding),
    fileLevel: split.fileLevel.map((entry) => entry.finding),
    counts,
    excluded,
    outcome: decision.outcome,
    decision,
  };
}

function countEntries(entries: readonly ReportEntry[]): SeverityCounts {
  const counts = zeroCounts();
  for (const entry of entries) counts[entry.finding.severity] += 1;
  return counts;
}

function countOutside(entries: readonly ReportEntry[]): number {
  let count = 0;
  for (const entry of entries) if (entry.outside !== undefined) count += 1;
  return count;
}

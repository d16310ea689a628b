import type { ToolInfo } from '../findings.js';
import { INPUT_LIMITS } from '../limits.js';
import { cleanToolText, collapseWhitespace, cutText } from '../text.js';
import { isObject, type JsonObject, own, ownArray, ownObject, ownString } from './json.js';

/**
 * What a SARIF log says about its tools: the name and version for the report, and the errors the tools
 * reported about their own runs (a scan that failed to read its input should not look like a clean one).
 */

const MAX_ERRORS = 20;
const MAX_ERROR_LENGTH = 500;

/**
 * The report's tool: the driver of the runs. Runs of one tool give its name and version; runs of
 * several tools give their names joined by `, ` and no version. Empty and non-string names are skipped.
 */
export function readTool(runs: readonly JsonObject[]): ToolInfo | undefined {
  const names: string[] = [];
  let version: string | undefined;
  for (const run of runs) {
    const driver = ownObject(ownObject(run, 'tool'), 'driver');
    const name = short(ownString(driver, 'name'));
    if (name === undefined) continue;
    if (!names.includes(name)) names.push(name);
    version ??= short(ownString(driver, 'version') ?? ownString(driver, 'semanticVersion'));
  }
  if (names.length === 0) return undefined;
  const name = cutText(names.join(', '), { chars: INPUT_LIMITS.maxShortTextLength });
  return names.length === 1 && version !== undefined ? { name, version } : { name };
}

/**
 * Errors from `invocations[]`: `executionSuccessful: false`, and `toolExecutionNotifications` of level
 * `error` (Semgrep reports an invalid scanning root this way while still saying the run succeeded).
 */
export function readScannerErrors(runs: readonly JsonObject[]): string[] {
  const errors: string[] = [];
  for (const run of runs) {
    const tool = short(ownString(ownObject(ownObject(run, 'tool'), 'driver'), 'name')) ?? 'the scanner';
    for (const invocation of ownArray(run, 'invocations') ?? []) {
      if (!isObject(invocation)) continue;
      if (own(invocation, 'executionSuccessful') === false) add(errors, `${tool}: the run did not complete`);
      for (const notification of ownArray(invocation, 'toolExecutionNotifications') ?? []) {
        if (!isObject(notification) || ownString(notification, 'level') !== 'error') continue;
        const message = ownObject(notification, 'message');
        const text =
          ownString(message, 'text') ?? ownString(message, 'markdown') ?? 'an error without a message';
        add(errors, `${tool}: ${text}`);
      }
      if (errors.length >= MAX_ERRORS) return errors;
    }
  }
  return errors;
}

function add(errors: string[], text: string): void {
  if (errors.length < MAX_ERRORS) {
    errors.push(cutText(collapseWhitespace(cleanToolText(text)), { chars: MAX_ERROR_LENGTH }));
  }
}

function short(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const text = collapseWhitespace(cleanToolText(value));
  return text === '' ? undefined : cutText(text, { chars: INPUT_LIMITS.maxShortTextLength });
}

import { InvalidInputError } from '../core/errors.js';
import { finishDrafts } from './draft.js';
import type { FindingsReadResult } from './findings.js';
import { INPUT_LIMITS } from './limits.js';
import { readNativeReport } from './native-report.js';
import { parseRepositoryRoot } from './paths.js';
import { isObject, type JsonObject, own } from './sarif/json.js';
import { readSarifLog } from './sarif/read-sarif.js';
import { cutText } from './text.js';

export interface ReadFindingsOptions {
  /**
   * Absolute path (or `file:` URI) of the repository checkout the scanner saw; absolute locations under
   * it become repository-relative, others are reported in `outsideRepository`.
   */
  readonly repositoryRoot?: string;
  /** Refuse JSON text longer than this many bytes (UTF-16 units for strings). Default 256 MiB. */
  readonly maxInputBytes?: number;
  /**
   * Skip detection. Default `auto`: SARIF when the object has `runs` or a SARIF `$schema`, native when it
   * has `findings`, else SARIF when it has `version`.
   */
  readonly format?: 'auto' | 'sarif' | 'native';
}

/**
 * Reads scan findings from a SARIF 2.1.0 log or a native findings report: JSON text, UTF-8 bytes
 * (invalid sequences read as U+FFFD), or an already parsed object. Every finding gets a fingerprint; findings whose location leaves the repository come
 * back in `outsideRepository`, SARIF results that are not problems in `skipped`, so that
 * `findings + outsideRepository + skipped` accounts for every result.
 *
 * Throws `InvalidInputError` (naming the JSON pointer of the fault) for input that is not JSON, not an
 * object, not recognisable, too large, or broken in a way the reader cannot work around.
 *
 * @example
 * const report = readFindings(sarifText, { repositoryRoot: '/home/runner/work/app/app' });
 * report.findings[0]; // { ruleId, severity, title, message, path, startLine, ..., fingerprint }
 */
export function readFindings(input: unknown, options: ReadFindingsOptions = {}): FindingsReadResult {
  const root = parseRepositoryRoot(options.repositoryRoot);
  const document = parseInput(input, options.maxInputBytes ?? INPUT_LIMITS.maxInputBytes);
  if (!isObject(document)) {
    throw InvalidInputError.field('', 'must be a JSON object (a SARIF log or a findings report)');
  }
  const format =
    options.format === undefined || options.format === 'auto' ? detect(document) : options.format;
  if (format === 'sarif') {
    const sarif = readSarifLog(document, root);
    return {
      format,
      ...finishDrafts(sarif.drafts),
      skipped: sarif.skipped,
      ...(sarif.tool === undefined ? {} : { tool: sarif.tool }),
      scannerErrors: sarif.scannerErrors,
    };
  }
  const native = readNativeReport(document, root);
  return {
    format,
    ...finishDrafts(native.drafts),
    skipped: [],
    ...(native.tool === undefined ? {} : { tool: native.tool }),
    ...(native.verdict === undefined ? {} : { verdict: native.verdict }),
    ...(native.evidenceUrl === undefined ? {} : { evidenceUrl: native.evidenceUrl }),
    scannerErrors: [],
  };
}

function parseInput(input: unknown, maxBytes: number): unknown {
  let text: string;
  if (typeof input === 'string') {
    if (input.length > maxBytes) throw tooLarge(maxBytes);
    text = input;
  } else if (input instanceof Uint8Array) {
    if (input.byteLength > maxBytes) throw tooLarge(maxBytes);
    text = new TextDecoder('utf-8').decode(input);
  } else {
    return input;
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = cutText(error instanceof Error ? error.message : String(error), { chars: 200 });
    throw new InvalidInputError(`input is not valid JSON: ${reason}`, [
      { field: '', message: 'is not valid JSON' },
    ]);
  }
}

function tooLarge(maxBytes: number): InvalidInputError {
  return InvalidInputError.field('', `is larger than ${maxBytes} bytes`);
}

function detect(document: JsonObject): 'sarif' | 'native' {
  const schema = own(document, '$schema');
  if (own(document, 'runs') !== undefined || (typeof schema === 'string' && /sarif/i.test(schema)))
    return 'sarif';
  if (own(document, 'findings') !== undefined) return 'native';
  // A native report may carry an unknown `version`; only without `findings` does it mean SARIF.
  if (own(document, 'version') !== undefined) return 'sarif';
  throw InvalidInputError.field(
    '',
    'is neither a SARIF log (no runs, version) nor a findings report (no findings)',
  );
}

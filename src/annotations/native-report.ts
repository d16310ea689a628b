import AjvModule, { type ErrorObject } from 'ajv';
import { InvalidInputError } from '../core/errors.js';
import { type Draft, newFinding } from './draft.js';
import {
  FINGERPRINT_PATTERN,
  type Finding,
  type FindingsReport,
  FindingsReportSchema,
  TEXT_PATTERN,
  type ToolInfo,
  URL_PATTERN,
  type Verdict,
} from './findings.js';
import { INPUT_LIMITS } from './limits.js';
import { type RepositoryRoot, resolveRepositoryPath } from './paths.js';
import { utf8Length } from './text.js';

/**
 * Reads a report in the native format: validated against the published schema (the first problem is
 * reported, naming its field), then the rules a JSON Schema cannot say (64 KiB in UTF-8, endLine not
 * before startLine), then paths related to the repository root. Unknown properties are ignored.
 */

export interface NativeReadOutput {
  readonly drafts: Draft[];
  readonly tool?: ToolInfo;
  readonly verdict?: Verdict;
  readonly evidenceUrl?: string;
}

// ajv is CommonJS with a default export. Compiled once; the validator keeps no state between calls
// that matters to callers (`errors` is read right after the call that set it).
const validateReport = new AjvModule.default({ allErrors: false, strict: false }).compile<FindingsReport>(
  FindingsReportSchema,
);

export function readNativeReport(document: unknown, root: RepositoryRoot | undefined): NativeReadOutput {
  if (!validateReport(document)) throw schemaError(validateReport.errors?.[0]);
  const report = document;
  const drafts: Draft[] = [];
  for (let index = 0; index < report.findings.length; index++) {
    drafts.push(readFinding(report.findings[index] as Finding, `/findings/${index}`, root));
  }
  return {
    drafts,
    ...(report.tool === undefined ? {} : { tool: pickTool(report.tool) }),
    ...(report.verdict === undefined ? {} : { verdict: report.verdict }),
    ...(report.evidenceUrl === undefined ? {} : { evidenceUrl: report.evidenceUrl }),
  };
}

function readFinding(given: Finding, pointer: string, root: RepositoryRoot | undefined): Draft {
  for (const key of ['message', 'snippet'] as const) {
    const value = given[key];
    if (value !== undefined && utf8Length(value) > INPUT_LIMITS.maxMessageLength) {
      throw fieldError(
        `${pointer}/${key}`,
        `must be at most ${INPUT_LIMITS.maxMessageLength} bytes in UTF-8`,
      );
    }
  }
  const { startLine, startColumn, endColumn } = given;
  const endLine = startLine === undefined ? undefined : (given.endLine ?? startLine);
  if (startLine !== undefined && endLine !== undefined && endLine < startLine) {
    throw fieldError(`${pointer}/endLine`, 'must not be before startLine');
  }
  if (
    endLine === startLine &&
    startColumn !== undefined &&
    endColumn !== undefined &&
    endColumn < startColumn
  ) {
    throw fieldError(`${pointer}/endColumn`, 'must not be before startColumn on the same line');
  }
  const resolution =
    given.path === undefined ? undefined : resolveRepositoryPath(given.path, root, { decode: false });
  const finding = newFinding(given.ruleId, given.severity, given.title, given.message);
  if (resolution?.kind === 'inside') finding.path = resolution.path;
  if (startLine !== undefined) {
    finding.startLine = startLine;
    finding.endLine = endLine;
    finding.startColumn = startColumn;
    finding.endColumn = endColumn;
  }
  finding.helpUrl = given.helpUrl;
  const pkg = given.package;
  if (pkg !== undefined) {
    finding.package = {
      name: pkg.name,
      version: pkg.version,
      ...(pkg.fixedVersion === undefined ? {} : { fixedVersion: pkg.fixedVersion }),
      ...(pkg.advisoryIds === undefined ? {} : { advisoryIds: [...pkg.advisoryIds] }),
    };
  }
  finding.snippet = given.snippet;
  finding.fingerprint = given.fingerprint ?? '';
  const outside =
    resolution?.kind === 'outside'
      ? { location: given.path ?? '', reason: resolution.reason, detail: resolution.detail }
      : undefined;
  return { finding, partialFingerprints: undefined, outside };
}

function pickTool(tool: ToolInfo): ToolInfo {
  return tool.version === undefined ? { name: tool.name } : { name: tool.name, version: tool.version };
}

function fieldError(field: string, message: string): InvalidInputError {
  return new InvalidInputError(`invalid findings report: ${field || '(document)'} ${message}`, [
    { field, message },
  ]);
}

/** Turns ajv's first error into our wording, naming the field as a JSON pointer. */
function schemaError(error: ErrorObject | undefined): InvalidInputError {
  if (error === undefined) return fieldError('', 'is not a valid findings report');
  const params = error.params as Record<string, unknown>;
  let field = error.instancePath;
  let message = error.message ?? 'is not valid';
  switch (error.keyword) {
    case 'required':
      field = `${field}/${String(params.missingProperty)}`;
      message = 'is required';
      break;
    case 'pattern':
      message =
        params.pattern === TEXT_PATTERN
          ? 'must not contain control characters other than \\n and \\t'
          : params.pattern === URL_PATTERN
            ? 'must be an http(s) URL without spaces or control characters'
            : params.pattern === FINGERPRINT_PATTERN
              ? 'must hold only letters, digits and . _ : / + = -'
              : message;
      break;
    case 'maxItems':
      message =
        field === '/findings'
          ? `must hold at most ${INPUT_LIMITS.maxFindings} findings`
          : `must hold at most ${String(params.limit)} items`;
      break;
    case 'enum':
      message = `must be one of ${(params.allowedValues as unknown[]).join(', ')}`;
      break;
    case 'type':
      message = `must be ${/^[aeiou]/.test(String(params.type)) ? 'an' : 'a'} ${String(params.type)}`;
      break;
    default:
      break;
  }
  return fieldError(field, message);
}

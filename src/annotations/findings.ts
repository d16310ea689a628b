import { type Static, Type } from '@sinclair/typebox';
import { StringEnum } from '../core/string-enum.js';
import { INPUT_LIMITS } from './limits.js';
import type { OutsideReason } from './paths.js';
import { SEVERITIES } from './severity.js';

/**
 * The native findings format: what a scanner of the platform sends when it does not send SARIF. The
 * schemas below are published as they are, in the OpenAPI document and in `docs/findings.schema.json`
 * (written by `scripts/write-findings-schema.ts`).
 */

/** No control characters except tab and newline (C0, DEL and C1 are refused). */
export const TEXT_PATTERN = '^[^\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f]*$';
/** An absolute http(s) URL without whitespace or control characters. */
export const URL_PATTERN = '^https?://[^\\s\\u0000-\\u001f\\u007f-\\u009f]+$';
/** A caller-given fingerprint: printable ASCII without spaces. */
export const FINGERPRINT_PATTERN = '^[A-Za-z0-9._:/+=-]+$';

const text = (options: {
  minLength?: number;
  maxLength: number;
  description: string;
  examples?: unknown[];
}) => Type.String({ pattern: TEXT_PATTERN, ...options });
const line = (description: string) =>
  Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647, description }));
const url = (description: string) => Type.String({ maxLength: 2048, pattern: URL_PATTERN, description });

export const SeveritySchema = StringEnum(SEVERITIES, {
  description: 'How bad the finding is, most severe first: critical, high, medium, low, info.',
});

export const VERDICTS = ['pass', 'fail', 'warn'] as const;
export type Verdict = (typeof VERDICTS)[number];

export const PackageSchema = Type.Object(
  {
    name: text({ minLength: 1, maxLength: INPUT_LIMITS.maxShortTextLength, description: 'Package name.' }),
    version: text({
      minLength: 1,
      maxLength: INPUT_LIMITS.maxShortTextLength,
      description: 'Installed version.',
    }),
    fixedVersion: Type.Optional(
      text({
        minLength: 1,
        maxLength: INPUT_LIMITS.maxShortTextLength,
        description: 'First version with a fix.',
      }),
    ),
    advisoryIds: Type.Optional(
      Type.Array(
        text({ minLength: 1, maxLength: 128, description: 'An advisory id.', examples: ['CVE-2024-1234'] }),
        {
          maxItems: 100,
          description: 'Advisories (CVE, GHSA, OSV ids) the finding stands for.',
        },
      ),
    ),
  },
  { description: 'For a vulnerability: the affected package.' },
);

export const FindingSchema = Type.Object(
  {
    ruleId: text({
      minLength: 1,
      maxLength: INPUT_LIMITS.maxShortTextLength,
      description: 'Id of the rule or advisory that matched.',
      examples: ['CVE-2024-1234'],
    }),
    severity: SeveritySchema,
    title: text({ minLength: 1, maxLength: INPUT_LIMITS.maxTitleLength, description: 'One-line title.' }),
    message: text({
      maxLength: INPUT_LIMITS.maxMessageLength,
      description: 'What was found. At most 64 KiB (65,536 characters and 65,536 bytes in UTF-8).',
    }),
    path: Type.Optional(
      text({
        minLength: 1,
        maxLength: INPUT_LIMITS.maxPathLength,
        description:
          'File relative to the repository root (or absolute, under the repositoryRoot given when reading). ' +
          'A path that leaves the repository is reported in outsideRepository, not annotated.',
        examples: ['src/app.ts'],
      }),
    ),
    startLine: line('First line, 1-based.'),
    endLine: line('Last line, 1-based, not before startLine; defaults to startLine.'),
    startColumn: line('First column, 1-based.'),
    endColumn: line('Column after the last character, 1-based.'),
    helpUrl: Type.Optional(url('Where to read about the rule.')),
    package: Type.Optional(PackageSchema),
    snippet: Type.Optional(
      text({
        maxLength: INPUT_LIMITS.maxMessageLength,
        description: 'The matched source text; when given, the fingerprint is computed from it.',
      }),
    ),
    fingerprint: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        pattern: FINGERPRINT_PATTERN,
        description:
          'Stable identity across runs; computed when absent (rule, path, normalised content, occurrence).',
      }),
    ),
  },
  { description: 'One finding of a scanner.' },
);

export const ToolSchema = Type.Object(
  {
    name: text({ minLength: 1, maxLength: INPUT_LIMITS.maxShortTextLength, description: 'Scanner name.' }),
    version: Type.Optional(
      text({ minLength: 1, maxLength: INPUT_LIMITS.maxShortTextLength, description: 'Scanner version.' }),
    ),
  },
  { description: 'The scanner that produced the report.' },
);

export const FindingsReportSchema = Type.Object(
  {
    findings: Type.Array(FindingSchema, {
      maxItems: INPUT_LIMITS.maxFindings,
      description: `At most ${INPUT_LIMITS.maxFindings} findings.`,
    }),
    verdict: Type.Optional(
      StringEnum(VERDICTS, {
        description: "The scanner's own policy verdict; `fail` fails the check regardless.",
      }),
    ),
    evidenceUrl: Type.Optional(url('Link to the full report or evidence.')),
    tool: Type.Optional(ToolSchema),
  },
  {
    title: 'FindingsReport',
    description:
      'Scan findings in the native format of the integrations catalog. Unknown properties are ignored. ' +
      'Strings may hold tab and newline but no other control character.',
  },
);

export type Finding = Static<typeof FindingSchema>;
export type FindingsReport = Static<typeof FindingsReportSchema>;
export type FindingPackage = Static<typeof PackageSchema>;
export type ToolInfo = Static<typeof ToolSchema>;

/** A finding after reading: normalised path, and a fingerprint always present. */
export type ReadFinding = Readonly<Omit<Finding, 'fingerprint'>> & { readonly fingerprint: string };

/** A finding whose location is not a file in the repository: kept, counted, never annotated on a line. */
export interface OutsideRepositoryFinding {
  /** The finding, without `path` (it has no place in the repository). */
  readonly finding: ReadFinding;
  /** The location as the scanner wrote it (cleaned of control characters, cut to 4096 characters). */
  readonly location: string;
  readonly reason: OutsideReason;
  readonly detail: string;
}

/** A SARIF result that is not a finding, with the reason (`kind: pass`, suppressed, absent in baseline). */
export interface SkippedResult {
  /** JSON pointer of the result, e.g. `/runs/0/results/3`. */
  readonly pointer: string;
  readonly reason: string;
}

/** What `readFindings` returns for either format. */
export interface FindingsReadResult {
  readonly format: 'sarif' | 'native';
  readonly findings: readonly ReadFinding[];
  readonly outsideRepository: readonly OutsideRepositoryFinding[];
  readonly skipped: readonly SkippedResult[];
  readonly tool?: ToolInfo;
  readonly verdict?: Verdict;
  readonly evidenceUrl?: string;
  /** Errors the scanner reported about its own run (SARIF tool execution notifications), at most 20. */
  readonly scannerErrors: readonly string[];
}

/**
 * The annotation payload builder: scan findings (SARIF 2.1.0 or the native format) in, pull-request
 * comment, commit status and check run out. Pure functions: no network, no database, no clock.
 *
 * @example
 * import { buildAnnotations, parseUnifiedDiff, readFindings } from '../annotations/index.js';
 *
 * const report = readFindings(sarifText, { repositoryRoot: '/home/runner/work/app/app' });
 * const payloads = buildAnnotations(report, {
 *   markerKey: 'scanner:trivy',
 *   platform: 'github',
 *   scope: 'changed-lines',
 *   changedLines: parseUnifiedDiff(diffText),
 *   fileUrl: (path, line) => `https://github.com/o/r/blob/${sha}/${path}${line ? `#L${line}` : ''}`,
 * });
 * // payloads.comment, payloads.status, payloads.checkRun, payloads.inline, payloads.outcome
 */

export {
  type AnnotationPayloads,
  type BuildAnnotationsOptions,
  buildAnnotations,
} from './build-annotations.js';
export {
  type ChangedFile,
  type ChangedLines,
  type ChangedLinesInput,
  type DiffSplit,
  type LineRange,
  type Placement,
  placeFinding,
  SCOPES,
  type Scope,
  splitByDiff,
  toChangedLines,
} from './diff.js';
export {
  type Finding,
  type FindingPackage,
  FindingSchema,
  type FindingsReadResult,
  type FindingsReport,
  FindingsReportSchema,
  type OutsideRepositoryFinding,
  PackageSchema,
  type ReadFinding,
  SeveritySchema,
  type SkippedResult,
  type ToolInfo,
  ToolSchema,
  VERDICTS,
  type Verdict,
} from './findings.js';
export { FINDINGS_SCHEMA_ID, findingsJsonSchema } from './findings-json-schema.js';
export type { FileUrl } from './findings-table.js';
export { computeFingerprints, type FingerprintSource, normaliseMessage } from './fingerprint.js';
export {
  ANNOTATIONS_PER_REQUEST,
  batches,
  INPUT_LIMITS,
  PLATFORM_LIMITS,
  PLATFORMS,
  type Platform,
  type PlatformLimits,
} from './limits.js';
export { commentMarker, hasCommentMarker } from './markdown.js';
export { compareEntries, type ReportEntry, toEntries } from './order.js';
export { OUTSIDE_REASONS, type OutsideReason } from './paths.js';
export {
  type CheckRunConclusion,
  DEFAULT_LEVEL_MAPPING,
  DEFAULT_POLICY,
  evaluatePolicy,
  type LevelMapping,
  type Outcome,
  type PolicyConfig,
  type PolicyDecision,
  PolicySchema,
  type ResolvedPolicy,
  resolveLevelMapping,
  resolvePolicy,
} from './policy.js';
export { type ReadFindingsOptions, readFindings } from './read-findings.js';
export { type CheckRunAnnotation, type CheckRunPayload, renderCheckRun } from './render-check-run.js';
export { type CommentOptions, MIN_COMMENT_LENGTH, renderComment } from './render-comment.js';
export { type InlineCommentOptions, renderInlineComments } from './render-inline.js';
export { renderStatus, type StatusPayload } from './render-status.js';
export { countBySeverity, SEVERITIES, type Severity, type SeverityCounts } from './severity.js';
export { changedLinesFromPatches, parseUnifiedDiff } from './unified-diff.js';

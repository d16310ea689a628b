import { createHash } from 'node:crypto';
import {
  type AnnotationPayloads,
  buildAnnotations,
  type ChangedFile,
  type ChangedLinesInput,
  type FindingsReadResult,
  type PolicyConfig,
  parseUnifiedDiff,
  readFindings,
  renderInlineComments,
  resolveLevelMapping,
  type Scope,
  type Severity,
  toChangedLines,
} from '../annotations/index.js';
import { MARKER_KEY_PATTERN } from '../annotations/markdown.js';
import { DEFAULT_STATUS_CONTEXT } from '../annotations/render-status.js';
import { AppError, InvalidInputError } from '../core/errors.js';
import type { ScmAnnotationLevel, ScmChangedFile } from '../plugins/contracts.js';
import type { ScmPayload } from './scm-operation.js';
import {
  OPERATION_CAPABILITY,
  PULL_REQUEST_OPERATIONS,
  SCM_OPERATIONS,
  type ScmOperation,
  type ScmTarget,
} from './scm-target.js';

/** What a scanner asks for: where to post, the findings, and how to present them. */
export interface AnnotateRequest {
  readonly owner: string;
  readonly repository: string;
  /** Absent for a commit without a pull request: status and check run only. */
  readonly pullRequestNumber?: number;
  /** 40 or 64 hex digits (SHA-1 or SHA-256 repositories); written in lower case. */
  readonly commitSha: string;
  /** A native findings report (exactly one of `findings` and `sarif`). */
  readonly findings?: unknown;
  /** A SARIF 2.1.0 log, as an object or as its JSON text. */
  readonly sarif?: unknown;
  /** The checkout the scanner saw, to make absolute paths repository-relative. */
  readonly repositoryRoot?: string;
  /**
   * Default: every operation the provider offers that applies (a comment and inline comments need a
   * pull request).
   */
  readonly operations?: readonly ScmOperation[];
  readonly policy?: PolicyConfig;
  readonly levelMapping?: Partial<Record<Severity, ScmAnnotationLevel>>;
  readonly asciiOnly?: boolean;
  readonly scope?: Scope;
  /** The pull request's changed lines, or `diff`: needed by the scopes other than `all`. */
  readonly changedLines?: readonly ChangedFile[];
  /** A unified diff of the pull request, instead of `changedLines`. */
  readonly diff?: string;
  /** Status context. Default `security/scan`. */
  readonly context?: string;
  readonly checkRunName?: string;
  /** Which comment is ours. Default: derived from `context`, so scanners with their own keep their own. */
  readonly markerKey?: string;
  /** The status's link; default the report's evidence URL. */
  readonly targetUrl?: string;
  /** Build and return the payloads; post nothing, take no lock, keep nothing. */
  readonly dryRun?: boolean;
}

/** The payloads of one annotate call, built and ready to post. */
export interface PreparedAnnotation {
  readonly report: FindingsReadResult;
  readonly built: AnnotationPayloads;
  readonly markerKey: string;
  readonly commitSha: string;
  readonly payloads: readonly ScmPayload[];
}

/**
 * Reads the findings and builds the payloads of the operations that apply. Pure apart from hashing;
 * throws `InvalidInputError` (fields named under `/body/…`) for anything the caller must fix.
 *
 * @example
 * const prepared = prepareAnnotation({ owner: 'acme', repository: 'app', pullRequestNumber: 7,
 *   commitSha, sarif }, target);
 * prepared.payloads.map((p) => p.operation); // ['comment', 'status', 'checkRun', 'inline']
 */
export function prepareAnnotation(request: AnnotateRequest, target: ScmTarget): PreparedAnnotation {
  const operations = selectOperations(request, target);
  const report = readReport(request);
  const markerKey = request.markerKey ?? defaultMarkerKey(request.context ?? DEFAULT_STATUS_CONTEXT);
  const commitSha = request.commitSha.toLowerCase();
  let changedLines: { changedLines?: ChangedLinesInput } = {};
  const built = underBody(() => {
    changedLines = changedLinesOf(request);
    return buildAnnotations(report, {
      markerKey,
      platform: target.platform,
      ...(request.policy === undefined ? {} : { policy: request.policy }),
      ...(target.policy === undefined ? {} : { integrationPolicy: target.policy }),
      levelMapping: { ...target.levelMapping, ...request.levelMapping },
      asciiOnly: request.asciiOnly ?? false,
      scope: request.scope ?? 'all',
      ...changedLines,
      ...(request.context === undefined ? {} : { context: request.context }),
      ...((request.checkRunName ?? target.checkRunName) === undefined
        ? {}
        : { checkRunName: request.checkRunName ?? target.checkRunName }),
    });
  });
  const { owner, repository } = request;
  const targetUrl = request.targetUrl ?? report.evidenceUrl;
  const build: { readonly [K in ScmOperation]: () => ScmPayload } = {
    comment: () => ({
      operation: 'comment',
      request: {
        owner,
        repository,
        pullRequestNumber: request.pullRequestNumber!,
        body: built.comment,
        updateExisting: true,
      },
    }),
    status: () => ({
      operation: 'status',
      request: {
        owner,
        repository,
        commitSha,
        state: built.status.state,
        context: built.status.context,
        description: built.status.description,
        ...(targetUrl === undefined ? {} : { targetUrl }),
      },
    }),
    checkRun: () => ({
      operation: 'checkRun',
      request: {
        owner,
        repository,
        headSha: commitSha,
        name: built.checkRun.name,
        status: built.checkRun.status,
        conclusion: built.checkRun.conclusion,
        summary: built.checkRun.summary,
        text: built.checkRun.text,
        annotations: built.checkRun.annotations,
      },
    }),
    inline: () => {
      const findings = renderInlineComments(built.inline, {
        levelMapping: resolveLevelMapping({ ...target.levelMapping, ...request.levelMapping }),
        asciiOnly: request.asciiOnly ?? false,
      });
      const lines = changedLines.changedLines;
      return {
        operation: 'inline',
        request: {
          owner,
          repository,
          pullRequestNumber: request.pullRequestNumber!,
          commitSha,
          findings,
          markerKey,
          ...(lines === undefined
            ? {}
            : { changedLines: changedFilesOf(lines, new Set(findings.map((f) => f.path))) }),
        },
      };
    },
  };
  const payloads = operations.map((operation) => build[operation]());
  return { report, built, markerKey, commitSha, payloads };
}

function selectOperations(request: AnnotateRequest, target: ScmTarget): ScmOperation[] {
  const hasPullRequest = request.pullRequestNumber !== undefined;
  if (request.operations === undefined) {
    const applicable = target.operations.filter(
      (operation) => hasPullRequest || !PULL_REQUEST_OPERATIONS.includes(operation),
    );
    if (applicable.length === 0) {
      throw InvalidInputError.field(
        '/body/pullRequestNumber',
        `is required: provider '${target.integration.provider}' can only comment on pull requests`,
      );
    }
    return applicable;
  }
  for (const operation of request.operations) {
    if (PULL_REQUEST_OPERATIONS.includes(operation) && !hasPullRequest) {
      throw InvalidInputError.field('/body/operations', `${operation} needs pullRequestNumber`);
    }
    if (!target.operations.includes(operation)) {
      throw InvalidInputError.field(
        '/body/operations',
        `${operation} needs the ${OPERATION_CAPABILITY[operation]} capability, which provider '${target.integration.provider}' does not offer`,
      );
    }
  }
  return SCM_OPERATIONS.filter((operation) => request.operations!.includes(operation));
}

function readReport(request: AnnotateRequest): FindingsReadResult {
  const hasFindings = request.findings !== undefined;
  const hasSarif = request.sarif !== undefined;
  if (hasFindings === hasSarif) {
    throw InvalidInputError.field(
      hasFindings ? '/body/sarif' : '/body/findings',
      hasFindings ? 'cannot be given together with findings' : 'or sarif is required',
    );
  }
  const field = hasFindings ? '/body/findings' : '/body/sarif';
  const options = {
    format: hasFindings ? ('native' as const) : ('sarif' as const),
    ...(request.repositoryRoot === undefined ? {} : { repositoryRoot: request.repositoryRoot }),
  };
  return underBody(() => readFindings(hasFindings ? request.findings : request.sarif, options), field);
}

function changedLinesOf(request: AnnotateRequest): { changedLines?: ChangedLinesInput } {
  if (request.changedLines !== undefined && request.diff !== undefined) {
    throw InvalidInputError.field('diff', 'cannot be given together with changedLines');
  }
  if (request.diff !== undefined) return { changedLines: underBody(() => parseUnifiedDiff(request.diff!)) };
  return request.changedLines === undefined ? {} : { changedLines: request.changedLines };
}

/** The added lines of `paths` as line lists, for a provider that cannot read the diff itself. */
function changedFilesOf(input: ChangedLinesInput, paths: ReadonlySet<string>): ScmChangedFile[] {
  const files: ScmChangedFile[] = [];
  for (const [path, ranges] of toChangedLines(input)) {
    if (!paths.has(path)) continue;
    const lines: number[] = [];
    for (const range of ranges) for (let line = range.start; line <= range.end; line++) lines.push(line);
    files.push({ path, lines });
  }
  return files;
}

/**
 * The default comment marker key: the status context when it can be one, else a cleaned form of it
 * with a short hash (so two contexts never share a comment).
 *
 * @example
 * defaultMarkerKey('security/scan'); // 'security/scan'
 * defaultMarkerKey('Trivy (images)'); // 'Trivy-images-3f2a9c1b7d4e'
 */
export function defaultMarkerKey(context: string): string {
  if (MARKER_KEY_PATTERN.test(context)) return context;
  const cleaned = context
    .replace(/[^A-Za-z0-9._:/=+-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 100);
  const hash = createHash('sha256').update(context).digest('hex').slice(0, 12);
  return cleaned ? `${cleaned}-${hash}` : `context-${hash}`;
}

/**
 * Runs pure annotation code, naming the fields of its input errors under `/body/…` (`prefix` for the
 * fields of a nested document such as the SARIF log). A document nested too deeply for the reader's
 * stack is the caller's input too, not a crash.
 */
function underBody<T>(work: () => T, prefix = '/body'): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof InvalidInputError) {
      const problems = error.details.map((problem) => ({
        field: joinPointer(prefix, problem.field),
        message: problem.message,
      }));
      const where = prefix === '/body' ? '' : `${prefix.slice('/body/'.length)}: `;
      return rethrow(new InvalidInputError(`${where}${error.message}`, problems, { cause: error }));
    }
    if (error instanceof RangeError && !(error instanceof AppError)) {
      return rethrow(
        InvalidInputError.field(prefix, 'nests too deeply or is too large to read; send a smaller document'),
      );
    }
    throw error;
  }
}

function rethrow(error: Error): never {
  throw error;
}

function joinPointer(prefix: string, field: string): string {
  if (field === '') return prefix;
  return field.startsWith('/') ? `${prefix}${field}` : `${prefix}/${field}`;
}

import { commentMarker } from '../../annotations/markdown.js';
import type {
  ScmAnnotationClient,
  ScmCheckRunAnnotation,
  ScmCheckRunRequest,
  ScmCheckRunResponse,
  ScmCommentResponse,
  ScmInlineCommentsResponse,
  ScmOperationResult,
  ScmStatusResponse,
  ScmStatusState,
} from '../../plugins/contracts.js';
import type { InMemoryConfig } from './config.js';

/** A comment as the in-memory SCM keeps it. */
export interface RecordedComment {
  readonly id: string;
  readonly pullRequest: string;
  body: string;
  updates: number;
}

export interface RecordedStatus {
  readonly owner: string;
  readonly repository: string;
  readonly commitSha: string;
  readonly context: string;
  readonly state: ScmStatusState;
  readonly description?: string;
  readonly targetUrl?: string;
}

/** An inline review comment: on one line of a file of a pull request. */
export interface RecordedInlineComment {
  readonly id: string;
  readonly pullRequest: string;
  readonly path: string;
  readonly line: number;
  readonly body: string;
}

/** Everything posted to one in-memory SCM, for tests and demos to inspect. */
export interface InMemoryScmState {
  readonly comments: RecordedComment[];
  readonly statuses: RecordedStatus[];
  readonly checkRuns: RecordedCheckRun[];
  readonly inlineComments: RecordedInlineComment[];
  /** How many writes reached the SCM (a no-op ensure adds none). */
  writes: number;
}

/** A check run as the in-memory SCM keeps it: the latest request for its head SHA and name. */
export type RecordedCheckRun = ScmCheckRunRequest & { readonly id: string; readonly updates: number };

export function emptyScmState(): InMemoryScmState {
  return { comments: [], statuses: [], checkRuns: [], inlineComments: [], writes: 0 };
}

/**
 * An SCM that records what it is sent and behaves like a careful platform client: comments are
 * updated in place when `updateExisting` is set (found by their marker line when the body starts with
 * one, so several scanners keep separate comments), identical statuses are not written twice, and a
 * check run is found by head SHA and name and only rewritten when it changed. Inline comments go only on
 * lines listed in the request's `changedLines` (every line of the finding; none given: none are on the
 * diff), the rest come back as `fallback`; one already there (same path, line and body) is not repeated.
 *
 * `config.scmDelayMs` waits between the lookup and the write, as a platform's round trips do: two
 * writers that are not serialised then both create, which is what the catalog's per-PR lock prevents.
 */
export function createInMemoryScmClient(
  state: InMemoryScmState,
  config: InMemoryConfig,
): ScmAnnotationClient {
  const settle = () =>
    config.scmDelayMs > 0
      ? new Promise<void>((done) => setTimeout(done, config.scmDelayMs))
      : Promise.resolve();
  function failure<T>(): ScmOperationResult<T> | undefined {
    if (config.scmFailure === 'none') return undefined;
    const isTransient = config.scmFailure === 'transient';
    return {
      success: false,
      errorMessage: isTransient
        ? 'in-memory SCM: scripted transient failure'
        : 'in-memory SCM: scripted permanent failure',
      isTransient,
      skippedOffline: false,
    };
  }
  const ok = <T>(result: T): ScmOperationResult<T> => ({
    success: true,
    result,
    isTransient: false,
    skippedOffline: false,
  });

  return {
    async postComment(request) {
      const failed = failure<ScmCommentResponse>();
      if (failed) return failed;
      const pullRequest = `${request.owner}/${request.repository}#${request.pullRequestNumber}`;
      const marker = markerOf(request.body);
      const existing = request.commentId
        ? state.comments.find((c) => c.id === request.commentId && c.pullRequest === pullRequest)
        : request.updateExisting !== false
          ? state.comments.find((c) => c.pullRequest === pullRequest && markerOf(c.body) === marker)
          : undefined;
      await settle();
      if (request.commentId && !existing) {
        return {
          success: false,
          errorMessage: `comment ${request.commentId} not found`,
          isTransient: false,
          skippedOffline: false,
        };
      }
      if (existing) {
        if (existing.body === request.body)
          return ok({ commentId: existing.id, url: null, action: 'unchanged' });
        existing.body = request.body;
        existing.updates += 1;
        state.writes += 1;
        return ok({ commentId: existing.id, url: null, action: 'updated' });
      }
      const comment: RecordedComment = {
        id: String(state.comments.length + 1),
        pullRequest,
        body: request.body,
        updates: 0,
      };
      state.comments.push(comment);
      state.writes += 1;
      return ok({ commentId: comment.id, url: null, action: 'created' });
    },

    async postStatus(request) {
      const failed = failure<ScmStatusResponse>();
      if (failed) return failed;
      const latest = state.statuses.findLast(
        (s) =>
          s.owner === request.owner &&
          s.repository === request.repository &&
          s.commitSha === request.commitSha &&
          s.context === request.context,
      );
      if (latest && latest.state === request.state && latest.description === request.description) {
        return ok({ statusId: String(state.statuses.indexOf(latest) + 1), url: null, action: 'unchanged' });
      }
      state.statuses.push({ ...request });
      state.writes += 1;
      return ok({ statusId: String(state.statuses.length), url: null, action: 'created' });
    },

    async createCheckRun(request) {
      const failed = failure<ScmCheckRunResponse>();
      if (failed) return failed;
      const index = state.checkRuns.findIndex(
        (run) =>
          run.owner === request.owner &&
          run.repository === request.repository &&
          run.headSha === request.headSha &&
          run.name === request.name,
      );
      await settle();
      const annotationsPosted = request.annotations?.length ?? 0;
      const existing = index === -1 ? undefined : state.checkRuns[index];
      if (existing) {
        const { id, updates, ...recorded } = existing;
        if (canonical(recorded) === canonical(request)) {
          return ok({ checkRunId: id, url: null, annotationsPosted: 0, action: 'unchanged' });
        }
        state.checkRuns[index] = { ...request, id, updates: updates + 1 };
        state.writes += 1;
        return ok({ checkRunId: id, url: null, annotationsPosted, action: 'updated' });
      }
      const id = String(state.checkRuns.length + 1);
      state.checkRuns.push({ ...request, id, updates: 0 });
      state.writes += 1;
      return ok({ checkRunId: id, url: null, annotationsPosted, action: 'created' });
    },

    async postInlineComments(request) {
      const failed = failure<ScmInlineCommentsResponse>();
      if (failed) return failed;
      const pullRequest = `${request.owner}/${request.repository}#${request.pullRequestNumber}`;
      const marker = commentMarker(request.markerKey ?? 'default');
      const added = new Map<string, Set<number>>();
      for (const file of request.changedLines ?? []) {
        const lines = added.get(file.path) ?? new Set<number>();
        for (const line of file.lines) lines.add(line);
        added.set(file.path, lines);
      }
      const fallback: ScmCheckRunAnnotation[] = [];
      let posted = 0;
      let unchanged = 0;
      await settle();
      for (const finding of request.findings) {
        const start = Math.max(1, Math.floor(finding.startLine));
        const end = Math.max(start, Math.floor(finding.endLine));
        const lines = added.get(finding.path);
        let onDiff = lines !== undefined;
        for (let line = start; onDiff && line <= end; line++) onDiff = lines!.has(line);
        if (!onDiff) {
          fallback.push(finding);
          continue;
        }
        const heading = finding.title ? `**${finding.annotationLevel}**: ${finding.title}\n\n` : '';
        const body = `${marker}\n${heading}${finding.message}`;
        const there = state.inlineComments.some(
          (c) =>
            c.pullRequest === pullRequest && c.path === finding.path && c.line === end && c.body === body,
        );
        if (there) {
          unchanged += 1;
          continue;
        }
        state.inlineComments.push({
          id: String(state.inlineComments.length + 1),
          pullRequest,
          path: finding.path,
          line: end,
          body,
        });
        posted += 1;
      }
      if (posted > 0) state.writes += 1;
      return ok({ posted, unchanged, fallback, reviewIds: posted > 0 ? [String(state.writes)] : [] });
    },
  };
}

const MARKER_LINE = /^<!-- integrations-catalog:annotation key=[A-Za-z0-9._:/=+-]{1,128} -->$/;

/** The hidden marker line a body starts with (see `commentMarker`), or undefined. */
function markerOf(body: string): string | undefined {
  const end = body.indexOf('\n');
  const first = (end === -1 ? body : body.slice(0, end)).replace(/\r$/, '').trim();
  return MARKER_LINE.test(first) ? first : undefined;
}

/** JSON with object keys sorted, so equal requests compare equal whatever order their keys came in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item !== null && typeof item === 'object' && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : item,
  );
}

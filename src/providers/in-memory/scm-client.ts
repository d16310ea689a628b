import type {
  ScmAnnotationClient,
  ScmCheckRunRequest,
  ScmCheckRunResponse,
  ScmCommentResponse,
  ScmOperationResult,
  ScmStatusResponse,
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
  readonly commitSha: string;
  readonly context: string;
  readonly state: string;
  readonly description?: string;
  readonly targetUrl?: string;
}

/** Everything posted to one in-memory SCM, for tests and demos to inspect. */
export interface InMemoryScmState {
  readonly comments: RecordedComment[];
  readonly statuses: RecordedStatus[];
  readonly checkRuns: (ScmCheckRunRequest & { readonly id: string })[];
  /** How many writes reached the SCM (a no-op ensure adds none). */
  writes: number;
}

export function emptyScmState(): InMemoryScmState {
  return { comments: [], statuses: [], checkRuns: [], writes: 0 };
}

/**
 * An SCM that records what it is sent and behaves like a careful platform client: comments are
 * updated in place when `updateExisting` is set, identical statuses are not written twice.
 */
export function createInMemoryScmClient(
  state: InMemoryScmState,
  config: InMemoryConfig,
): ScmAnnotationClient {
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
      const existing = request.commentId
        ? state.comments.find((c) => c.id === request.commentId && c.pullRequest === pullRequest)
        : request.updateExisting !== false
          ? state.comments.find((c) => c.pullRequest === pullRequest)
          : undefined;
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
        (s) => s.commitSha === request.commitSha && s.context === request.context,
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
      const id = String(state.checkRuns.length + 1);
      state.checkRuns.push({ ...request, id });
      state.writes += 1;
      return ok({ checkRunId: id, url: null, annotationsPosted: request.annotations?.length ?? 0 });
    },
  };
}

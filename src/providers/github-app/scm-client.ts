import { resolveLevelMapping } from '../../annotations/policy.js';
import type {
  PluginContext,
  ScmAnnotationClient,
  ScmCheckRunRequest,
  ScmOperationResult,
} from '../../plugins/contracts.js';
import { scmRunner } from '../../plugins/guarded.js';
import { ensureCheckRun, type GitHubCheckRunRequest, type GitHubCheckRunResponse } from './check-runs.js';
import { ensureComment } from './comments.js';
import type { GitHubAppConfig } from './config.js';
import { describeFailure } from './errors.js';
import {
  type GitHubInlineCommentsRequest,
  type GitHubInlineCommentsResponse,
  postInline,
} from './inline-comments.js';
import { createSession, type SharedState } from './session.js';
import { ensureStatus } from './statuses.js';

/**
 * The GitHub App's `ScmAnnotationClient`, plus `postInlineComments` for the annotate flow. Every operation
 * returns an `ScmOperationResult`: outside failures are classified (`isTransient` from the HTTP layer,
 * `skippedOffline` when the service runs offline), never thrown.
 */
export interface GitHubScmClient extends ScmAnnotationClient {
  createCheckRun(
    request: GitHubCheckRunRequest | ScmCheckRunRequest,
  ): Promise<ScmOperationResult<GitHubCheckRunResponse>>;
  /**
   * Findings as review comments on the lines the pull request added; the others come back in
   * `result.fallback` for the check run or the summary. A comment GitHub refuses (422) also falls back.
   *
   * @example
   * const inline = await client.postInlineComments({ owner, repository, pullRequestNumber, commitSha, findings });
   * await client.createCheckRun({ ...run, annotations: [...run.annotations, ...(inline.result?.fallback ?? [])] });
   */
  postInlineComments(
    request: GitHubInlineCommentsRequest,
  ): Promise<ScmOperationResult<GitHubInlineCommentsResponse>>;
}

export function createGitHubScmClient(
  context: PluginContext<GitHubAppConfig>,
  shared: SharedState,
): GitHubScmClient {
  const run = scmRunner(context, 'github_app', describeFailure, () => createSession(context, shared));
  const mapping = () => resolveLevelMapping(context.integration.config.levelMapping ?? {});

  return {
    postComment: (request) =>
      run('posting the comment', 'post_comment', (session) => ensureComment(session, request)),
    postStatus: (request) =>
      run('setting the commit status', 'post_status', (session) => ensureStatus(session, request)),
    createCheckRun: (request) =>
      run('creating the check run', 'create_check_run', (session) =>
        ensureCheckRun(session, request, mapping()),
      ),
    postInlineComments: (request) =>
      run('posting inline comments', 'post_inline_comments', (session) => postInline(session, request)),
  };
}

import type { PluginContext, ScmAnnotationClient } from '../../plugins/contracts.js';
import { scmRunner } from '../../plugins/guarded.js';
import { ensureCheckRun } from './check-runs.js';
import { ensureNote } from './comments.js';
import type { GitLabConfig } from './config.js';
import { describeFailure } from './errors.js';
import { postDiscussions } from './inline-comments.js';
import { createSession, type SharedState } from './session.js';
import { ensureStatus } from './statuses.js';

/**
 * GitLab's `ScmAnnotationClient`: the summary as a merge request note, commit statuses, check runs
 * emulated (a status and a commit comment), and findings as merge request discussions. Every operation
 * returns an `ScmOperationResult`: outside failures are classified, never thrown.
 */
export function createGitLabScmClient(
  context: PluginContext<GitLabConfig>,
  shared: SharedState,
): Required<ScmAnnotationClient> {
  const run = scmRunner(context, 'gitlab', describeFailure, () => createSession(context, shared));
  return {
    postComment: (request) =>
      run('posting the note', 'post_comment', (session) => ensureNote(session, request)),
    postStatus: (request) =>
      run('setting the commit status', 'post_status', (session) => ensureStatus(session, request)),
    createCheckRun: (request) =>
      run('creating the check run', 'create_check_run', (session) => ensureCheckRun(session, request)),
    postInlineComments: (request) =>
      run('posting inline discussions', 'post_inline_comments', (session) =>
        postDiscussions(session, request),
      ),
  };
}

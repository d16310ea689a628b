import { PLATFORM_LIMITS } from '../../annotations/limits.js';
import { hasCommentMarker } from '../../annotations/markdown.js';
import { markedComment, sameCommentText } from '../../annotations/marked-comment.js';
import type { ScmCommentRequest, ScmCommentResponse } from '../../plugins/contracts.js';
import { GitHubAppError, statusOf } from './errors.js';
import { type IssueComment, IssueCommentListSchema, IssueCommentSchema, parse } from './responses.js';
import type { GitHubSession } from './session.js';

/**
 * The pull request's summary comment as an `ensure`: find our own comment (the hidden marker as its first
 * line AND written by this App's bot), change it only when the body differs, otherwise add one. A comment by
 * anyone else is never touched, even when it carries our marker. Uses the issues API, as GitHub does for
 * a pull request's conversation (reference scm-platforms.md §1.3).
 */

export { DEFAULT_MARKER_KEY, markerKeyOf } from '../../annotations/marked-comment.js';

const COMMENT_LIMIT = PLATFORM_LIMITS.github.commentLength;

/** The body as it will be sent: marker first, cut to GitHub's limit of 65,536 characters. */
export function commentBody(body: string): { readonly key: string; readonly body: string } {
  return markedComment(
    body,
    { chars: COMMENT_LIMIT, bytes: COMMENT_LIMIT },
    "GitHub's limit of 65,536 characters for a comment",
  );
}

export async function ensureComment(
  session: GitHubSession,
  request: ScmCommentRequest,
): Promise<ScmCommentResponse> {
  const { owner, repository: repo, pullRequestNumber } = request;
  const target = { owner, repo };
  const { key, body } = commentBody(request.body);

  const update = async (existing: IssueComment): Promise<ScmCommentResponse> => {
    if (sameCommentText(existing.body, body)) {
      return { commentId: String(existing.id), url: existing.html_url ?? null, action: 'unchanged' };
    }
    const response = await session.write(target, {
      route: 'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}',
      params: { owner, repo, comment_id: existing.id, body },
      operation: 'update_comment',
      // Setting the same body twice changes nothing.
      retryable: true,
    });
    const updated = parse(IssueCommentSchema, response.data, 'PATCH issue comment');
    return { commentId: String(updated.id), url: updated.html_url ?? null, action: 'updated' };
  };

  if (request.commentId !== undefined) {
    const id = Number(request.commentId);
    if (!Number.isSafeInteger(id) || id <= 0)
      throw new GitHubAppError('commentId must be a GitHub comment id');
    let existing: IssueComment;
    try {
      const response = await session.read(target, {
        route: 'GET /repos/{owner}/{repo}/issues/comments/{comment_id}',
        params: { owner, repo, comment_id: id },
        operation: 'get_comment',
      });
      existing = parse(IssueCommentSchema, response.data, 'GET issue comment');
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
      throw new GitHubAppError(`comment ${id} was not found in ${owner}/${repo}`, { cause: error });
    }
    const bot = await session.botLogin();
    if (existing.user?.login !== bot) {
      throw new GitHubAppError(`comment ${id} was not written by this App (${bot}); it is left as it is`);
    }
    return update(existing);
  }

  // Find-then-create runs alone per pull request (whatever the marker key and the integration), or two
  // concurrent calls could both find nothing and both create a comment.
  return session.exclusive(`comment:${owner}/${repo}#${pullRequestNumber}`, async () => {
    if (request.updateExisting !== false) {
      const ours = await findOurs(session, target, pullRequestNumber, await session.botLogin(), key);
      if (ours) return update(ours);
    }
    const response = await session.write(target, {
      route: 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
      params: { owner, repo, issue_number: pullRequestNumber, body },
      operation: 'create_comment',
    });
    const created = parse(IssueCommentSchema, response.data, 'POST issue comment');
    return { commentId: String(created.id), url: created.html_url ?? null, action: 'created' };
  });
}

/** Our earlier comment: first with the marker for `key` written by `bot`, across every page. */
async function findOurs(
  session: GitHubSession,
  target: { owner: string; repo: string },
  issue: number,
  bot: string,
  key: string,
): Promise<IssueComment | undefined> {
  const pages = session.pages(target, {
    route: 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
    params: { ...target, issue_number: issue, per_page: 100 },
    operation: 'list_comments',
  });
  for await (const page of pages) {
    for (const comment of parse(IssueCommentListSchema, page, 'GET issue comments')) {
      if (comment.user?.login === bot && hasCommentMarker(comment.body ?? '', key)) return comment;
    }
  }
  return undefined;
}

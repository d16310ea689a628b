import type { LineRange } from '../../annotations/diff.js';
import { fitMarkdown } from '../../annotations/fit-markdown.js';
import { PLATFORM_LIMITS } from '../../annotations/limits.js';
import { commentMarker } from '../../annotations/markdown.js';
import { changedLinesFromPatches } from '../../annotations/unified-diff.js';
import type { ScmInlineCommentsRequest, ScmInlineCommentsResponse } from '../../plugins/contracts.js';
import type { GitHubCheckRunAnnotation } from './check-runs.js';
import { DEFAULT_MARKER_KEY } from './comments.js';
import { statusOf } from './errors.js';
import { PullFileListSchema, parse, ReviewCommentListSchema, ReviewSchema } from './responses.js';
import type { GitHubSession } from './session.js';

/**
 * Findings as inline review comments, only on lines the pull request added (from `GET /pulls/{n}/files`,
 * each file's `patch` read with `parseUnifiedDiff`). GitHub answers 422 for a comment outside the diff
 * (reference §1.4), so such findings are never sent: they come back in `fallback` for the check run or the
 * summary. Comments go out as reviews of at most 30 (reviewdog's limit against abuse detection); a comment
 * this App already left on the same line with the same body is not repeated.
 */

/**
 * The contract's `ScmInlineCommentsRequest`, findings with GitHub's extras (columns, severity). GitHub's
 * own diff is used; `changedLines` is ignored.
 */
export interface GitHubInlineCommentsRequest extends ScmInlineCommentsRequest {
  readonly findings: readonly GitHubCheckRunAnnotation[];
}

export interface GitHubInlineCommentsResponse extends ScmInlineCommentsResponse {
  /** Not on a line of the diff (or refused by GitHub): report them in the check run or the summary. */
  readonly fallback: readonly GitHubCheckRunAnnotation[];
}

/** Comments per review; more in one review trips GitHub's abuse detection (reviewdog caps at 30). */
export const COMMENTS_PER_REVIEW = 30;
/** Inline comments per call; the rest fall back. */
export const MAX_INLINE_COMMENTS = 150;

interface Placed {
  readonly finding: GitHubCheckRunAnnotation;
  readonly path: string;
  readonly line: number;
  readonly startLine?: number;
  readonly body: string;
}

export async function postInline(
  session: GitHubSession,
  request: GitHubInlineCommentsRequest,
): Promise<GitHubInlineCommentsResponse> {
  const { owner, repository: repo, pullRequestNumber: pull } = request;
  const target = { owner, repo };
  const marker = commentMarker(request.markerKey ?? DEFAULT_MARKER_KEY);
  const changed = await changedLines(session, target, pull);

  const placed: Placed[] = [];
  const fallback: GitHubCheckRunAnnotation[] = [];
  for (const finding of request.findings) {
    const path = finding.path.replace(/^(\.\/)+/, '').replace(/^\/+/, '');
    const start = Math.max(1, Math.floor(finding.startLine));
    const end = Math.max(start, Math.floor(finding.endLine));
    const inDiff = (changed.get(path) ?? []).some((range) => range.start <= start && end <= range.end);
    if (!inDiff || placed.length >= MAX_INLINE_COMMENTS) {
      fallback.push(finding);
      continue;
    }
    const heading = finding.title ? `**${finding.annotationLevel}**: ${finding.title}\n\n` : '';
    const body = fitMarkdown(
      `${marker}\n${heading}${finding.message}`,
      { chars: PLATFORM_LIMITS.github.commentLength, bytes: PLATFORM_LIMITS.github.commentLength },
      "GitHub's limit of 65,536 characters for a comment",
    );
    placed.push({ finding, path, line: end, ...(start < end ? { startLine: start } : {}), body });
  }
  if (placed.length === 0) return { posted: 0, unchanged: 0, fallback, reviewIds: [] };

  return session.exclusive(`inline:${owner}/${repo}#${pull}`, async () => {
    const bot = await session.botLogin();
    const existing = new Set<string>();
    const pages = session.pages(target, {
      route: 'GET /repos/{owner}/{repo}/pulls/{pull_number}/comments',
      params: { ...target, pull_number: pull, per_page: 100 },
      operation: 'list_review_comments',
    });
    for await (const page of pages) {
      for (const comment of parse(ReviewCommentListSchema, page, 'GET review comments')) {
        if (comment.user?.login === bot)
          existing.add(`${comment.path}:${comment.line ?? ''}:${comment.body}`);
      }
    }
    const fresh = placed.filter((item) => !existing.has(`${item.path}:${item.line}:${item.body}`));
    const reviewIds: string[] = [];
    let posted = 0;
    for (let start = 0; start < fresh.length; start += COMMENTS_PER_REVIEW) {
      const chunk = fresh.slice(start, start + COMMENTS_PER_REVIEW);
      try {
        const response = await session.write(target, {
          route: 'POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews',
          params: {
            ...target,
            pull_number: pull,
            commit_id: request.commitSha,
            event: 'COMMENT',
            body:
              request.reviewBody ??
              `${chunk.length} finding${chunk.length === 1 ? '' : 's'} on changed lines`,
            comments: chunk.map((item) => ({
              path: item.path,
              line: item.line,
              side: 'RIGHT',
              ...(item.startLine === undefined ? {} : { start_line: item.startLine, start_side: 'RIGHT' }),
              body: item.body,
            })),
          },
          operation: 'create_review',
        });
        reviewIds.push(String(parse(ReviewSchema, response.data, 'POST review').id));
        posted += chunk.length;
      } catch (error) {
        // The diff moved under us (a push since it was read): never a failure, the findings fall back.
        if (statusOf(error) !== 422) throw error;
        session.context.logger.warn(
          { provider: 'github_app', operation: 'create_review', comments: chunk.length },
          'GitHub refused inline comments (422); they fall back to the check run',
        );
        fallback.push(...chunk.map((item) => item.finding));
      }
    }
    return { posted, unchanged: placed.length - fresh.length, fallback, reviewIds };
  });
}

/** Added lines per path, from every page of the pull request's files. */
async function changedLines(
  session: GitHubSession,
  target: { owner: string; repo: string },
  pull: number,
): Promise<ReadonlyMap<string, readonly LineRange[]>> {
  const files: { path: string; patch?: string | null }[] = [];
  const pages = session.pages(target, {
    route: 'GET /repos/{owner}/{repo}/pulls/{pull_number}/files',
    params: { ...target, pull_number: pull, per_page: 100 },
    operation: 'list_pull_files',
  });
  for await (const page of pages) {
    for (const file of parse(PullFileListSchema, page, 'GET pull request files')) {
      if (file.status !== 'removed') files.push({ path: file.filename, patch: file.patch ?? null });
    }
  }
  return changedLinesFromPatches(files);
}

import type { LineRange } from '../../annotations/diff.js';
import { toChangedLines } from '../../annotations/diff.js';
import { fitMarkdown } from '../../annotations/fit-markdown.js';
import { PLATFORM_LIMITS } from '../../annotations/limits.js';
import { commentMarker, hasCommentMarker } from '../../annotations/markdown.js';
import { DEFAULT_MARKER_KEY } from '../../annotations/marked-comment.js';
import { changedLinesFromPatches } from '../../annotations/unified-diff.js';
import type {
  ScmCheckRunAnnotation,
  ScmInlineCommentsRequest,
  ScmInlineCommentsResponse,
} from '../../plugins/contracts.js';
import { projectId } from './base-url.js';
import { statusOf } from './errors.js';
import {
  DiffFileListSchema,
  DiscussionListSchema,
  DiscussionSchema,
  MergeRequestSchema,
} from './responses.js';
import type { GitLabSession } from './session.js';

/**
 * Findings as merge request discussions on the lines the merge request added (reference
 * scm-platforms.md §2.5): positioned with the merge request's `diff_refs` (never the target branch's
 * head), on the new side of the diff. Findings off the diff are not sent (GitLab answers 400 "must be
 * a valid line code") but come back in `fallback`; so does a finding GitLab refuses, and every finding
 * when the merge request's head is no longer the commit the findings are for. A discussion the token's
 * user already opened on that line with that body is not repeated, and an open one of ours (same
 * marker) whose finding is no longer on the diff (fixed, or moved) is resolved, so the merge request
 * shows only the findings that are still there.
 */

/** Discussions per call; each is one write, and GitLab limits notes per minute. The rest fall back. */
export const MAX_DISCUSSIONS = 50;

const NOTE_LIMIT = PLATFORM_LIMITS.gitlab.commentLength;

interface Placed {
  readonly finding: ScmCheckRunAnnotation;
  readonly path: string;
  readonly oldPath: string;
  readonly line: number;
  readonly body: string;
}

export async function postDiscussions(
  session: GitLabSession,
  request: ScmInlineCommentsRequest,
): Promise<ScmInlineCommentsResponse> {
  const project = projectId(request.owner, request.repository);
  const iid = request.pullRequestNumber;
  const base = `/projects/${project}/merge_requests/${iid}`;
  const marker = commentMarker(request.markerKey ?? DEFAULT_MARKER_KEY);
  const none = { posted: 0, unchanged: 0, reviewIds: [] };

  const mergeRequest = await session.read(MergeRequestSchema, {
    method: 'GET',
    path: base,
    operation: 'get_merge_request',
  });
  const refs = mergeRequest.diff_refs;
  if (!refs?.base_sha || !refs.start_sha || !refs.head_sha || refs.head_sha !== request.commitSha) {
    session.context.logger.warn(
      { provider: 'gitlab', operation: 'post_inline_comments', prNumber: iid, commitSha: request.commitSha },
      'the merge request has moved on from the commit of the findings; they fall back to the summary',
    );
    return { ...none, fallback: [...request.findings] };
  }
  const diff = await changedLines(session, base, request);

  const placed: Placed[] = [];
  const fallback: ScmCheckRunAnnotation[] = [];
  /** Every finding on the diff, posted now or over the cap: their threads are not stale. */
  const current = new Set<string>();
  for (const finding of request.findings) {
    const path = finding.path.replace(/^(\.\/)+/, '').replace(/^\/+/, '');
    const line = Math.max(1, Math.floor(finding.endLine));
    const onDiff = (diff.lines.get(path) ?? []).some((range) => range.start <= line && line <= range.end);
    if (!onDiff) {
      fallback.push(finding);
      continue;
    }
    const heading = finding.title ? `**${finding.annotationLevel}**: ${finding.title}\n\n` : '';
    const body = fitMarkdown(
      `${marker}\n${heading}${finding.message}`,
      { chars: NOTE_LIMIT, bytes: NOTE_LIMIT },
      "GitLab's limit of 1,000,000 characters for a note",
    );
    current.add(`${path}:${line}:${body}`);
    if (placed.length >= MAX_DISCUSSIONS) fallback.push(finding);
    else placed.push({ finding, path, oldPath: diff.oldPaths.get(path) ?? path, line, body });
  }

  const me = await session.me();
  const existing = new Set<string>();
  const stale: string[] = [];
  for await (const page of session.pages(DiscussionListSchema, {
    method: 'GET',
    path: `${base}/discussions`,
    operation: 'list_discussions',
  })) {
    for (const discussion of page) {
      const [first] = discussion.notes ?? [];
      if (
        !first ||
        first.author?.id !== me.id ||
        !hasCommentMarker(first.body ?? '', request.markerKey ?? DEFAULT_MARKER_KEY)
      )
        continue;
      const key = `${first.position?.new_path ?? ''}:${first.position?.new_line ?? ''}:${first.body}`;
      existing.add(key);
      if (first.resolvable && !first.resolved && !current.has(key)) stale.push(discussion.id);
    }
  }

  const fresh = placed.filter((item) => !existing.has(`${item.path}:${item.line}:${item.body}`));
  const reviewIds: string[] = [];
  for (const item of fresh) {
    try {
      const created = await session.read(DiscussionSchema, {
        method: 'POST',
        path: `${base}/discussions`,
        json: {
          body: item.body,
          position: {
            position_type: 'text',
            base_sha: refs.base_sha,
            start_sha: refs.start_sha,
            head_sha: refs.head_sha,
            old_path: item.oldPath,
            new_path: item.path,
            new_line: item.line,
          },
        },
        operation: 'create_discussion',
      });
      reviewIds.push(created.id);
    } catch (error) {
      // The diff moved under us, or GitLab places lines its own way: never a failure, the finding falls back.
      if (statusOf(error) !== 400) throw error;
      fallback.push(item.finding);
    }
  }
  let resolved = 0;
  for (const id of stale) {
    await session.call({
      method: 'PUT',
      path: `${base}/discussions/${encodeURIComponent(id)}`,
      json: { resolved: true },
      operation: 'resolve_discussion',
    });
    resolved += 1;
  }
  return {
    posted: reviewIds.length,
    unchanged: placed.length - fresh.length,
    fallback,
    reviewIds,
    ...(resolved > 0 ? { resolved } : {}),
  };
}

/** Added lines per new path, and each file's old path, from the caller or the merge request's diffs. */
async function changedLines(
  session: GitLabSession,
  base: string,
  request: ScmInlineCommentsRequest,
): Promise<{ lines: ReadonlyMap<string, readonly LineRange[]>; oldPaths: ReadonlyMap<string, string> }> {
  if (request.changedLines) return { lines: toChangedLines(request.changedLines), oldPaths: new Map() };
  const files: { path: string; patch: string | null }[] = [];
  const oldPaths = new Map<string, string>();
  for await (const page of session.pages(DiffFileListSchema, {
    method: 'GET',
    path: `${base}/diffs`,
    operation: 'list_merge_request_diffs',
  })) {
    for (const file of page) {
      if (file.deleted_file) continue;
      files.push({ path: file.new_path, patch: file.diff ?? null });
      oldPaths.set(file.new_path, file.old_path);
    }
  }
  return { lines: changedLinesFromPatches(files), oldPaths };
}

import type { FakeRequest } from '../openapi/contract-server.js';
import { iso, notFound, paginate, type Route, type RouteContext, reject } from './route-context.js';
import { botUser, type FakePull, type FakeReviewComment, repoKey, userJson } from './state.js';

/**
 * Pull request files and review comments. A review comment must sit on a line of the diff (the new side:
 * added or context lines of one hunk), as GitHub insists with "pull_request_review_thread.line must be part
 * of the diff". This reads hunks on its own rather than with the code under test.
 */

/** New-side line ranges of each hunk of a file's `patch`. */
export function hunksOf(patch: string | undefined): { start: number; end: number }[] {
  const hunks: { start: number; end: number }[] = [];
  let line = 0;
  let current: { start: number; end: number } | undefined;
  for (const text of (patch ?? '').split('\n')) {
    const header = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(text);
    if (header) {
      line = Number(header[1]);
      current = { start: line, end: line - 1 };
      hunks.push(current);
      continue;
    }
    if (!current) continue;
    if (text.startsWith('+') || text.startsWith(' ')) current.end = line++;
  }
  return hunks;
}

function pullOf(request: FakeRequest, context: RouteContext): FakePull | undefined {
  const { owner = '', repo = '', pull_number: number = '0' } = request.operation.params;
  const key = repoKey(owner, repo);
  return context.state.pulls.find((pull) => pull.repository === key && pull.number === Number(number));
}

interface CommentInput {
  path: string;
  body: string;
  line?: number;
  start_line?: number;
  side?: string;
  commit_id?: string;
}

/** Why GitHub would refuse this review comment, if it would. */
function misplaced(pull: FakePull, comment: CommentInput): string | undefined {
  const file = pull.files.find((candidate) => candidate.filename === comment.path);
  if (!file) return 'pull_request_review_thread.path is not part of the diff';
  if (comment.line === undefined) return 'pull_request_review_thread.line is required (position is legacy)';
  const hunk = hunksOf(file.patch).find((h) => comment.line! >= h.start && comment.line! <= h.end);
  if (!hunk) return 'pull_request_review_thread.line must be part of the diff';
  if (comment.start_line !== undefined) {
    if (comment.start_line >= comment.line) {
      return 'Pull request review thread start line must precede the end line';
    }
    if (comment.start_line < hunk.start) {
      return 'pull_request_review_thread.start_line must be part of the same hunk as the line';
    }
  }
  return undefined;
}

function reviewCommentJson(comment: FakeReviewComment, context: RouteContext): Record<string, unknown> {
  const repoUrl = `${context.apiUrl}/repos/${comment.repository}`;
  const url = `${repoUrl}/pulls/comments/${comment.id}`;
  return {
    url,
    pull_request_review_id: comment.reviewId,
    id: comment.id,
    node_id: `PRRC_${comment.id}`,
    diff_hunk: '@@',
    path: comment.path,
    commit_id: comment.commitId,
    original_commit_id: comment.commitId,
    user: userJson(comment.user, context.apiUrl),
    body: comment.body,
    created_at: iso(context.now()),
    updated_at: iso(context.now()),
    html_url: `https://github.example.invalid/${comment.repository}/pull/${comment.pull}#discussion_r${comment.id}`,
    pull_request_url: `${repoUrl}/pulls/${comment.pull}`,
    author_association: 'NONE',
    _links: {
      self: { href: url },
      html: { href: url },
      pull_request: { href: `${repoUrl}/pulls/${comment.pull}` },
    },
    line: comment.line,
    start_line: comment.startLine,
    side: 'RIGHT',
  };
}

function record(
  context: RouteContext,
  pull: FakePull,
  input: CommentInput,
  reviewId: number | null,
  commitId: string,
): FakeReviewComment {
  const comment: FakeReviewComment = {
    id: context.state.nextId++,
    repository: pull.repository,
    pull: pull.number,
    reviewId,
    path: input.path,
    line: input.line ?? 0,
    startLine: input.start_line ?? null,
    body: input.body,
    commitId,
    user: botUser(context.state.app),
  };
  context.state.reviewComments.push(comment);
  return comment;
}

export const pullRoutes: Readonly<Record<string, Route>> = {
  'pulls/list-files': (request, context) => {
    const pull = pullOf(request, context);
    if (!pull) return notFound();
    const files = pull.files.map((file, index) => {
      const added = (file.patch ?? '').split('\n').filter((l) => l.startsWith('+')).length;
      const removed = (file.patch ?? '').split('\n').filter((l) => l.startsWith('-')).length;
      return {
        sha: `${index}`.padStart(40, '0'),
        filename: file.filename,
        status: file.status ?? 'modified',
        additions: added,
        deletions: removed,
        changes: added + removed,
        blob_url: `https://github.example.invalid/blob/${file.filename}`,
        raw_url: `https://github.example.invalid/raw/${file.filename}`,
        contents_url: `${context.apiUrl}/repos/${pull.repository}/contents/${file.filename}`,
        ...(file.patch === undefined ? {} : { patch: file.patch }),
      };
    });
    const { items, headers } = paginate(files, request, context);
    return context.respond(200, items, headers);
  },

  'pulls/list-review-comments': (request, context) => {
    const pull = pullOf(request, context);
    if (!pull) return notFound();
    const all = context.state.reviewComments.filter(
      (c) => c.repository === pull.repository && c.pull === pull.number,
    );
    const { items, headers } = paginate(all, request, context);
    return context.respond(
      200,
      items.map((comment) => reviewCommentJson(comment, context)),
      headers,
    );
  },

  'pulls/create-review-comment': (request, context) => {
    const pull = pullOf(request, context);
    if (!pull) return notFound();
    const input = request.body as CommentInput;
    const problem = misplaced(pull, input);
    if (problem) return reject(context, problem, 'line');
    const comment = record(context, pull, input, null, input.commit_id ?? pull.headSha);
    return context.respond(201, reviewCommentJson(comment, context));
  },

  'pulls/create-review': (request, context) => {
    const pull = pullOf(request, context);
    if (!pull) return notFound();
    const body = request.body as {
      body?: string;
      event?: string;
      commit_id?: string;
      comments?: CommentInput[];
    };
    if ((body.event === 'COMMENT' || body.event === 'REQUEST_CHANGES') && !body.body) {
      return reject(context, 'Body is required for a COMMENT review', 'body');
    }
    for (const comment of body.comments ?? []) {
      const problem = misplaced(pull, comment);
      if (problem) return reject(context, problem, 'line');
    }
    const reviewId = context.state.nextId++;
    const commitId = body.commit_id ?? pull.headSha;
    for (const comment of body.comments ?? []) record(context, pull, comment, reviewId, commitId);
    context.state.reviews.push({
      id: reviewId,
      repository: pull.repository,
      pull: pull.number,
      body: body.body ?? '',
    });
    const repoUrl = `${context.apiUrl}/repos/${pull.repository}`;
    return context.respond(200, {
      id: reviewId,
      node_id: `PRR_${reviewId}`,
      user: userJson(botUser(context.state.app), context.apiUrl),
      body: body.body ?? '',
      state: body.event === 'COMMENT' ? 'COMMENTED' : 'PENDING',
      html_url: `https://github.example.invalid/${pull.repository}/pull/${pull.number}#pullrequestreview-${reviewId}`,
      pull_request_url: `${repoUrl}/pulls/${pull.number}`,
      _links: {
        html: { href: `https://github.example.invalid/${pull.repository}/pull/${pull.number}` },
        pull_request: { href: `${repoUrl}/pulls/${pull.number}` },
      },
      commit_id: commitId,
      author_association: 'NONE',
    });
  },
};

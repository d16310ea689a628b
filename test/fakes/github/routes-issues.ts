import type { FakeRequest } from '../openapi/contract-server.js';
import { iso, notFound, paginate, type Route, type RouteContext, reject } from './route-context.js';
import { botUser, type FakeComment, type FakeStatus, repoKey, userJson } from './state.js';

/** Pull-request conversation comments (the issues API) and commit statuses. */

/** GitHub's limit on a comment body ("Body is too long (maximum is 65536 characters)"). */
export const COMMENT_BODY_LIMIT = 65_536;
/** GitHub's limit on a status description. */
export const STATUS_DESCRIPTION_LIMIT = 140;

function target(request: FakeRequest): { repository: string; number: number } {
  const { owner = '', repo = '', issue_number: issue = '0' } = request.operation.params;
  return { repository: repoKey(owner, repo), number: Number(issue) };
}

function issueExists(context: RouteContext, repository: string, number: number): boolean {
  return context.state.pulls.some((pull) => pull.repository === repository && pull.number === number);
}

export function commentJson(comment: FakeComment, context: RouteContext): Record<string, unknown> {
  const repoUrl = `${context.apiUrl}/repos/${comment.repository}`;
  return {
    id: comment.id,
    node_id: `IC_${comment.id}`,
    url: `${repoUrl}/issues/comments/${comment.id}`,
    html_url: `https://github.example.invalid/${comment.repository}/pull/${comment.issue}#issuecomment-${comment.id}`,
    issue_url: `${repoUrl}/issues/${comment.issue}`,
    body: comment.body,
    user: userJson(comment.user, context.apiUrl),
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    author_association: comment.user.type === 'Bot' ? 'NONE' : 'MEMBER',
  };
}

function statusJson(status: FakeStatus, context: RouteContext): Record<string, unknown> {
  return {
    id: status.id,
    node_id: `SC_${status.id}`,
    url: `${context.apiUrl}/repos/${status.repository}/statuses/${status.sha}`,
    avatar_url: null,
    state: status.state,
    description: status.description,
    target_url: status.targetUrl,
    context: status.context,
    created_at: status.createdAt,
    updated_at: status.createdAt,
    creator: userJson(botUser(context.state.app), context.apiUrl),
  };
}

const tooLong = (body: unknown) => typeof body === 'string' && body.length > COMMENT_BODY_LIMIT;

export const issueRoutes: Readonly<Record<string, Route>> = {
  'issues/list-comments': (request, context) => {
    const { repository, number } = target(request);
    if (!issueExists(context, repository, number)) return notFound();
    const all = context.state.comments.filter((c) => c.repository === repository && c.issue === number);
    const { items, headers } = paginate(all, request, context);
    return context.respond(
      200,
      items.map((comment) => commentJson(comment, context)),
      headers,
    );
  },

  'issues/create-comment': (request, context) => {
    const { repository, number } = target(request);
    if (!issueExists(context, repository, number)) return notFound();
    const { body } = request.body as { body: string };
    if (tooLong(body)) return reject(context, 'Body is too long (maximum is 65536 characters)', 'body');
    const now = iso(context.now());
    const comment: FakeComment = {
      id: context.state.nextId++,
      repository,
      issue: number,
      body,
      user: botUser(context.state.app),
      createdAt: now,
      updatedAt: now,
    };
    context.state.comments.push(comment);
    return context.respond(201, commentJson(comment, context), {
      location: `${context.apiUrl}/repos/${repository}/issues/comments/${comment.id}`,
    });
  },

  'issues/get-comment': (request, context) => {
    const { owner = '', repo = '', comment_id: id = '0' } = request.operation.params;
    const comment = context.state.comments.find(
      (c) => c.id === Number(id) && c.repository === repoKey(owner, repo),
    );
    return comment ? context.respond(200, commentJson(comment, context)) : notFound();
  },

  'issues/update-comment': (request, context) => {
    const { owner = '', repo = '', comment_id: id = '0' } = request.operation.params;
    const comment = context.state.comments.find(
      (c) => c.id === Number(id) && c.repository === repoKey(owner, repo),
    );
    if (!comment) return notFound();
    const { body } = request.body as { body: string };
    if (tooLong(body)) return reject(context, 'Body is too long (maximum is 65536 characters)', 'body');
    comment.body = body;
    comment.updatedAt = iso(context.now());
    return context.respond(200, commentJson(comment, context));
  },

  'repos/create-commit-status': (request, context) => {
    const { owner = '', repo = '', sha = '' } = request.operation.params;
    const body = request.body as { state: string; context?: string; description?: string | null };
    const targetUrl = (request.body as { target_url?: string | null }).target_url ?? null;
    if ((body.description ?? '').length > STATUS_DESCRIPTION_LIMIT) {
      return reject(context, 'description is too long (maximum is 140 characters)', 'description');
    }
    const status: FakeStatus = {
      id: context.state.nextId++,
      repository: repoKey(owner, repo),
      sha,
      state: body.state,
      context: body.context ?? 'default',
      description: body.description ?? null,
      targetUrl,
      createdAt: iso(context.now()),
    };
    context.state.statuses.push(status);
    return context.respond(201, statusJson(status, context));
  },

  'repos/list-commit-statuses-for-ref': (request, context) => {
    const { owner = '', repo = '', ref = '' } = request.operation.params;
    const all = context.state.statuses
      .filter((s) => s.repository === repoKey(owner, repo) && s.sha === ref)
      .reverse();
    const { items, headers } = paginate(all, request, context);
    return context.respond(
      200,
      items.map((status) => statusJson(status, context)),
      headers,
    );
  },

  'repos/get-combined-status-for-ref': (request, context) => {
    const { owner = '', repo = '', ref = '' } = request.operation.params;
    const latest = new Map<string, FakeStatus>();
    for (const status of context.state.statuses) {
      if (status.repository === repoKey(owner, repo) && status.sha === ref)
        latest.set(status.context, status);
    }
    const all = [...latest.values()].sort((a, b) => a.context.localeCompare(b.context));
    const states = all.map((s) => s.state);
    const state = states.some((s) => s === 'failure' || s === 'error')
      ? 'failure'
      : states.length === 0 || states.includes('pending')
        ? 'pending'
        : 'success';
    const { items, headers } = paginate(all, request, context);
    return context.respond(
      200,
      {
        state,
        statuses: items.map((status) => ({
          ...statusJson(status, context),
          required: false,
        })),
        sha: ref,
        total_count: all.length,
        commit_url: `${context.apiUrl}/repos/${owner}/${repo}/commits/${ref}`,
        url: `${context.apiUrl}/repos/${owner}/${repo}/commits/${ref}/status`,
      },
      headers,
    );
  },
};

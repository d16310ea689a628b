import type { FakeRequest, FakeResponse } from '../openapi/contract-server.js';
import type { Grant } from './guard.js';
import type { FakeGitLabStore, FakeProject, FakeUser } from './state.js';

/** What every route of the fake GitLab gets. */
export interface RouteContext {
  readonly store: FakeGitLabStore;
  /** What the guard established: the token, its user, the project and the caller's role in it. */
  readonly grant: Grant;
  /** `publicOrigin` (or the loopback origin) + relative root, e.g. `https://gitlab.example.com/gitlab`. */
  readonly webUrl: string;
  readonly version: string;
  readonly now: () => number;
  /** An answer shaped by the description, with the rate-limit headers. */
  respond(status: number, overlay?: unknown, headers?: Readonly<Record<string, string>>): FakeResponse;
  /** A 4xx for a business rule, kept in `rejections`. */
  reject(status: number, body: unknown): FakeResponse;
}

/**
 * One operation of the description, keyed by its `operationId`. `undefined` for a request the description
 * allows but the fake does not model (a filter it cannot honour): reported as unimplemented, never guessed.
 */
export type Route = (request: FakeRequest, context: RouteContext) => FakeResponse | undefined;

/** The user behind the token (a project token's bot, a job token's user). */
export const caller = (context: RouteContext): FakeUser => context.grant.token.user;

/** The project the guard resolved; every project route has one. */
export function projectOf(context: RouteContext): FakeProject {
  const project = context.grant.project;
  if (!project) throw new Error('a project route ran without a project');
  return project;
}

/** GitLab's 404 for a missing resource: `{"message":"404 <What> Not Found"}`. */
export const notFound = (context: RouteContext, what: string): FakeResponse =>
  context.reject(404, { message: `404 ${what} Not Found` });

/** GitLab's `APIEntitiesUserBasic`. */
export function userJson(user: FakeUser, context: RouteContext): Record<string, unknown> {
  return {
    id: user.id,
    username: user.username,
    name: user.name,
    state: 'active',
    locked: false,
    avatar_url: `https://secure.gravatar.example/avatar/${user.id}?s=80&d=identicon`,
    web_url: `${context.webUrl}/${user.username}`,
  };
}

/**
 * One page of `items` with GitLab's paging headers (`per_page` default 20, at most 100; `page` from 1):
 * `X-Page`, `X-Per-Page`, `X-Next-Page` and `X-Prev-Page` (empty at the ends), `X-Total`, `X-Total-Pages`
 * and a `Link` with absolute URLs (prev, next, first, last).
 * https://docs.gitlab.com/ee/api/rest/#pagination
 *
 * @example
 * const { items, headers } = paginate(all, request, context);
 */
export function paginate<T>(
  all: readonly T[],
  request: FakeRequest,
  context: RouteContext,
): { items: T[]; headers: Record<string, string> } {
  const asked = Number(request.query.get('per_page') ?? 20);
  const perPage = Number.isInteger(asked) && asked > 0 ? Math.min(100, asked) : 20;
  const page = Math.max(1, Number(request.query.get('page') ?? 1) || 1);
  const totalPages = Math.max(1, Math.ceil(all.length / perPage));
  const items = all.slice((page - 1) * perPage, page * perPage);
  const link = (target: number, rel: string) => {
    const query = new URLSearchParams(request.query);
    query.set('page', String(target));
    query.set('per_page', String(perPage));
    return `<${context.webUrl}${request.path}?${query.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page > 1) links.push(link(Math.min(page - 1, totalPages), 'prev'));
  if (page < totalPages) links.push(link(page + 1, 'next'));
  links.push(link(1, 'first'), link(totalPages, 'last'));
  return {
    items,
    headers: {
      'x-page': String(page),
      'x-per-page': String(perPage),
      'x-next-page': page < totalPages ? String(page + 1) : '',
      'x-prev-page': page > 1 ? String(page - 1) : '',
      'x-total': String(all.length),
      'x-total-pages': String(totalPages),
      link: links.join(', '),
    },
  };
}

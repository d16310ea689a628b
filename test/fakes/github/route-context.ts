import type { FakeRequest, FakeResponse } from '../openapi/contract-server.js';
import type { FakeGitHubState, FakeInstallation, FakePersonalToken } from './state.js';

/** What every route of the fake GitHub gets. */
export interface RouteContext {
  readonly state: FakeGitHubState;
  /** Where the API is served, e.g. `http://127.0.0.1:4000/api/v3`. */
  readonly apiUrl: string;
  /** The root written into `Link` headers (another origin when a test asks for it). */
  readonly linkRoot: string;
  readonly now: () => number;
  readonly installation: FakeInstallation | undefined;
  /** The caller's personal access token, when it used one. */
  readonly personalToken?: FakePersonalToken;
  /** GitHub Enterprise Server's version; undefined for github.com. */
  readonly enterpriseVersion?: string;
  /** An answer shaped by the description: required fields the route leaves out are filled. */
  respond(status: number, overlay?: unknown, headers?: Readonly<Record<string, string>>): FakeResponse;
}

export type Route = (request: FakeRequest, context: RouteContext) => FakeResponse;

export const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function notFound(): FakeResponse {
  return { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } };
}

/** A 422 for a rule the description cannot express; the fake also keeps it in `rejections`. */
export function reject(context: RouteContext, message: string, field?: string): FakeResponse {
  context.state.rejections.push(message);
  return {
    status: 422,
    body: {
      message: 'Validation Failed',
      errors: [field ? { resource: 'Resource', code: 'custom', field, message } : message],
      documentation_url: 'https://docs.github.com/rest',
    },
  };
}

/**
 * One page of `items` with GitHub's `Link` header (`per_page` default 30, at most 100; `page` from 1).
 *
 * @example
 * const { items, headers } = paginate(all, request, context);
 */
export function paginate<T>(
  all: readonly T[],
  request: FakeRequest,
  context: RouteContext,
): { items: T[]; headers: Record<string, string> } {
  const perPage = Math.min(100, Math.max(1, Number(request.query.get('per_page') ?? 30)));
  const page = Math.max(1, Number(request.query.get('page') ?? 1));
  const last = Math.max(1, Math.ceil(all.length / perPage));
  const items = all.slice((page - 1) * perPage, page * perPage);
  const link = (target: number, rel: string) => {
    const query = new URLSearchParams(request.query);
    query.set('page', String(target));
    return `<${context.linkRoot}${request.path}?${query.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page > 1) links.push(link(page - 1, 'prev'), link(1, 'first'));
  if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
  return { items, headers: links.length > 0 ? { link: links.join(', ') } : {} };
}

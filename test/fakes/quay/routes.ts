import { randomBytes } from 'node:crypto';
import {
  apiError,
  canRead,
  type FakeAppToken,
  type FakeRepository,
  hasScope,
  isNamespace,
  type QuayScope,
  type QuayStore,
} from './state.js';

/**
 * Quay's API (`/api/v1`) as far as the `quay` provider uses it, held to Quay's description
 * (https://docs.projectquay.io/api_quay.html): `getLoggedInUser` (`GET /user/`, scope `user:read`),
 * `listRepos` (`GET /repository`, scope `repo:read`: `namespace`, `public` or `starred=true` is
 * required; paged by an opaque `next_page`) and `listRepoTags` (`GET /repository/<ns>/<repo>/tag/`:
 * `limit` 1 to 100, `page` from 1, `onlyActiveTags` a boolean). A request the description does not
 * allow (an unknown query parameter, a value of the wrong type, another method or path, credentials
 * that are not a Bearer token) is a violation: the client is wrong. A request Quay refuses by its
 * rules (an unknown token, a missing scope, a private repository, an unknown namespace) is a
 * rejection with Quay's `ApiError` body.
 */

export interface ApiAnswer {
  readonly status: number;
  readonly body: unknown;
}

export interface ApiViolation {
  readonly path: string;
  readonly problem: string;
}

export interface ApiRejection {
  readonly path: string;
  readonly status: number;
  readonly errorType: string;
}

export interface ApiContext {
  readonly store: QuayStore;
  readonly origin: string;
  readonly repositoriesPerPage: number;
  readonly violations: ApiViolation[];
  readonly rejections: ApiRejection[];
  /** `next_page` tokens handed out: where each resumes. */
  readonly pages: Map<
    string,
    { readonly namespace: string; readonly offset: number; readonly user?: string }
  >;
}

type Caller = { readonly user?: string; readonly token?: FakeAppToken };

const LIST_REPOS_PARAMS = new Set([
  'next_page',
  'repo_kind',
  'popularity',
  'last_modified',
  'public',
  'starred',
  'namespace',
]);
const LIST_TAGS_PARAMS = new Set(['specificTag', 'filter_tag_name', 'limit', 'page', 'onlyActiveTags']);

export function handleApi(
  context: ApiContext,
  method: string,
  url: URL,
  authorization: string | undefined,
): ApiAnswer {
  const path = url.pathname;
  const violate = (problem: string, status = 400): ApiAnswer => {
    context.violations.push({ path, problem });
    return { status, body: apiError(context.origin, status, 'invalid_request', problem) };
  };
  const refuse = (status: number, errorType: string, detail: string): ApiAnswer => {
    context.rejections.push({ path, status, errorType });
    return { status, body: apiError(context.origin, status, errorType, detail) };
  };

  if (method !== 'GET') return violate(`${method} is not an operation the provider may call`, 405);
  for (const name of new Set(url.searchParams.keys()))
    if (url.searchParams.getAll(name).length > 1)
      return violate(`the query parameter '${name}' is given more than once`);

  let caller: Caller = {};
  if (authorization !== undefined) {
    const bearer = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(authorization);
    if (!bearer) return violate('Quay\'s API takes an OAuth token as "Authorization: Bearer <token>"', 401);
    const token = context.store.tokens.get(bearer[1]!);
    if (!token) return refuse(401, 'invalid_token', 'The access token provided is invalid');
    caller = { user: token.user, token };
  }
  const scoped = (scope: QuayScope): ApiAnswer | undefined => {
    if (caller.token && !hasScope(caller.token, scope))
      return refuse(403, 'insufficient_scope', `Unauthorized: the token lacks the ${scope} scope`);
    return undefined;
  };

  if (path === '/api/v1/user/') {
    if (url.search !== '') return violate('getLoggedInUser takes no query parameters');
    if (!caller.token) return refuse(401, 'invalid_token', 'Requires authentication');
    const denied = scoped('user:read');
    if (denied) return denied;
    const organizations = [...context.store.organizations]
      .filter(([, org]) => org.members.has(caller.user!))
      .map(([name]) => ({ name, is_org_admin: false, can_create_repo: false, public: false }));
    return { status: 200, body: { anonymous: false, username: caller.user, verified: true, organizations } };
  }

  if (path === '/api/v1/repository') {
    const unknown = [...url.searchParams.keys()].filter((name) => !LIST_REPOS_PARAMS.has(name));
    if (unknown.length) return violate(`listRepos takes no query parameter ${unknown.join(', ')}`);
    const flags: Record<string, boolean> = {};
    for (const name of ['popularity', 'last_modified', 'public', 'starred']) {
      const value = url.searchParams.get(name);
      if (value === null) continue;
      if (value !== 'true' && value !== 'false')
        return violate(`${name} must be true or false, not '${value}'`);
      flags[name] = value === 'true';
    }
    const kind = url.searchParams.get('repo_kind');
    if (kind !== null && kind !== 'image' && kind !== 'application')
      return violate(`repo_kind '${kind}' is not image or application`);
    const namespace = url.searchParams.get('namespace');
    if (!namespace && !flags.public && !flags.starred)
      return violate('listRepos needs namespace, public=true or starred=true');
    const denied = scoped('repo:read');
    if (denied) return denied;
    if (!namespace) return { status: 200, body: { repositories: [] } };
    if (!isNamespace(context.store, namespace)) return refuse(404, 'not_found', 'Not Found');
    return listRepos(context, namespace, url.searchParams.get('next_page'), caller, violate);
  }

  const tags = /^\/api\/v1\/repository\/([^/]+)\/(.+)\/tag\/$/.exec(path);
  if (tags) {
    const unknown = [...url.searchParams.keys()].filter((name) => !LIST_TAGS_PARAMS.has(name));
    if (unknown.length) return violate(`listRepoTags takes no query parameter ${unknown.join(', ')}`);
    const limit = integer(url.searchParams.get('limit'), 50);
    const page = integer(url.searchParams.get('page'), 1);
    if (limit === undefined || limit < 1 || limit > 100)
      return violate('limit must be an integer from 1 to 100');
    if (page === undefined || page < 1) return violate('page must be an integer from 1');
    const active = url.searchParams.get('onlyActiveTags');
    if (active !== null && active !== 'true' && active !== 'false')
      return violate(`onlyActiveTags must be true or false, not '${active}'`);
    const filter = url.searchParams.get('filter_tag_name');
    if (filter !== null && !/^(eq|like):.+$/.test(filter))
      return violate('filter_tag_name must be eq:<name> or like:<name>');
    const denied = scoped('repo:read');
    if (denied) return denied;
    const repository = context.store.repositories.get(
      `${decodeURIComponent(tags[1]!)}/${decodeURIComponent(tags[2]!)}`,
    );
    if (!repository) return refuse(404, 'not_found', 'Not Found');
    if (!canRead(context.store, caller.user, repository))
      return refuse(403, 'insufficient_scope', 'Unauthorized');
    const specific = url.searchParams.get('specificTag');
    const listed = repository.tags
      .filter((tag) => active !== 'true' || !tag.inactive)
      .filter((tag) => !specific || tag.name === specific)
      .filter(
        (tag) =>
          !filter ||
          (filter.startsWith('eq:') ? tag.name === filter.slice(3) : tag.name.includes(filter.slice(5))),
      )
      .sort((a, b) => b.startTs - a.startTs || a.name.localeCompare(b.name));
    const slice = listed.slice((page - 1) * limit, page * limit);
    return {
      status: 200,
      body: {
        tags: slice.map((tag) => ({
          name: tag.name,
          reversion: false,
          start_ts: tag.startTs,
          ...(tag.inactive ? { end_ts: tag.startTs + 1 } : {}),
          manifest_digest: tag.digest,
          is_manifest_list: /index|list/.test(tag.mediaType),
          size: 1024,
          last_modified: new Date(tag.startTs * 1000).toUTCString(),
        })),
        page,
        has_additional: listed.length > page * limit,
      },
    };
  }

  return violate(`no operation the provider may call is at ${path}`, 404);
}

function listRepos(
  context: ApiContext,
  namespace: string,
  nextPage: string | null,
  caller: Caller,
  violate: (problem: string) => ApiAnswer,
): ApiAnswer {
  let offset = 0;
  if (nextPage !== null) {
    const resume = context.pages.get(nextPage);
    if (!resume || resume.namespace !== namespace || resume.user !== caller.user)
      return violate('next_page is not a page token Quay gave for this listing');
    offset = resume.offset;
  }
  const visible = [...context.store.repositories.values()]
    .filter((repository: FakeRepository) => repository.namespace === namespace)
    .filter((repository) => canRead(context.store, caller.user, repository))
    .sort((a, b) => a.name.localeCompare(b.name));
  const page = visible.slice(offset, offset + context.repositoriesPerPage);
  const more = offset + page.length < visible.length;
  let token: string | undefined;
  if (more) {
    token = randomBytes(18).toString('base64url');
    context.pages.set(token, {
      namespace,
      offset: offset + page.length,
      ...(caller.user ? { user: caller.user } : {}),
    });
  }
  return {
    status: 200,
    body: {
      repositories: page.map((repository) => ({
        namespace: repository.namespace,
        name: repository.name,
        description: null,
        is_public: repository.public,
        kind: 'image',
        state: 'NORMAL',
        is_starred: false,
      })),
      ...(token ? { next_page: token } : {}),
    },
  };
}

function integer(value: string | null, fallback: number): number | undefined {
  if (value === null) return fallback;
  return /^\d{1,9}$/.test(value) ? Number(value) : undefined;
}

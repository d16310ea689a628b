import type { FakeRequest, FakeResponse } from '../openapi/contract-server.js';
import { notFound, paginate, type Route, type RouteContext } from './route-context.js';
import type { FakeOwner, FakePackage, FakePersonalToken } from './state.js';
import { userJson } from './state.js';

/**
 * What a personal access token reads here: the authenticated user (`GET /user`) and the container
 * packages of an organisation or a user, with GitHub's paging (`per_page` ≤ 100, `Link`) and its limit
 * of 10,000 results (`per_page × page`, a 400). An owner GitHub does not know is a 404; a private
 * package is listed only to its owner and to members of its organisation.
 */

/** GitHub's ids of users and organisations in the fake start here. */
export const OWNER_ID_BASE = 7_000;

/** GitHub refuses to page further than this many results (`package_es_list_error`). */
const MAX_RESULTS = 10_000;

function ownerJson(owner: FakeOwner, context: RouteContext): Record<string, unknown> {
  return userJson(
    { login: owner.login, id: owner.id, type: owner.type === 'org' ? 'Organization' : 'User' },
    context.apiUrl,
  );
}

function packageJson(item: FakePackage, owner: FakeOwner, context: RouteContext): Record<string, unknown> {
  const scope = owner.type === 'org' ? 'orgs' : 'users';
  const encoded = encodeURIComponent(item.name);
  return {
    id: item.id,
    name: item.name,
    package_type: 'container',
    owner: ownerJson(owner, context),
    version_count: 1,
    visibility: item.visibility,
    url: `${context.apiUrl}/${scope}/${owner.login}/packages/container/${encoded}`,
    html_url: `https://github.example.invalid/${scope}/${owner.login}/packages/container/package/${encoded}`,
    created_at: item.createdAt,
    updated_at: item.createdAt,
  };
}

/** Whether the token's user may see the package: public, or private to its own account or organisation. */
function readable(item: FakePackage, owner: FakeOwner, token: FakePersonalToken | undefined): boolean {
  if (item.visibility === 'public') return true;
  if (!token) return false;
  if (owner.type === 'user') return owner.login.toLowerCase() === token.login.toLowerCase();
  return token.orgs.includes(owner.login.toLowerCase());
}

function listPackages(type: FakeOwner['type'], name: string | undefined) {
  return (request: FakeRequest, context: RouteContext): FakeResponse => {
    const owner = context.state.owners.get((name ?? '').toLowerCase());
    if (!owner || owner.type !== type) return notFound();
    const perPage = Math.min(100, Math.max(1, Number(request.query.get('per_page') ?? 30)));
    const page = Math.max(1, Number(request.query.get('page') ?? 1));
    if (perPage * page > MAX_RESULTS)
      return {
        status: 400,
        body: {
          message: `The value of \`per_page\` multiplied by \`page\` cannot be greater than ${MAX_RESULTS}.`,
          documentation_url: 'https://docs.github.com/rest/packages/packages',
        },
      };
    const wanted = request.query.get('visibility');
    // Only container packages live here; any other package type lists nothing.
    const all =
      request.query.get('package_type') === 'container'
        ? context.state.packages.filter(
            (item) =>
              item.owner === owner.login.toLowerCase() &&
              (wanted === null || item.visibility === wanted) &&
              readable(item, owner, context.personalToken),
          )
        : [];
    const { items, headers } = paginate(all, request, context);
    return context.respond(
      200,
      items.map((item) => packageJson(item, owner, context)),
      headers,
    );
  };
}

export const packageRoutes: Readonly<Record<string, Route>> = {
  'users/get-authenticated': (_request, context) => {
    const token = context.personalToken;
    if (!token) return notFound();
    return context.respond(200, {
      ...userJson({ login: token.login, id: token.userId, type: 'User' }, context.apiUrl),
      user_view_type: 'private',
      name: null,
      company: null,
      blog: null,
      location: null,
      email: null,
      hireable: null,
      bio: null,
    });
  },

  'packages/list-packages-for-organization': (request, context) =>
    listPackages('org', request.operation.params.org)(request, context),

  'packages/list-packages-for-user': (request, context) =>
    listPackages('user', request.operation.params.username)(request, context),
};

import { randomBytes } from 'node:crypto';
import { iso, notFound, type Route, type RouteContext } from './route-context.js';
import { type FakeInstallation, repoKey, userJson } from './state.js';

/** The App, its installations (on a repository or an organisation) and tokens, the rate limit, repositories and the public meta endpoints. */

export function installationJson(
  installation: FakeInstallation,
  context: RouteContext,
): Record<string, unknown> {
  const account = { login: installation.account, id: 1_000 + installation.id, type: 'Organization' as const };
  return {
    id: installation.id,
    account: userJson(account, context.apiUrl),
    repository_selection: 'selected',
    access_tokens_url: `${context.apiUrl}/app/installations/${installation.id}/access_tokens`,
    repositories_url: `${context.apiUrl}/installation/repositories`,
    html_url: `https://github.example.invalid/settings/installations/${installation.id}`,
    app_id: context.state.app.id,
    app_slug: context.state.app.slug,
    target_id: 1_000 + installation.id,
    target_type: 'Organization',
    permissions: installation.permissions,
    events: [],
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    single_file_name: null,
    suspended_by: null,
    suspended_at: installation.suspended ? '2026-01-02T00:00:00Z' : null,
  };
}

export const appRoutes: Readonly<Record<string, Route>> = {
  'apps/get-authenticated': (_request, context) => {
    const { app } = context.state;
    return context.respond(200, {
      id: app.id,
      slug: app.slug,
      client_id: app.clientId,
      node_id: `A_${app.id}`,
      name: app.name,
      owner: userJson({ login: 'acme', id: 1, type: 'User' }, context.apiUrl),
      description: 'fake App',
      external_url: 'https://example.invalid/',
      html_url: `https://github.example.invalid/apps/${app.slug}`,
      created_at: '2026-01-01T00:00:00Z',
      updated_at: '2026-01-01T00:00:00Z',
      permissions: {},
      events: [],
    });
  },

  'apps/get-repo-installation': (request, context) => {
    const { owner = '', repo = '' } = request.operation.params;
    const key = repoKey(owner, repo);
    const installation = context.state.installations.find((i) => i.repositories.includes(key));
    return installation ? context.respond(200, installationJson(installation, context)) : notFound();
  },

  // The installation on an organisation is the one whose account it is.
  'apps/get-org-installation': (request, context) => {
    const org = (request.operation.params.org ?? '').toLowerCase();
    const installation = context.state.installations.find((i) => i.account.toLowerCase() === org);
    return installation ? context.respond(200, installationJson(installation, context)) : notFound();
  },

  'apps/create-installation-access-token': (request, context) => {
    const id = Number(request.operation.params.installation_id);
    const installation = context.state.installations.find((candidate) => candidate.id === id);
    if (!installation) return notFound();
    if (installation.suspended) {
      return { status: 403, body: { message: 'This installation has been suspended' } };
    }
    const token = newTokenValue();
    const expiresAt = context.now() + context.state.tokenLifetimeMs;
    context.state.tokens.set(token, { installationId: id, expiresAt, revoked: false });
    return context.respond(201, {
      token,
      expires_at: iso(expiresAt),
      permissions: installation.permissions,
      repository_selection: 'selected',
    });
  },

  'rate-limit/get': (_request, context) => {
    const { limit, remaining, reset } = context.state.rateLimit;
    const core = { limit, remaining, reset, used: limit - remaining };
    const other = { limit: 5000, remaining: 5000, reset, used: 0 };
    return context.respond(200, {
      resources: { core, search: other, graphql: other },
      rate: core,
    });
  },

  'meta/get-zen': () => ({ status: 200, body: 'Keep it logically awesome.' }),

  'meta/get': (_request, context) =>
    context.respond(200, {
      verifiable_password_authentication: false,
      ...(context.enterpriseVersion === undefined ? {} : { installed_version: context.enterpriseVersion }),
    }),

  'repos/get': (request, context) => {
    const { owner = '', repo = '' } = request.operation.params;
    const ownerJson = userJson({ login: owner, id: 1, type: 'User' }, context.apiUrl);
    return context.respond(200, {
      id: 500,
      name: repo,
      full_name: `${owner}/${repo}`,
      owner: ownerJson,
      private: true,
      html_url: `https://github.example.invalid/${owner}/${repo}`,
      url: `${context.apiUrl}/repos/${owner}/${repo}`,
      default_branch: 'main',
    });
  },
};

/** An unguessable id for a fake installation token. */
export function newTokenValue(): string {
  return `ghs_${randomBytes(18).toString('base64url')}`;
}

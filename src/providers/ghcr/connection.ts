import { NotFoundError } from '../../core/errors.js';
import type { ConnectionCheck, TestConnectionResult } from '../../plugins/contracts.js';
import { connectionResult, connectionStep } from '../../plugins/guarded.js';
import { checkHealth as checkRegistry } from '../oci/connection.js';
import {
  createRegistryConnector,
  describeFailure,
  MAX_TESTED_REPOSITORIES,
  type RegistrySession,
} from '../oci/index.js';
import { type GitHubApi, jsonOf, READ_PACKAGES } from './api.js';
import { firstPage, readPackages } from './packages.js';
import { listingRefused } from './registry.js';

/**
 * The connection test, step by step so a user sees what to fix: `token` (GitHub accepts it: `GET
 * /user`, whose `X-OAuth-Scopes` says whether a classic token holds `read:packages`), `packages` (the
 * owner's container packages can be listed, `per_page=1`; or the configured repositories stand in),
 * `registry` (ghcr.io's `/v2/` accepts the login, through the `oci` session), then `repository <name>`
 * for each configured repository (`tags/list`: it can be pulled). Without credentials the API steps
 * are replaced by one that says only public images can be read.
 */
export async function testConnection(
  api: GitHubApi,
  registry: () => RegistrySession,
): Promise<TestConnectionResult> {
  const session = registry();
  const checks: ConnectionCheck[] = [];
  const done = () =>
    connectionResult(checks, `connected to GHCR at ${session.base.host} for ${api.config.owner}`);
  const step = connectionStep(checks, describeFailure);
  const configured = api.config.repositories ?? [];

  if (!api.context.credentials.configured) {
    checks.push({
      name: 'credentials',
      ok: true,
      message:
        'no credentials: anonymous access, only public images can be read and packages are not listed; set authRef to { username, password: a personal access token (classic) with read:packages } for private images and the package list',
    });
  } else {
    const accepted = await step('token', () => whoIs(api));
    if (!accepted) return done();
    await step('packages', () => packagesListable(api, configured.length));
  }

  const reachable = await step('registry', async () => {
    const health = await checkRegistry(session);
    if (health.status !== 'healthy') throw new Error(health.message);
    return `${session.base.host} ${api.context.credentials.configured ? 'accepts the login' : 'answers'}: ${health.message}`;
  });
  if (!reachable) return done();

  const connector = createRegistryConnector(() => session);
  for (const repository of configured.slice(0, MAX_TESTED_REPOSITORIES)) {
    await step(`repository ${repository}`, async () => {
      const page = await connector.listTags(repository, { pageSize: 1 });
      return page.items.length ? 'tags can be listed' : 'readable, and holds no tag';
    });
  }
  return done();
}

/**
 * `GET /user`: whose token it is, and for a classic token its scopes. A classic token without
 * `read:packages` (or `write:packages`, which includes it) fails here, naming the scopes it has; a
 * token without `X-OAuth-Scopes` is fine-grained (or an App's), which the packages step then shows.
 */
async function whoIs(api: GitHubApi): Promise<string> {
  const response = await api.get('user', { operation: 'get_user' });
  const login = (jsonOf(response, 'GET /user') as { login?: unknown } | null)?.login;
  const who = typeof login === 'string' && login !== '' ? login : 'an unnamed account';
  const header = response.headers['x-oauth-scopes'];
  if (header === undefined)
    return `GitHub accepts the token of ${who}; it names no OAuth scopes (not a classic token: fine-grained tokens cannot list packages)`;
  const scopes = header
    .split(',')
    .map((scope) => scope.trim())
    .filter(Boolean);
  if (!scopes.includes(READ_PACKAGES) && !scopes.includes('write:packages'))
    throw new Error(
      `the token of ${who} lacks the read:packages scope (it has: ${scopes.join(', ') || 'no scope'}); edit the personal access token (classic) on GitHub to add read:packages`,
    );
  return `GitHub accepts the token of ${who}, with the scopes ${scopes.join(', ')}`;
}

/** The owner's packages can be listed (one is asked for), or the configured repositories stand in. */
async function packagesListable(api: GitHubApi, configured: number): Promise<string> {
  const { owner, ownerType } = api.config;
  const kind = ownerType === 'user' ? 'user' : 'organisation';
  try {
    const first = firstPage(api, 1, 1);
    const page = await readPackages(api, first.target, first.query);
    if (page.repositories.length === 0)
      return `the ${kind} ${owner}'s container packages can be listed, and there is none the token can see`;
    return `the ${kind} ${owner}'s container packages can be listed (${page.repositories[0]}${page.next ? ' and more' : ''})`;
  } catch (error) {
    if (!listingRefused(error)) throw error;
    if (configured === 0)
      throw new Error(
        error instanceof NotFoundError
          ? `${describeFailure(error)}; check config.owner and config.ownerType ('${ownerType}' now) and that the token's user, with read:packages, can see that owner; or list the repositories in config.repositories`
          : `${describeFailure(error)}; or list the repositories in config.repositories`,
      );
    return `the ${kind} ${owner}'s packages cannot be listed with this token (${describeFailure(error)}); the ${configured} configured repositories are listed instead`;
  }
}

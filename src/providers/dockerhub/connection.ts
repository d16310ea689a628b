import type { ConnectionCheck, TestConnectionResult } from '../../plugins/contracts.js';
import { connectionResult, connectionStep } from '../../plugins/guarded.js';
import { createRegistryConnector, RegistryAuthError, type RegistrySession } from '../oci/index.js';
import type { DockerHubConfig } from './config.js';
import { registryRepositoryOf } from './endpoint.js';
import { describeFailure } from './errors.js';
import { checkHealth } from './health.js';
import type { HubApi } from './hub-api.js';
import { rateLimited } from './registry.js';

/** Configured namespaces and repositories a connection test checks at most (one request each). */
export const MAX_TESTED = 10;

/** What a personal access token needs, for messages. */
const PAT_ADVICE =
  "a personal access token with 'Public Repo Read-only' access reads public repositories; 'Read-only' also the private ones of namespaces the account belongs to";

/**
 * The connection test, step by step so a user sees which failed: `hub_login` (Docker Hub's API
 * accepts the Docker ID and access token), `namespace <name>` for each configured namespace (its
 * repositories can be listed), `registry` (the registry accepts the login: `GET /v2/`),
 * `repository <name>` for each configured repository (`tags/list`: it can be pulled), and
 * `pull_limit` (the pulls left, read with a `HEAD`, which spends none). It stops after a refused login
 * or an unreachable registry.
 */
export async function testConnection(
  api: HubApi,
  registry: () => RegistrySession,
  config: DockerHubConfig,
): Promise<TestConnectionResult> {
  const checks: ConnectionCheck[] = [];
  const session = registry();
  const done = () => connectionResult(checks, `connected to Docker Hub (${session.base.host})`);
  const step = connectionStep(checks, describeFailure);
  const anonymous = !session.context.credentials.configured;

  const loggedIn = await step(
    'hub_login',
    async () => {
      const account = await api.login();
      return account
        ? `Docker Hub accepted the login of ${account.username}`
        : 'no credentials: anonymous access to public repositories, at the anonymous pull limit (counted per IP address)';
    },
    (error) => (error instanceof RegistryAuthError ? PAT_ADVICE : ''),
  );
  if (!loggedIn) return done();

  for (const namespace of (config.namespaces ?? []).slice(0, MAX_TESTED)) {
    await step(`namespace ${namespace}`, async () => {
      const page = await api.listRepositories(namespace, { page: 1, pageSize: 1 });
      const count = page.count ?? page.repositories.length;
      if (count === 0)
        return anonymous
          ? 'lists no public repository (private ones need a login with access to them)'
          : 'lists no repository these credentials may see';
      return `${count} ${anonymous ? 'public ' : ''}repositor${count === 1 ? 'y' : 'ies'} can be listed`;
    });
  }

  const reachable = await step('registry', async () => {
    const answer = await session.send({ method: 'GET', path: '', operation: 'ping' });
    return anonymous
      ? `the registry at ${session.base.host} allows anonymous pulls (HTTP ${answer.status})`
      : `the registry at ${session.base.host} accepts the login`;
  });
  if (!reachable) return done();

  const connector = createRegistryConnector(() => session);
  for (const repository of (config.repositories ?? []).slice(0, MAX_TESTED)) {
    await step(
      `repository ${repository}`,
      async () => {
        const page = await rateLimited(() =>
          connector.listTags(registryRepositoryOf(repository), { pageSize: 1 }),
        );
        return page.items.length ? 'can be pulled (tags can be listed)' : 'readable, and holds no tag';
      },
      (error) =>
        error instanceof RegistryAuthError && error.reason !== 'refused'
          ? `the repository is private or does not exist: check the name (official images are library/<name>) and that ${PAT_ADVICE}`
          : '',
    );
  }

  try {
    const health = await checkHealth(session, config);
    checks.push({ name: 'pull_limit', ok: health.status !== 'unhealthy', message: health.message });
  } catch (error) {
    checks.push({ name: 'pull_limit', ok: false, message: describeFailure(error) });
  }
  return done();
}

import { NotFoundError } from '../../core/errors.js';
import type { HttpResponse } from '../../net/index.js';
import type { ConnectionCheck, TestConnectionResult } from '../../plugins/contracts.js';
import { connectionResult, connectionStep } from '../../plugins/guarded.js';
import { catalogRefused, readCatalog } from '../oci/client.js';
import {
  createRegistryConnector,
  describeFailure,
  RegistryAuthError,
  type RegistrySession,
} from '../oci/index.js';
import type { QuayApi } from './api.js';
import type { QuayCredential } from './credential.js';
import { jsonOf } from './errors.js';
import { describeReading, type HealthReading, readHealth, readHealthAnswer, readWarnings } from './health.js';
import { namespacesOf, readRepositoryPage } from './registry.js';

/** Configured namespaces and repositories a connection test checks at most (one request each). */
export const MAX_TESTED = 10;

const ROBOT_READ =
  "give the robot Read on it (the repository's Settings → User and Robot Permissions, or the organisation's Default Permissions)";

/**
 * The connection test, step by step: `reachable` (`GET /health/instance` answers), `health` (Quay's
 * instance health, its warnings said), `endtoend` (`/health/endtoend`, when `config.endToEndHealth`),
 * `credentials` (the stored shape), `registry` (`GET /v2/` is a registry's API root),
 * `authenticated` (the registry accepts the login: the robot's token through Quay's Docker token
 * flow), `api_token` (with an API token: `GET /api/v1/user/`, Quay's documented way for a token to
 * say whom it acts for), then `namespace <ns>` for each namespace listed through the API (or
 * `catalog` without a token), and `repository <name>` for each configured repository (`tags/list`,
 * which needs Read). It stops after a failed `reachable`, `credentials`, `registry`,
 * `authenticated` or `api_token`.
 */
export async function testConnection(
  api: QuayApi,
  registry: () => RegistrySession,
): Promise<TestConnectionResult> {
  const checks: ConnectionCheck[] = [];
  const done = () => connectionResult(checks, `connected to Quay at ${api.root.host}`);
  const step = connectionStep(checks, describeFailure);

  let instance: HttpResponse;
  try {
    instance = await api.health('instance');
  } catch (error) {
    checks.push({ name: 'reachable', ok: false, message: describeFailure(error) });
    return done();
  }
  checks.push({
    name: 'reachable',
    ok: true,
    message: `${api.root.host} answered GET /health/instance with HTTP ${instance.status}`,
  });

  let reading: HealthReading;
  try {
    reading = readHealthAnswer('instance', instance.status, instance.body);
  } catch (error) {
    // Not Quay's answer: nothing after this would be talking to Quay either.
    checks.push({ name: 'health', ok: false, message: describeFailure(error) });
    return done();
  }
  const warnings = reading.ok
    ? await readWarnings(api).catch((error: unknown) => [describeFailure(error)])
    : [];
  checks.push({
    name: 'health',
    ok: reading.ok,
    message: [describeReading('instance', reading), ...warnings].join('; '),
  });

  if (api.config.endToEndHealth)
    await step('endtoend', async () => {
      const deployment = await readHealth(api, 'endtoend');
      if (!deployment.ok) throw new Error(describeReading('endtoend', deployment));
      return describeReading('endtoend', deployment);
    });

  let credential: QuayCredential | undefined;
  if (api.context.credentials.configured) {
    const shaped = await step('credentials', async () => {
      const read = await api.credential();
      if (!read) throw new Error('the integration has no credential');
      credential = read;
      const who = read.kind === 'robot' ? `the robot account ${read.username}` : `the user ${read.username}`;
      return read.apiToken
        ? `${who}, with an API token`
        : `${who}, without an API token (listing uses the registry catalog)`;
    });
    if (!shaped) return done();
  }

  const session = registry();
  const isRegistry = await step('registry', async () => {
    const probe = await session.probe();
    const html = /text\/html/i.test(probe.headers['content-type'] ?? '');
    if (![200, 401, 403].includes(probe.status) || html)
      throw new Error(
        `${probe.url} is not a registry's API root (HTTP ${probe.status}${html ? ', an HTML page' : ''}); the endpoint is Quay's URL, e.g. https://quay.io`,
      );
    const version = probe.headers['docker-distribution-api-version'];
    return version ? `the registry speaks ${version}` : 'the endpoint answers as a registry API root';
  });
  if (!isRegistry) return done();

  const loginHint = (error: unknown) =>
    error instanceof RegistryAuthError && error.reason === 'refused'
      ? 'check the username (a robot logs in as <org>+<robot>) and its token (Robot Accounts → the robot → Robot Token); a user may need its encrypted password'
      : '';
  const authenticated = await step(
    'authenticated',
    async () => {
      const answered = await session.send({ method: 'GET', path: '', operation: 'ping' });
      return credential
        ? `the registry accepts ${credential.username} (HTTP ${answered.status})`
        : `anonymous access is allowed (HTTP ${answered.status}): public repositories only`;
    },
    loginHint,
  );
  if (!authenticated) return done();

  if (credential?.apiToken) {
    const token = await step('api_token', async () => {
      const response = await api.get('user/', { allow: [403], operation: 'current_user' });
      if (response.status === 403)
        return 'Quay accepts the API token (it lacks user:read, which is not needed; repo:read is checked next)';
      const user = (jsonOf(response, 'GET /api/v1/user/') as { username?: unknown } | null)?.username;
      return `Quay accepts the API token, acting for ${typeof user === 'string' ? user : 'its user'}`;
    });
    if (!token) return done();
    for (const namespace of namespacesOf(api, credential).slice(0, MAX_TESTED))
      await step(`namespace ${namespace}`, async () => {
        const page = await readRepositoryPage(api, namespace, undefined);
        return page.names.length
          ? `the API token lists ${page.names.length}${page.next ? '+' : ''} repositories`
          : 'the API token lists no repository here (none, or none its user may read)';
      });
  } else {
    const configured = api.config.repositories ?? [];
    await step(
      'catalog',
      async () => {
        try {
          const page = await readCatalog(session, { pageSize: 1 });
          return page.items.length
            ? 'the catalog can be read'
            : 'the catalog can be read, and lists no repository';
        } catch (error) {
          if (!catalogRefused(error) || configured.length === 0) throw error;
          return `the catalog cannot be read with these credentials; the ${configured.length} configured repositories are listed instead`;
        }
      },
      () => 'add an apiToken to list repositories through the Quay API, or list them in config.repositories',
    );
  }

  const connector = createRegistryConnector(registry);
  for (const repository of (api.config.repositories ?? []).slice(0, MAX_TESTED))
    await step(
      `repository ${repository}`,
      async () => {
        const page = await connector.listTags(repository, { pageSize: 1 });
        return page.items.length ? 'can be pulled: tags are listed' : 'can be pulled, and holds no tag';
      },
      (error) =>
        error instanceof RegistryAuthError || error instanceof NotFoundError
          ? credential
            ? `Quay hides repositories a login may not read: check the name and ${ROBOT_READ}`
            : 'a private repository needs credentials: set authRef to a robot with Read on it'
          : '',
    );
  return done();
}

import type { HttpResponse } from '../../net/index.js';
import type { ConnectionCheck, HealthCheckResult, TestConnectionResult } from '../../plugins/contracts.js';
import { connectionResult } from '../../plugins/guarded.js';
import { catalogRefused, createRegistryConnector, readCatalog } from './client.js';
import { describeFailure } from './errors.js';
import type { RegistrySession } from './session.js';

/** Configured repositories a connection test tries at most (each is one request). */
export const MAX_TESTED_REPOSITORIES = 10;

/**
 * The connection test, step by step so a user sees which failed: the endpoint answers; it is a
 * registry's API root (`/v2/`); the credentials are accepted (or anonymous access is allowed); the
 * catalog can be read (or repositories are configured instead); each configured repository can be
 * pulled from (`tags/list`, which needs the `pull` grant).
 */
export async function testConnection(session: RegistrySession): Promise<TestConnectionResult> {
  const checks: ConnectionCheck[] = [];
  const done = () => connectionResult(checks, `connected to the registry at ${session.base.host}`);

  let probe: HttpResponse;
  try {
    probe = await session.probe();
  } catch (error) {
    checks.push({ name: 'reachable', ok: false, message: describeFailure(error) });
    return done();
  }
  checks.push({ name: 'reachable', ok: true, message: `${session.base.host} answered HTTP ${probe.status}` });

  const notRegistry = notARegistry(probe);
  checks.push(
    notRegistry
      ? { name: 'registry', ok: false, message: notRegistry }
      : { name: 'registry', ok: true, message: speaks(probe) },
  );
  if (notRegistry) return done();

  const anonymous = !session.context.credentials.configured;
  try {
    const answer = await session.send({ method: 'GET', path: '', operation: 'ping' });
    checks.push({
      name: 'authenticated',
      ok: true,
      message: anonymous
        ? `anonymous access is allowed (HTTP ${answer.status})`
        : 'the registry accepts the credentials',
    });
  } catch (error) {
    checks.push({ name: 'authenticated', ok: false, message: describeFailure(error) });
    return done();
  }

  const configured = session.config.repositories ?? [];
  try {
    const page = await readCatalog(session, { pageSize: 1 });
    checks.push({
      name: 'catalog',
      ok: true,
      message: page.items.length
        ? 'the catalog can be read'
        : 'the catalog can be read, and lists no repository',
    });
  } catch (error) {
    const standIn = configured.length > 0 && catalogRefused(error);
    checks.push({
      name: 'catalog',
      ok: standIn,
      message: standIn
        ? `the catalog cannot be read with these credentials; the ${configured.length} configured repositories are listed instead`
        : describeFailure(error),
    });
  }

  const connector = createRegistryConnector(() => session);
  for (const repository of configured.slice(0, MAX_TESTED_REPOSITORIES)) {
    try {
      const page = await connector.listTags(repository, { pageSize: 1 });
      checks.push({
        name: `repository ${repository}`,
        ok: true,
        message: page.items.length ? 'tags can be listed' : 'readable, and holds no tag',
      });
    } catch (error) {
      checks.push({ name: `repository ${repository}`, ok: false, message: describeFailure(error) });
    }
  }
  return done();
}

/**
 * Health: the registry's API root answers, authenticated as the operations will be. Unhealthy when
 * it cannot be reached, is not a registry, or refuses the credentials.
 */
export async function checkHealth(session: RegistrySession): Promise<HealthCheckResult> {
  const answer = await session.send({ method: 'GET', path: '', operation: 'health', okStatuses: [404] });
  const notRegistry = notARegistry(answer);
  if (notRegistry) return { status: 'unhealthy', message: notRegistry };
  return {
    status: 'healthy',
    message: session.context.credentials.configured
      ? `${speaks(answer)}; the credentials are accepted`
      : `${speaks(answer)}; anonymous access`,
  };
}

function apiVersionOf(response: HttpResponse): string | undefined {
  return (
    response.headers['docker-distribution-api-version'] ?? response.headers['oci-distribution-api-version']
  );
}

function speaks(response: HttpResponse): string {
  const version = apiVersionOf(response);
  return version ? `the registry speaks ${version}` : 'the endpoint answers as a registry API root';
}

/**
 * Why `GET /v2/` shows the endpoint is not a registry's API root, or nothing when it is one: 200 or
 * 401 (and 403 for some that refuse anonymous callers), without an HTML page in the place of the API.
 */
function notARegistry(response: HttpResponse): string | undefined {
  const type = response.headers['content-type'] ?? '';
  const html = /text\/html/i.test(type);
  const expected = response.status === 200 || response.status === 401 || response.status === 403;
  if (expected && !html) return undefined;
  if (expected && apiVersionOf(response)) return undefined;
  return `${response.url} is not a registry's API root (HTTP ${response.status}${html ? ', an HTML page' : ''}); check the endpoint (a proxy may need a path prefix)`;
}

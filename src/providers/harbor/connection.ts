import type { ConnectionCheck, TestConnectionResult } from '../../plugins/contracts.js';
import { connectionResult, connectionStep } from '../../plugins/guarded.js';
import { describeFailure, type RegistrySession } from '../oci/index.js';
import { type HarborApi, jsonOf } from './api.js';
import { HEALTH_TIMEOUT_MS, readComponents } from './health.js';

/** Configured projects a connection test checks at most (two requests each). */
export const MAX_TESTED_PROJECTS = 10;

/**
 * The connection test, step by step: `reachable` (`/ping` answers "Pong"), `harbor` (version, and
 * read-only mode said), `components` (`/health`: a critical component down fails it, others are
 * named), `authenticated`, `registry` (`/v2/` through a token from `/service/token`), then
 * `project <name>` for each configured project (it exists and its repositories can be listed).
 */
export async function testConnection(
  api: HarborApi,
  registry: () => RegistrySession,
): Promise<TestConnectionResult> {
  const checks: ConnectionCheck[] = [];
  const done = () => connectionResult(checks, `connected to Harbor at ${api.base.host}`);
  const step = connectionStep(checks, describeFailure);

  const reachable = await step('reachable', async () => {
    const response = await api.get('ping', { operation: 'ping', allow: [404] });
    if (response.status !== 200 || response.text().trim() !== 'Pong')
      throw new Error(
        `${response.url} is not Harbor's API (HTTP ${response.status}, not "Pong"); the endpoint is Harbor's URL, e.g. https://harbor.example.com`,
      );
    return `${api.base.host} answered Pong`;
  });
  if (!reachable) return done();

  const harbor = await step('harbor', async () => {
    const info = jsonOf(
      await api.get('systeminfo', { operation: 'system_info' }),
      'GET /api/v2.0/systeminfo',
    );
    const { harbor_version: version, read_only: readOnly } = (info ?? {}) as Record<string, unknown>;
    if (typeof version !== 'string' || version === '')
      throw new Error("GET /api/v2.0/systeminfo names no harbor_version: this is not Harbor's API");
    return readOnly === true
      ? `Harbor ${version}, in read-only mode (pushes and deletions are refused; reads work)`
      : `Harbor ${version}`;
  });
  if (!harbor) return done();

  try {
    const response = await api.get('health', { operation: 'health', timeoutMs: HEALTH_TIMEOUT_MS });
    const reading = readComponents(jsonOf(response, 'GET /api/v2.0/health'));
    checks.push({ name: 'components', ok: reading.status !== 'unhealthy', message: reading.message });
  } catch (error) {
    checks.push({ name: 'components', ok: false, message: describeFailure(error) });
  }

  const authenticated = await step('authenticated', () => authenticate(api));
  if (!authenticated) return done();

  await step('registry', async () => {
    const answer = await registry().send({ method: 'GET', path: '', operation: 'ping' });
    return api.context.credentials.configured
      ? `the registry (/v2/) accepts the credentials (HTTP ${answer.status})`
      : `the registry (/v2/) allows anonymous access (HTTP ${answer.status})`;
  });

  for (const project of (api.config.projects ?? []).slice(0, MAX_TESTED_PROJECTS)) {
    await step(`project ${project}`, async () => {
      const name = encodeURIComponent(project);
      await api.get(`projects/${name}`, {
        headers: { 'x-is-resource-name': 'true' },
        notFound: ['project', project],
        operation: 'get_project',
      });
      const listed = await api.get(`projects/${name}/repositories`, {
        query: { page_size: 1 },
        notFound: ['project', project],
        operation: 'list_repositories',
      });
      const total = listed.headers['x-total-count'];
      return total === undefined ? 'repositories can be listed' : `${total} repositories can be listed`;
    });
  }
  return done();
}

/**
 * Harbor goes on as anonymous when Basic credentials are wrong (public projects stay readable), so a
 * listing alone proves nothing: `/users/current` answers a user with 200, a robot with 412 (not a
 * local user) and a refused credential with 401.
 */
async function authenticate(api: HarborApi): Promise<string> {
  const account = await api.account();
  if (account.kind === 'anonymous') return 'no credentials: anonymous access, public projects only';
  const current = await api.get('users/current', { operation: 'current_user', allow: [412] });
  if (account.kind === 'user' && current.status === 200) {
    const body = (jsonOf(current, 'GET /api/v2.0/users/current') ?? {}) as Record<string, unknown>;
    return `signed in as ${String(body.username ?? account.username)}${body.sysadmin_flag === true ? ' (system administrator)' : ''}`;
  }
  const projects = await api.get('projects', { query: { page_size: 1 }, operation: 'list_projects' });
  const total = projects.headers['x-total-count'] ?? 'some';
  return `Harbor accepts the robot account ${account.username}; it sees ${total} projects`;
}

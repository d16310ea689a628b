import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FakeHarbor, startFakeHarbor } from '../../../test/fakes/harbor/fake-harbor.js';
import {
  OCI_MANIFEST,
  pushImage,
  REGISTRY_USERS,
  registryToolsAvailable,
  startRegistry,
  type TestRegistry,
} from '../../../test/support/registry.js';
import {
  ACCOUNTS,
  type HarborContextOptions,
  harborContext,
  loopbackClient,
  seedWorld,
} from './harbor.test-kit.js';
import { createHarborPlugin } from './plugin.js';

/**
 * The connection test step by step, against the fake Harbor with a real registry (`docker-registry`)
 * behind its `/v2/`.
 */

const available = await registryToolsAvailable();

describe.skipIf(!available)('harbor connection test', () => {
  let registry: TestRegistry;
  let harbor: FakeHarbor;
  const http = loopbackClient();
  const plugin = createHarborPlugin();
  const as = (
    account: { username: string; password: string } | undefined,
    options: Partial<HarborContextOptions> = {},
  ) => harborContext({ endpoint: harbor.url, http, ...(account ?? {}), ...options });
  const steps = (result: { checks: readonly { name: string; ok: boolean }[] }) =>
    result.checks.map((check) => [check.name, check.ok]);

  beforeAll(async () => {
    registry = await startRegistry({ auth: 'basic' });
    const app = await pushImage(registry, {
      repository: 'acme/app',
      tag: '1.0',
      format: 'oci',
      user: 'admin',
    });
    harbor = await startFakeHarbor({
      registry: { url: registry.url, username: 'admin', password: REGISTRY_USERS.admin },
    });
    seedWorld(harbor, { 'acme/app': [{ digest: app.digest, mediaType: OCI_MANIFEST, tags: ['1.0'] }] });
  }, 60_000);
  afterEach(() => {
    expect(harbor.violations).toEqual([]);
    harbor.setHealth({ status: 'healthy', components: [{ name: 'core', status: 'healthy' }] });
    harbor.setSystemInfo({ readOnly: false });
  });
  afterAll(async () => {
    await harbor?.close();
    await registry?.stop();
    await http.close();
  });

  it('passes as a system administrator, step by step', async () => {
    const result = await plugin.testConnection(
      as(ACCOUNTS.admin, { config: { projects: ['acme', 'library'] } }),
    );

    expect(steps(result)).toEqual([
      ['reachable', true],
      ['harbor', true],
      ['components', true],
      ['authenticated', true],
      ['registry', true],
      ['project acme', true],
      ['project library', true],
    ]);
    expect(result.success).toBe(true);
    expect(result.checks[1]?.message).toBe('Harbor v2.13.0-1a2b3c4d');
    expect(result.checks[3]?.message).toBe('signed in as admin (system administrator)');
    expect(result.checks[5]?.message).toBe('3 repositories can be listed');
    // The registry side: a token from /service/token, then /v2/ with it.
    expect(harbor.registryExchanges.map((e) => [e.path, e.status])).toEqual(
      expect.arrayContaining([
        ['/v2/', 401],
        ['/service/token', 200],
        ['/v2/', 200],
      ]),
    );
  });

  it('passes as a project robot: Harbor answers /users/current with 412 for robots', async () => {
    const result = await plugin.testConnection(as(ACCOUNTS.robot, { config: { projects: ['acme'] } }));

    expect(result.success).toBe(true);
    expect(result.checks.find((c) => c.name === 'authenticated')?.message).toBe(
      'Harbor accepts the robot account robot$acme+scanner; it sees 2 projects',
    );
    expect(harbor.requests('getCurrentUserInfo').at(-1)?.status).toBe(412);
    expect(harbor.requests('listProjects').at(-1)?.query).toBe('?page_size=1');
  });

  it('a wrong password fails at the authenticated step, with Harbor’s words and no secret', async () => {
    const result = await plugin.testConnection(as({ username: 'dev', password: 'wrong-password' }));

    expect(steps(result)).toEqual([
      ['reachable', true],
      ['harbor', true],
      ['components', true],
      ['authenticated', false],
    ]);
    expect(result.message).toMatch(
      /^authenticated: Harbor refused the credentials \(GET \/api\/v2\.0\/users\/current\): HTTP 401 \(UNAUTHORIZED: unauthorized\)$/,
    );
    expect(JSON.stringify(result)).not.toContain('wrong-password');
  });

  it('a wrong robot secret: /users/current is 401 (Harbor would list public projects as anonymous)', async () => {
    const result = await plugin.testConnection(as({ username: ACCOUNTS.robot.username, password: 'nope' }));

    expect(result.checks.at(-1)).toMatchObject({ name: 'authenticated', ok: false });
  });

  it('a missing project, and one the account may not read, fail their own steps', async () => {
    const result = await plugin.testConnection(
      as(ACCOUNTS.developer, { config: { projects: ['acme', 'gone', 'secret'] } }),
    );

    expect(steps(result).slice(-3)).toEqual([
      ['project acme', true],
      ['project gone', false],
      ['project secret', false],
    ]);
    expect(result.checks.at(-2)?.message).toBe(
      "project 'gone' was not found: Harbor answered HTTP 404 (NOT_FOUND: project gone not found)",
    );
    expect(result.checks.at(-1)?.message).toMatch(/does not permit .* HTTP 403 \(FORBIDDEN: forbidden\)/);
    expect(result.success).toBe(false);
  });

  it('says read-only mode and passes', async () => {
    harbor.setSystemInfo({ readOnly: true });

    const result = await plugin.testConnection(as(ACCOUNTS.admin));

    expect(result.success).toBe(true);
    expect(result.checks[1]?.message).toMatch(/read-only mode/);
  });

  it('names unhealthy components; a critical one fails the step, others do not', async () => {
    harbor.setHealth({
      status: 'unhealthy',
      components: [
        { name: 'core', status: 'healthy' },
        { name: 'trivy', status: 'unhealthy', error: 'failed to check the health status: timeout' },
      ],
    });
    const degraded = await plugin.testConnection(as(ACCOUNTS.admin));
    harbor.setHealth({
      status: 'unhealthy',
      components: [{ name: 'database', status: 'unhealthy', error: 'dial tcp: connection refused' }],
    });
    const broken = await plugin.testConnection(as(ACCOUNTS.admin));

    expect(degraded.checks[2]).toEqual({
      name: 'components',
      ok: true,
      message: 'unhealthy components: trivy: failed to check the health status: timeout',
    });
    expect(broken.checks[2]).toMatchObject({ name: 'components', ok: false });
    expect(broken.message).toBe('components: unhealthy components: database: dial tcp: connection refused');
  });

  it('anonymous: public projects pass, private ones need credentials', async () => {
    const result = await plugin.testConnection(as(undefined, { config: { projects: ['library', 'acme'] } }));

    expect(steps(result)).toEqual([
      ['reachable', true],
      ['harbor', true],
      ['components', true],
      ['authenticated', true],
      ['registry', true],
      ['project library', true],
      ['project acme', false],
    ]);
    expect(result.checks.at(-1)?.message).toMatch(
      /Harbor requires credentials .*set the integration's authRef/,
    );
  });

  it('an endpoint that is not Harbor fails at reachable', async () => {
    const result = await plugin.testConnection(as(ACCOUNTS.admin, { endpoint: registry.url }));

    expect(steps(result)).toEqual([['reachable', false]]);
    expect(result.message).toMatch(/is not Harbor's API/);
  });
});

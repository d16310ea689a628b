import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registryToolsAvailable } from '../../../test/support/registry.js';
import { createQuayPlugin } from './plugin.js';
import { credentialOf, LOGINS, type QuayWorld, startQuayWorld, TOKENS } from './quay.test-kit.js';

/**
 * The `quay` connection test and health against the fake Quay front, in front of a REAL distribution
 * registry with token authentication whose token server takes the fake's robots: the test step by
 * step for a robot with and without an API token, an API token without the scopes it needs, a robot
 * without access or with a wrong token, anonymous access; health healthy, degraded by a disk space
 * warning, unhealthy when a service is down (503) or the answer is not Quay's; `/health/endtoend`.
 */

const available = await registryToolsAvailable();

describe.skipIf(!available)('quay connection test and health', () => {
  let world: QuayWorld;
  let quay: QuayWorld['quay'];
  const context: QuayWorld['context'] = (credentials, config) => world.context(credentials, config);
  const steps = (result: { checks: readonly { name: string; ok: boolean }[] }) =>
    result.checks.map((check) => [check.name, check.ok]);

  beforeAll(async () => {
    world = await startQuayWorld();
    quay = world.quay;
  }, 90_000);
  afterAll(async () => {
    await world?.close();
  });

  it('tests a robot with an API token step by step', async () => {
    const result = await createQuayPlugin().testConnection(
      context(credentialOf(LOGINS.scanner, TOKENS.full), { repositories: ['acme/app'] }),
    );

    expect(steps(result)).toEqual([
      ['reachable', true],
      ['health', true],
      ['credentials', true],
      ['registry', true],
      ['authenticated', true],
      ['api_token', true],
      ['namespace acme', true],
      ['repository acme/app', true],
    ]);
    expect(result.success).toBe(true);
    expect(result.checks[1]?.message).toBe("Quay's instance health check passes (6 services)");
    expect(result.checks[2]?.message).toBe('the robot account acme+scanner, with an API token');
    expect(result.checks[5]?.message).toBe('Quay accepts the API token, acting for alice');
    expect(result.checks[6]?.message).toBe('the API token lists 2+ repositories');
    expect(JSON.stringify(result)).not.toContain(TOKENS.full);
    expect(JSON.stringify(result)).not.toContain(LOGINS.scanner.password);
    expect(quay.violations).toEqual([]);
  });

  it('accepts an API token without user:read, and says repo:read is missing when it is', async () => {
    const plugin = createQuayPlugin();

    const reader = await plugin.testConnection(context(credentialOf(LOGINS.scanner, TOKENS.read)));
    const userOnly = await plugin.testConnection(context(credentialOf(LOGINS.scanner, TOKENS.userOnly)));

    expect(reader.success).toBe(true);
    expect(reader.checks.find((check) => check.name === 'api_token')?.message).toMatch(
      /lacks user:read, which is not needed/,
    );
    expect(userOnly.success).toBe(false);
    expect(userOnly.message).toMatch(/^namespace acme: .*the token needs the repo:read scope/);
  });

  it('tests a robot without an API token through the catalog', async () => {
    const plugin = createQuayPlugin();

    const admin = await plugin.testConnection(
      context(credentialOf(LOGINS.admin), { repositories: ['acme/app'] }),
    );
    const standIn = await plugin.testConnection(
      context(credentialOf(LOGINS.scanner), { repositories: ['acme/app'] }),
    );
    const bare = await plugin.testConnection(context(credentialOf(LOGINS.scanner)));

    expect(steps(admin)).toEqual([
      ['reachable', true],
      ['health', true],
      ['credentials', true],
      ['registry', true],
      ['authenticated', true],
      ['catalog', true],
      ['repository acme/app', true],
    ]);
    expect(admin.checks[2]?.message).toMatch(/without an API token \(listing uses the registry catalog\)/);
    expect(standIn.success).toBe(true);
    expect(standIn.checks.find((check) => check.name === 'catalog')?.message).toMatch(
      /the 1 configured repositories are listed instead/,
    );
    expect(bare.success).toBe(false);
    expect(bare.message).toMatch(
      /^catalog: .*add an apiToken to list repositories through the Quay API, or list them in config\.repositories/,
    );
  });

  it('stops at authenticated for a robot without access or a wrong token, saying what to check; health is unhealthy', async () => {
    const plugin = createQuayPlugin();
    const wrong = credentialOf({ username: LOGINS.scanner.username, password: 'WRONG0TOKEN' });

    const nobody = await plugin.testConnection(
      context(credentialOf(LOGINS.nobody), { repositories: ['acme/app'] }),
    );
    const mistyped = await plugin.testConnection(context(wrong));
    const health = await plugin.checkHealth(context(credentialOf(LOGINS.nobody)));

    expect(steps(nobody).at(-1)).toEqual(['authenticated', false]);
    expect(nobody.message).toMatch(
      /^authenticated: .*refused the credentials.*a robot logs in as <org>\+<robot>.*Robot Token/,
    );
    expect(mistyped.success).toBe(false);
    expect(mistyped.message).toMatch(/^authenticated: /);
    expect(health.status).toBe('unhealthy');
    expect(health.message).toMatch(/refused the credentials/);
    expect(JSON.stringify([nobody, mistyped, health])).not.toMatch(/NOBODY0ROBOT0TOKEN|WRONG0TOKEN/);
  });

  it('says a configured repository the login cannot read needs Read, or credentials', async () => {
    const anonymous = await createQuayPlugin().testConnection(
      context(undefined, { repositories: ['acme/app'] }),
    );

    expect(steps(anonymous)).toEqual([
      ['reachable', true],
      ['health', true],
      ['registry', true],
      ['authenticated', true],
      ['catalog', false],
      ['repository acme/app', false],
    ]);
    expect(anonymous.checks.find((check) => check.name === 'authenticated')?.message).toMatch(
      /public repositories only/,
    );
    expect(anonymous.checks.at(-1)?.message).toMatch(/set authRef to a robot with Read on it/);
  });

  it('is healthy, degraded by a disk space warning, and unhealthy naming a failed service (503)', async () => {
    const plugin = createQuayPlugin();
    const robot = () => context(credentialOf(LOGINS.scanner));

    const healthy = await plugin.checkHealth(robot());
    quay.setHealth('warning', { disk_space_warning: false });
    const warned = await plugin.checkHealth(robot());
    const tested = await plugin.testConnection(robot());
    quay.setHealth('warning', { disk_space_warning: true });
    quay.setHealth('instance', { database: false, service_key: false });
    const down = await plugin.checkHealth(robot());
    const failedTest = await plugin.testConnection(robot());
    quay.setHealth('instance', { database: true, service_key: true });

    expect(healthy).toEqual({
      status: 'healthy',
      message:
        "Quay's instance health check passes (6 services); the registry speaks registry/2.0; the credentials are accepted",
    });
    expect(warned.status).toBe('degraded');
    expect(warned.message).toMatch(/^Quay warns that free disk space is below its warning threshold/);
    expect(tested.checks.find((check) => check.name === 'health')).toMatchObject({
      ok: true,
      message: expect.stringMatching(/disk space/),
    });
    expect(down).toEqual({
      status: 'unhealthy',
      message: "Quay's instance health check fails (HTTP 503): database, service_key are down",
    });
    expect(failedTest.success).toBe(false);
    expect(failedTest.message).toMatch(/^health: Quay's instance health check fails/);
    const operations = quay.records.filter((record) => record.path.startsWith('/health/'));
    expect(operations.every((record) => record.auth === 'none')).toBe(true);
  });

  it('is unhealthy with a protocol message when /health/instance is not Quay', async () => {
    quay.answerNext('/health/instance', 200, '<html>a login page</html>', 'text/html');

    const health = await createQuayPlugin().checkHealth(context(credentialOf(LOGINS.scanner)));

    expect(health.status).toBe('unhealthy');
    expect(health.message).toMatch(
      /GET \/health\/instance answered HTTP 200 with a body that is not JSON, not Quay's health answer/,
    );
  });

  it('checks /health/endtoend in the connection test when asked', async () => {
    const plugin = createQuayPlugin();
    const deep = context(credentialOf(LOGINS.scanner, TOKENS.read), { endToEndHealth: true });

    const passing = await plugin.testConnection(deep);
    quay.setHealth('endtoend', { redis: false });
    const failing = await plugin.testConnection(deep);
    const health = await plugin.checkHealth(deep);
    quay.setHealth('endtoend', { redis: true });

    expect(passing.checks[2]).toEqual({
      name: 'endtoend',
      ok: true,
      message: "Quay's endtoend health check passes (4 services)",
    });
    expect(failing.message).toBe("endtoend: Quay's endtoend health check fails (HTTP 503): redis is down");
    expect(health.status).toBe('healthy');
  });
});

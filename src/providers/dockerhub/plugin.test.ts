import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { registryToolsAvailable } from '../../../test/support/registry.js';
import { type CredentialsAccessor, noCredentials } from '../../secrets/index.js';
import type { DockerHubConfig } from './config.js';
import {
  type DockerHubWorld,
  dockerHubContext,
  login,
  loopbackClient,
  startDockerHubWorld,
  USERS,
} from './dockerhub.test-kit.js';
import { createDockerHubPlugin } from './plugin.js';
import { DockerHubRateLimitError } from './registry.js';

/**
 * The `dockerhub` plugin against the fake Hub API and the registry front, in front of a REAL
 * distribution registry with token authentication holding images pushed by skopeo: the connection
 * test step by step (a token, anonymous, revoked, public-only), the pull limit as health, and the two
 * kinds of 429. Reads and the connector contract are in `registry.test.ts`.
 */

const available = await registryToolsAvailable();

describe.skipIf(!available)('dockerhub plugin', () => {
  const http = loopbackClient();
  let world: DockerHubWorld;
  let ids = 0;

  beforeAll(async () => {
    world = await startDockerHubWorld();
  }, 60_000);
  afterAll(async () => {
    await world?.close();
    await http.close();
  });
  afterEach(() => {
    world.front.setAntiAbuse(false);
    for (const source of ['alice', 'bob', 'anonymous']) {
      world.front.setPlan(source, 'limited');
      world.front.setRemaining(source, source === 'anonymous' ? 10 : 100);
    }
  });

  // Each case its own integration id: saved integrations share cached logins within a plugin instance.
  const context = (credentials: CredentialsAccessor, config: Partial<DockerHubConfig> = {}, client = http) =>
    dockerHubContext({
      endpoint: world.front.url,
      http: client,
      credentials,
      id: `dockerhub-${++ids}`,
      config: { hubApiUrl: world.hub.url, ...config },
    });
  const steps = (result: { checks: readonly { name: string; ok: boolean }[] }) =>
    result.checks.map((check) => [check.name, check.ok]);

  it('tests a personal access token step by step', async () => {
    const result = await createDockerHubPlugin().testConnection(
      context(login('alice', USERS.alice.read), {
        namespaces: ['acme', 'alice'],
        repositories: ['acme/app', 'nginx'],
      }),
    );

    expect(steps(result)).toEqual([
      ['hub_login', true],
      ['namespace acme', true],
      ['namespace alice', true],
      ['registry', true],
      ['repository acme/app', true],
      ['repository nginx', true],
      ['pull_limit', true],
    ]);
    expect(result.success).toBe(true);
    expect(result.checks[0]?.message).toBe('Docker Hub accepted the login of alice');
    expect(result.checks[1]?.message).toBe('3 repositories can be listed');
    const alice = world.hub.world.users.get('alice')!;
    expect(result.checks[6]?.message).toBe(`100 of 100 pulls left in 6 h (counted against ${alice.id})`);
    expect(JSON.stringify(result)).not.toContain(USERS.alice.read);
  });

  it('tests anonymous access to public repositories', async () => {
    const result = await createDockerHubPlugin().testConnection(
      context(noCredentials, { namespaces: ['acme'], repositories: ['acme/api'] }),
    );

    expect(steps(result)).toEqual([
      ['hub_login', true],
      ['namespace acme', true],
      ['registry', true],
      ['repository acme/api', true],
      ['pull_limit', true],
    ]);
    expect(result.checks[1]?.message).toBe('2 public repositories can be listed');
    expect(result.checks[4]?.message).toBe('10 of 10 pulls left in 6 h (counted against 127.0.0.1)');
  });

  it('stops at a revoked personal access token, saying what to fix', async () => {
    const result = await createDockerHubPlugin().testConnection(
      context(login('alice', USERS.alice.revoked), { namespaces: ['acme'] }),
    );

    expect(steps(result)).toEqual([['hub_login', false]]);
    expect(result.message).toMatch(/^hub_login: Docker Hub refused the login of alice \(HTTP 401/);
    expect(result.message).toContain("'Public Repo Read-only'");
    expect(JSON.stringify(result)).not.toContain(USERS.alice.revoked);
  });

  it('names the repository a public-only token cannot pull, and an unknown namespace', async () => {
    const result = await createDockerHubPlugin().testConnection(
      context(login('alice', USERS.alice.publicRead), {
        namespaces: ['nobody-here'],
        repositories: ['acme/app', 'acme/api'],
      }),
    );

    expect(steps(result)).toEqual([
      ['hub_login', true],
      ['namespace nobody-here', false],
      ['registry', true],
      ['repository acme/app', false],
      ['repository acme/api', true],
      ['pull_limit', false],
    ]);
    expect(result.checks[1]?.message).toMatch(/Docker Hub has no namespace 'nobody-here'/);
    expect(result.checks[3]?.message).toMatch(
      /do not grant repository:acme\/app:pull.*private or does not exist/,
    );
    // The pull limit is read on the first configured repository, which this token cannot pull.
    expect(result.checks[5]?.message).toMatch(/do not grant repository:acme\/app:pull/);
  });

  it('reports health by the pulls left, and no limit on an unlimited plan', async () => {
    const plugin = createDockerHubPlugin();
    const alice = context(login('alice', USERS.alice.read), { repositories: ['acme/app'] });
    const id = world.hub.world.users.get('alice')!.id;

    world.front.setRemaining('alice', 76);
    const healthy = await plugin.checkHealth(alice);
    world.front.setRemaining('alice', 9);
    const degraded = await plugin.checkHealth(alice);
    world.front.setRemaining('alice', 0);
    const unhealthy = await plugin.checkHealth(alice);
    world.front.setPlan('alice', 'unlimited');
    const unlimited = await plugin.checkHealth(alice);

    expect(healthy).toEqual({
      status: 'healthy',
      message: `76 of 100 pulls left in 6 h (counted against ${id})`,
    });
    expect(degraded.status).toBe('degraded');
    expect(degraded.message).toMatch(/^9 of 100 pulls left in 6 h .*less than 10 %/);
    expect(unhealthy.status).toBe('unhealthy');
    expect(unhealthy.message).toMatch(
      /^no pulls left of 100 in the 6 h window \(counted against .*does not say when it resets/,
    );
    expect(unlimited).toEqual({
      status: 'healthy',
      message: 'no pull limit: Docker Hub sent no rate-limit headers (a plan without a pull limit)',
    });
    // Health reads with HEAD: none of it was a pull.
    const heads = world.front.records.filter((record) => record.path === '/v2/acme/app/manifests/latest');
    expect(new Set(heads.map((record) => record.method))).toEqual(new Set(['HEAD']));
  });

  it("reads the pull limit anonymously from Docker's preview image when no repository is configured", async () => {
    const health = await createDockerHubPlugin().checkHealth(context(noCredentials));

    expect(health).toEqual({
      status: 'healthy',
      message: '10 of 10 pulls left in 6 h (counted against 127.0.0.1)',
    });
    expect(world.front.records.at(-1)).toMatchObject({
      method: 'HEAD',
      path: '/v2/ratelimitpreview/test/manifests/latest',
      status: 200,
    });
  });

  it('says which 429 it was: the pull limit, or the anti-abuse protection', async () => {
    // Each failure is retried and counts towards the circuit breaker of its client: one client each.
    const [first, second] = [loopbackClient(), loopbackClient()];
    const plugin = createDockerHubPlugin();
    const config = { repositories: ['acme/app'] };
    world.front.setRemaining('alice', 0);

    const limited = await plugin.registry!(context(login('alice', USERS.alice.read), config, first))
      .resolveReference('acme/multi', 'latest')
      .catch((error: unknown) => error);
    world.front.setAntiAbuse(true);
    const abused = await plugin.registry!(context(login('alice', USERS.alice.read), config, second))
      .listTags('acme/app')
      .catch((error: unknown) => error);
    const health = await plugin.checkHealth(context(login('alice', USERS.alice.read), config, first));
    await Promise.all([first.close(), second.close()]);

    expect(limited).toBeInstanceOf(DockerHubRateLimitError);
    expect(limited).toMatchObject({ kind: 'pull_limit', isTransient: true });
    expect((limited as Error).message).toMatch(/pull limit is used up \(429 TOOMANYREQUESTS\)/);
    expect(abused).toMatchObject({ kind: 'anti_abuse', isTransient: true });
    expect(health.status).toBe('degraded');
    expect(health.message).toMatch(/anti-abuse protection .*not the pull limit/);
  });

  it('sent nothing outside the contracts', () => {
    expect(world.hub.violations).toEqual([]);
    expect(world.front.violations).toEqual([]);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { generateAppKeys } from '../../../test/fakes/github/app-jwt.js';
import { GHES_DESCRIPTION } from '../../../test/fakes/github/fake-github.js';
import { createInlineCredentialsAccessor } from '../../secrets/index.js';
import { type Harness, type HarnessOptions, startHarness } from './github-app.test-kit.js';
import { OLDEST_SUPPORTED_GHES } from './server-version.js';

let h: Harness | undefined;
const start = async (options?: HarnessOptions) => {
  h = await startHarness(options);
  return h;
};
afterEach(async () => {
  expect(h?.github.violations).toEqual([]);
  await h?.close();
  h = undefined;
});

describe('github_app testConnection', () => {
  it('reports every step against GitHub Enterprise Server, whatever form of URL was pasted', async () => {
    const { plugin, context, github } = await start({
      fake: { description: GHES_DESCRIPTION, enterpriseVersion: '3.19.1' },
    });

    const result = await plugin.testConnection(
      context({ repositories: ['acme/app'] }, { overrides: { endpoint: `${github.origin}/api/v3/` } }),
    );

    expect(result.success).toBe(true);
    expect(result.checks.map((check) => [check.name, check.ok])).toEqual([
      ['app', true],
      ['installation', true],
      ['installation_token', true],
      ['permissions', true],
      ['repository acme/app', true],
      ['version', true],
    ]);
    expect(result.checks[0]?.message).toMatch(/Scan Bot.*scan-bot/);
    expect(result.checks[1]?.message).toBe('installation 100 (installed on acme/app)');
    expect(result.checks[5]?.message).toBe('GitHub Enterprise Server 3.19.1');
    expect(github.requests('meta/get')).toHaveLength(0);
  });

  it('passes a GitHub Enterprise Server GitHub no longer supports, and says so', async () => {
    const { plugin, context } = await start({
      fake: { description: GHES_DESCRIPTION, enterpriseVersion: '3.14.2' },
    });

    const result = await plugin.testConnection(context({ installationId: 100 }));

    expect(result.success).toBe(true);
    expect(result.checks.at(-1)).toMatchObject({ name: 'version', ok: true });
    expect(result.checks.at(-1)?.message).toBe(
      `GitHub Enterprise Server 3.14.2: older than ${OLDEST_SUPPORTED_GHES.major}.${OLDEST_SUPPORTED_GHES.minor}, the oldest release GitHub still supports; upgrade the server`,
    );
  });

  it('reads the version from GET /meta when GitHub Enterprise Server sends no header', async () => {
    const { plugin, context, github } = await start({
      fake: { description: GHES_DESCRIPTION, enterpriseVersion: '3.18.4', enterpriseVersionHeader: false },
    });

    const result = await plugin.testConnection(context({ installationId: 100 }));

    expect(result.checks.at(-1)).toMatchObject({ name: 'version', ok: true });
    expect(result.checks.at(-1)?.message).toBe('GitHub Enterprise Server 3.18.4');
    expect(github.requests('meta/get')).toHaveLength(1);
  });

  it.each([
    ['https://github.com', 'github.com'],
    ['https://acme.ghe.com', 'GHE.com (GitHub Enterprise Cloud with data residency)'],
  ])('says which GitHub %s is, without asking it', async (endpoint, message) => {
    const { plugin, context, github } = await start({ endpoint });

    const result = await plugin.testConnection(context({ installationId: 100 }));

    expect(result.checks.at(-1)).toEqual({ name: 'version', ok: true, message });
    expect(github.requests('meta/get')).toHaveLength(0);
  });

  it('names each missing permission', async () => {
    const { plugin, context } = await start({
      fake: {
        installations: [
          {
            id: 100,
            repositories: ['acme/app'],
            permissions: { checks: 'read', pull_requests: 'write', metadata: 'read' },
          },
        ],
      },
    });

    const result = await plugin.testConnection(context({ installationId: 100 }));

    expect(result.success).toBe(false);
    const permissions = result.checks.find((check) => check.name === 'permissions');
    expect(permissions?.ok).toBe(false);
    expect(permissions?.message).toMatch(/missing checks:write, statuses:write/);
    expect(permissions?.message).not.toMatch(/pull_requests/);
  });

  it('says which configured repositories the installation cannot reach', async () => {
    const { plugin, context } = await start();

    const result = await plugin.testConnection(
      context({ installationId: 100, repositories: ['acme/app', 'acme/secret'] }),
    );

    expect(result.success).toBe(false);
    expect(result.checks.at(-3)).toMatchObject({ name: 'repository acme/app', ok: true });
    expect(result.checks.at(-2)).toMatchObject({ name: 'repository acme/secret', ok: false });
    expect(result.checks.at(-2)?.message).toMatch(/not accessible to installation 100/);
  });

  it('stops at the first step that fails: a key GitHub does not know', async () => {
    const { plugin, context, github } = await start();
    const credentials = createInlineCredentialsAccessor({
      appId: String(github.state.app.id),
      privateKey: generateAppKeys().privateKeyPem,
    });

    const result = await plugin.testConnection(context({ installationId: 100 }, { credentials }));

    expect(result.success).toBe(false);
    expect(result.checks).toHaveLength(1);
    expect(result.checks[0]).toMatchObject({ name: 'app', ok: false });
    expect(result.checks[0]?.message).toMatch(/refused the App's credentials \(401\)/);
  });

  it('asks for an installation when it can find none', async () => {
    const { plugin, context } = await start();

    const result = await plugin.testConnection(context({}));

    expect(result.checks.at(-1)).toMatchObject({ name: 'installation', ok: false });
    expect(result.checks.at(-1)?.message).toMatch(/set installationId, or list repositories/);
  });

  it('reports an App that is not installed on the repository', async () => {
    const { plugin, context } = await start();

    const result = await plugin.testConnection(context({ repositories: ['other/repo'] }));

    expect(result.checks.at(-1)).toMatchObject({ name: 'installation', ok: false });
    expect(result.checks.at(-1)?.message).toMatch(/not installed on other\/repo/);
  });
});

describe('github_app checkHealth', () => {
  it('is healthy with quota left, and reads the rate limit without spending it', async () => {
    const { plugin, context, github } = await start({
      fake: { rateLimit: { limit: 5000, remaining: 4000 } },
    });

    const health = await plugin.checkHealth(context({ installationId: 100 }));

    expect(health.status).toBe('healthy');
    expect(health.message).toMatch(/^4000 of 5000 core requests left until /);
    expect(github.state.rateLimit.remaining).toBe(4000);
  });

  it('is degraded with less than 10% of the core quota left', async () => {
    const { plugin, context } = await start({ fake: { rateLimit: { limit: 5000, remaining: 499 } } });

    const health = await plugin.checkHealth(context({ installationId: 100 }));

    expect(health.status).toBe('degraded');
    expect(health.message).toMatch(/less than 10%/);
  });

  it('is unhealthy when the App cannot authenticate', async () => {
    const { plugin, context } = await start();

    const health = await plugin.checkHealth(context({ installationId: 999 }));

    expect(health.status).toBe('unhealthy');
    expect(health.message).toMatch(/installation 999/);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGitHub, startFakeGitHub } from './fakes/github/fake-github.js';
import { pollNow, registerWithSecret, startLoopbackTestApp, type TestApp } from './support/app.js';
import { testDatabaseTargets } from './support/databases.js';
import {
  OCI_MANIFEST,
  type PushedImage,
  pushImage,
  registryToolsAvailable,
  startRegistry,
  type TestRegistry,
} from './support/registry.js';

/**
 * The `ghcr` provider end to end, through the public API on both databases: a personal access token
 * stored as `{ username, password }`, a `ghcr` integration whose API is the fake GitHub (held to
 * GitHub's REST description) and whose registry is a real distribution registry that takes the fake's
 * tokens with `read:packages` under any username, as ghcr.io does; its connection test, health from
 * the poller (healthy, then degraded as the rate limit runs low) and registry reads.
 */

const targets = await testDatabaseTargets();
const tools = await registryToolsAvailable();
const PAT = 'ghp_EndToEndReader0123456789abcdefghijk';
const BARE = 'ghp_EndToEndRepoOnly0123456789abcdefgh';

describe.skipIf(!tools).each(targets)('GitHub Container Registry through the API ($dialect)', (target) => {
  let github: FakeGitHub;
  let registry: TestRegistry;
  let image: PushedImage;
  let t: TestApp;
  let id: string;
  /** Every body the API answered, to look for the token in them. */
  const answered: string[] = [];

  beforeAll(async () => {
    if (!target.available) return;
    github = await startFakeGitHub({ basePath: '' });
    github.addPersonalToken(PAT, { login: 'octocat', scopes: ['read:packages'], orgs: ['acme'] });
    github.addPersonalToken(BARE, { login: 'octocat', scopes: ['repo'], orgs: ['acme'] });
    for (const name of ['app', 'api', 'worker']) github.addPackage({ owner: 'acme', ownerType: 'org', name });
    registry = await startRegistry({
      auth: 'token',
      accountCheck: (_username, password) =>
        github.isPersonalToken(password, 'read:packages') ? 'reader' : undefined,
    });
    image = await pushImage(registry, { repository: 'acme/app', tag: '1.0', format: 'oci', user: 'admin' });
    t = await startLoopbackTestApp(target);
  }, 60_000);
  afterAll(async () => {
    await t?.dispose();
    await registry?.stop();
    await github?.close();
  });

  const request = async (options: Parameters<TestApp['request']>[0]) => {
    const response = await t.request(options);
    answered.push(JSON.stringify(response.body));
    return response;
  };
  const register = async (name: string, token: string, config: Record<string, unknown> = {}) => {
    const created = await registerWithSecret(
      t,
      { name: `${name}-pat`, value: { username: 'octocat', password: token } },
      {
        name,
        type: 'registry',
        provider: 'ghcr',
        endpoint: registry.url,
        config: {
          owner: 'acme',
          apiUrl: github.apiUrl,
          plainHttp: true,
          repositories: ['acme/app'],
          ...config,
        },
      },
    );
    answered.push(JSON.stringify(created));
    return created;
  };

  it.skipIf(!target.available)(
    'registers an integration with a personal access token and tests it',
    async () => {
      const created = await register('ghcr', PAT);
      expect(created.config).toMatchObject({ owner: 'acme', ownerType: 'org' });
      id = created.id;

      const tested = await request({ method: 'POST', url: `/api/v1/integrations/${id}/test` });

      expect(tested.body.success).toBe(true);
      expect(
        tested.body.checks.map((check: { name: string; ok: boolean }) => [check.name, check.ok]),
      ).toEqual([
        ['token', true],
        ['packages', true],
        ['registry', true],
        ['repository acme/app', true],
      ]);
    },
  );

  it.skipIf(!target.available)('reads repositories, tags and a manifest, and polls healthy', async () => {
    const read = (path: string) =>
      request({ method: 'GET', url: `/api/v1/integrations/${id}/registry/${path}` });

    const first = await read('repositories?pageSize=2');
    const second = await read(`repositories?pageSize=2&cursor=${encodeURIComponent(first.body.nextCursor)}`);

    expect(first.body.items).toEqual(['acme/app', 'acme/api']);
    expect(second.body).toEqual({ items: ['acme/worker'] });
    expect((await read('tags?repository=acme/app')).body).toEqual({ items: ['1.0'] });
    expect((await read('resolve?repository=acme/app&reference=1.0')).body).toEqual({
      digest: image.digest,
      mediaType: OCI_MANIFEST,
    });
    expect((await read('tags?repository=acme/nothing')).status).toBe(404);

    expect(await pollNow(t, id)).toBe(1);
    const health = await request({ method: 'GET', url: `/api/v1/integrations/${id}/health` });
    expect(health.body.health.status).toBe('healthy');
    expect(health.body.health.message).toMatch(/GitHub's API: \d+ of 5000 requests left/);
  });

  it.skipIf(!target.available)('polls degraded once the rate limit runs low', async () => {
    const { rateLimit } = github.state;
    const saved = rateLimit.remaining;
    rateLimit.remaining = 40;
    try {
      expect(await pollNow(t, id)).toBe(1);
      const health = await request({ method: 'GET', url: `/api/v1/integrations/${id}/health` });

      expect(health.body.health.status).toBe('degraded');
      expect(health.body.health.message).toMatch(
        /rate limit is nearly spent: \d+ of 5000 requests left until/,
      );
    } finally {
      rateLimit.remaining = saved;
    }
  });

  it.skipIf(!target.available)(
    'stops a token without read:packages at the token step, and never shows a token',
    async () => {
      const created = await register('ghcr-repo-only', BARE);

      const tested = await request({ method: 'POST', url: `/api/v1/integrations/${created.id}/test` });

      expect(tested.body.success).toBe(false);
      expect(tested.body.checks.at(-1)).toMatchObject({
        name: 'token',
        ok: false,
        message: expect.stringMatching(/lacks the read:packages scope \(it has: repo\)/),
      });
      const everything = answered.join('\n');
      expect(everything).not.toContain(PAT);
      expect(everything).not.toContain(BARE);
      expect(github.violations).toEqual([]);
    },
  );
});

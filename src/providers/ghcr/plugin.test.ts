import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGitHub, startFakeGitHub } from '../../../test/fakes/github/fake-github.js';
import {
  OCI_INDEX,
  OCI_MANIFEST,
  type PushedImage,
  pushSampleImages,
  registryToolsAvailable,
  startRegistry,
  type TestRegistry,
} from '../../../test/support/registry.js';
import type { HttpClient } from '../../net/index.js';
import { runConnectorContract } from '../../plugins/contract.test-kit.js';
import { asConnectorPlugin } from '../../plugins/contracts.js';
import { createInlineCredentialsAccessor } from '../../secrets/index.js';
import type { GhcrConfig } from './config.js';
import { ghcrContext, LOGIN, loopbackClient, seedTokens, TOKENS } from './ghcr.test-kit.js';
import { createGhcrPlugin } from './plugin.js';

/**
 * The `ghcr` plugin against the fake GitHub (every request held to GitHub's REST description) and a
 * REAL distribution registry with token authentication whose token server takes, under any username,
 * the personal access tokens the fake GitHub knows with `read:packages`, as ghcr.io does; images
 * pushed by skopeo. The connection test step by step, health with a rate limit nearly spent, packages
 * listed across GitHub's pages, tags and resolve, a token without `read:packages`, anonymous access,
 * the labels of every request, and the shared connector contract.
 */

const available = await registryToolsAvailable();
const EXTRA = ['tool-a', 'tool-b', 'tool-c'];

describe.skipIf(!available)('ghcr plugin', () => {
  const base = loopbackClient();
  const labels: string[] = [];
  const http: HttpClient = {
    request: (request) => {
      labels.push(`${request.provider}:${request.operation}`);
      return base.request(request);
    },
    close: () => base.close(),
  };
  let github: FakeGitHub;
  let registry: TestRegistry;
  let app: PushedImage;
  let multi: PushedImage;

  beforeAll(async () => {
    github = await startFakeGitHub({ basePath: '' });
    seedTokens(github);
    for (const name of ['app', 'multi', ...EXTRA])
      github.addPackage({ owner: 'acme', ownerType: 'org', name });
    registry = await startRegistry({
      auth: 'token',
      accountCheck: (_username, password) =>
        github.isPersonalToken(password, 'read:packages') ? 'reader' : undefined,
    });
    ({ app, multi } = await pushSampleImages(registry));
  }, 60_000);
  afterAll(async () => {
    await registry?.stop();
    await github?.close();
    await http.close();
  });

  const context = (token: string | undefined, config: Partial<GhcrConfig> = {}) =>
    ghcrContext({
      endpoint: registry.url,
      github,
      http,
      ...(token === undefined ? {} : { token }),
      config: { repositories: ['acme/app'], ...config },
    });
  const steps = (result: { checks: readonly { name: string; ok: boolean }[] }) =>
    result.checks.map((check) => [check.name, check.ok]);

  it('tests a token with read:packages step by step', async () => {
    const result = await createGhcrPlugin().testConnection(context(TOKENS.reader));

    expect(steps(result)).toEqual([
      ['token', true],
      ['packages', true],
      ['registry', true],
      ['repository acme/app', true],
    ]);
    expect(result.success).toBe(true);
    expect(result.message).toBe(`connected to GHCR at ${registry.host} for acme`);
    expect(result.checks[0]?.message).toBe(
      `GitHub accepts the token of ${LOGIN}, with the scopes read:packages, repo`,
    );
    expect(result.checks[1]?.message).toBe(
      "the organisation acme's container packages can be listed (acme/app and more)",
    );
    expect(result.checks[2]?.message).toMatch(/accepts the login: the registry speaks registry\/2\.0/);
    expect(JSON.stringify(result)).not.toContain(TOKENS.reader);
  });

  it('lists packages across GitHub’s pages, reads tags and manifests, and is healthy', async () => {
    const reader = createGhcrPlugin().registry!(context(TOKENS.reader));
    const listed: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await reader.listRepositories({ pageSize: 2, ...(cursor ? { cursor } : {}) });
      listed.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);

    const tags = await reader.listTags('acme/app');
    const single = await reader.resolveReference('acme/app', '1.0');
    const index = await reader.resolveReference('acme/multi', 'latest');
    const health = await createGhcrPlugin().checkHealth(context(TOKENS.reader));

    expect(listed).toEqual(['acme/app', 'acme/multi', ...EXTRA.map((name) => `acme/${name}`)]);
    expect(github.requests('packages/list-packages-for-organization').length).toBeGreaterThanOrEqual(3);
    expect(tags).toEqual({ items: ['1.0', '2.0'] });
    expect(single).toEqual({ digest: app.digest, mediaType: OCI_MANIFEST });
    expect(index).toEqual({
      digest: multi.digest,
      mediaType: OCI_INDEX,
      platforms: [
        { digest: multi.manifests![0]!.digest, os: 'linux', architecture: 'amd64' },
        { digest: multi.manifests![1]!.digest, os: 'linux', architecture: 'arm64', variant: 'v8' },
      ],
    });
    expect(health.status).toBe('healthy');
    expect(health.message).toMatch(
      /^the registry speaks registry\/2\.0; the credentials are accepted; GitHub's API: \d+ of 5000 requests left$/,
    );
  });

  it('is degraded when GitHub’s rate limit is nearly spent, saying when it resets', async () => {
    const { rateLimit } = github.state;
    const saved = rateLimit.remaining;
    rateLimit.remaining = 120;
    try {
      const health = await createGhcrPlugin().checkHealth(context(TOKENS.reader));

      expect(health.status).toBe('degraded');
      expect(health.message).toContain(
        `GitHub's API rate limit is nearly spent: 120 of 5000 requests left until ${new Date(rateLimit.reset * 1000).toISOString()}`,
      );
    } finally {
      rateLimit.remaining = saved;
    }
  });

  it('stops at the token step when it lacks read:packages, naming the scopes it has', async () => {
    const result = await createGhcrPlugin().testConnection(context(TOKENS.noPackages));

    expect(steps(result)).toEqual([['token', false]]);
    expect(result.message).toBe(
      `token: the token of ${LOGIN} lacks the read:packages scope (it has: repo); edit the personal access token (classic) on GitHub to add read:packages`,
    );
  });

  it('lists the configured repositories for a token without read:packages, and explains the refusal without them', async () => {
    const configured = await createGhcrPlugin().registry!(
      context(TOKENS.noPackages, { repositories: ['acme/multi', 'acme/app'] }),
    ).listRepositories();
    const refused = createGhcrPlugin().registry!(
      context(TOKENS.noPackages, { repositories: [] }),
    ).listRepositories();

    expect(configured).toEqual({ items: ['acme/app', 'acme/multi'] });
    await expect(refused).rejects.toThrow(/You need at least read:packages scope to list packages\./);
  });

  it('says a fine-grained token cannot list packages, and ghcr.io refuses it', async () => {
    const result = await createGhcrPlugin().testConnection(context(TOKENS.fineGrained, { repositories: [] }));

    expect(steps(result)).toEqual([
      ['token', true],
      ['packages', false],
      ['registry', false],
    ]);
    expect(result.checks[0]?.message).toMatch(/names no OAuth scopes \(not a classic token/);
    expect(result.checks[1]?.message).toMatch(
      /Resource not accessible by personal access token; use a personal access token \(classic\) with the read:packages scope; fine-grained tokens cannot read packages; or list the repositories in config\.repositories/,
    );
    expect(result.checks[2]?.message).toMatch(/refused the credentials/);
  });

  it('lets the configured repositories stand in for packages an owner’s token cannot see', async () => {
    const result = await createGhcrPlugin().testConnection(context(TOKENS.reader, { owner: 'nobody' }));

    expect(steps(result)).toEqual([
      ['token', true],
      ['packages', true],
      ['registry', true],
      ['repository acme/app', true],
    ]);
    expect(result.checks[1]?.message).toMatch(
      /packages cannot be listed with this token \(GitHub organisation 'nobody' was not found.*\); the 1 configured repositories are listed instead/,
    );
  });

  it('reports a revoked token at the first step, never showing it', async () => {
    const token = 'ghp_SoonRevoked0123456789abcdefghijklmn';
    github.addPersonalToken(token, { login: LOGIN, scopes: ['read:packages'] });
    github.revokePersonalToken(token);

    const result = await createGhcrPlugin().testConnection(context(token));
    const health = await createGhcrPlugin().checkHealth(context(token));

    expect(steps(result)).toEqual([['token', false]]);
    expect(result.message).toMatch(/GitHub refused the token \(GET \/user: Bad credentials\)/);
    expect(health.status).toBe('unhealthy');
    expect(JSON.stringify([result, health])).not.toContain(token);
  });

  it('reads public images only without credentials, and says so', async () => {
    const result = await createGhcrPlugin().testConnection(context(undefined));
    const health = await createGhcrPlugin().checkHealth(context(undefined));
    const listed = await createGhcrPlugin().registry!(context(undefined)).listRepositories();

    expect(steps(result)).toEqual([
      ['credentials', true],
      ['registry', true],
      ['repository acme/app', false],
    ]);
    expect(result.checks[0]?.message).toMatch(/only public images can be read/);
    expect(result.message).toMatch(
      /does not grant repository:acme\/app:pull without credentials; set the integration's authRef/,
    );
    expect(health).toEqual({
      status: 'healthy',
      message: 'the registry speaks registry/2.0; anonymous access',
    });
    expect(listed).toEqual({ items: ['acme/app'] });
  });

  it('labels every request ghcr, with a fixed operation', async () => {
    labels.length = 0;

    await createGhcrPlugin().testConnection(context(TOKENS.reader));
    await createGhcrPlugin().checkHealth(context(TOKENS.reader));

    expect(new Set(labels)).toEqual(
      new Set([
        'ghcr:get_user',
        'ghcr:list_packages',
        'ghcr:health',
        'ghcr:token',
        'ghcr:list_tags',
        'ghcr:rate_limit',
      ]),
    );
  });

  runConnectorContract('ghcr', {
    setup: async () => {
      const integration = {
        id: null,
        tenantId: 'default',
        type: 'registry' as const,
        authRef: 'authref://local/ghcr',
      };
      const config = { owner: 'acme', apiUrl: github.apiUrl, plainHttp: true };
      return {
        plugin: asConnectorPlugin(createGhcrPlugin()),
        working: { ...integration, name: 'working', endpoint: registry.url, config },
        failing: { ...integration, name: 'failing', endpoint: 'http://127.0.0.1:9/', config },
        invalidConfigs: [
          { config: { plainHttp: true }, field: '/config/owner' },
          { config: { owner: 'acme', ownerType: 'team' }, field: '/config/ownerType' },
          { config: { owner: 'acme', repositories: ['Acme/App'] }, field: '/config/repositories/0' },
          { config: { owner: 'acme', catalog: true }, field: '/config/catalog' },
        ],
        registryImage: { repository: 'acme/app', tag: '1.0', digest: app.digest },
        credentials: createInlineCredentialsAccessor({ username: LOGIN, password: TOKENS.reader }),
        http,
      };
    },
  });

  it('sent GitHub nothing outside its description', () => {
    expect(github.violations).toEqual([]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OCI_INDEX,
  OCI_MANIFEST,
  type PushedImage,
  pushSampleImages,
  registryToolsAvailable,
  startRegistry,
  type TestRegistry,
} from '../../../test/support/registry.js';
import { runConnectorContract } from '../../plugins/contract.test-kit.js';
import { asConnectorPlugin } from '../../plugins/contracts.js';
import type { CredentialsAccessor } from '../../secrets/index.js';
import { createInlineCredentialsAccessor } from '../../secrets/index.js';
import {
  ADMIN_USER,
  acrContext,
  loopbackClient,
  PRINCIPALS,
  servicePrincipal,
  startAzure,
} from './acr.test-kit.js';
import type { AcrConfig } from './config.js';
import { createAcrPlugin } from './plugin.js';

/**
 * The `acr` plugin against the fake Entra ID and ACR front, in front of a REAL distribution registry
 * with token authentication whose token server takes the refresh tokens the front issued, holding
 * images pushed by skopeo: the connection test step by step, health, catalog, tags and resolve, the
 * exchange reused across operations, and the ways a credential falls short.
 */

const available = await registryToolsAvailable();

describe.skipIf(!available)('acr plugin', () => {
  const http = loopbackClient();
  let azure: Awaited<ReturnType<typeof startAzure>>;
  let registry: TestRegistry;
  let app: PushedImage;
  let multi: PushedImage;

  beforeAll(async () => {
    azure = await startAzure();
    registry = await startRegistry({
      auth: 'token',
      accounts: { [ADMIN_USER.username]: { password: ADMIN_USER.password, role: 'admin' } },
      accountCheck: (username, password) => azure.front.accountCheck(username, password),
    });
    azure.front.setRegistry(registry.url);
    ({ app, multi } = await pushSampleImages(registry));
  }, 60_000);
  afterAll(async () => {
    await registry?.stop();
    await azure?.close();
    await http.close();
  });

  const context = (
    credentials: CredentialsAccessor,
    config: Partial<AcrConfig> = {},
    id: string | null = 'acr-1',
  ) =>
    acrContext({
      endpoint: azure.front.url,
      http,
      credentials,
      id,
      config: { authorityHost: azure.entra.url, repositories: ['acme/app'], ...config },
    });
  const counts = () => ({ entra: azure.entra.issued.length, exchanges: azure.front.refreshTokens.length });

  it('tests a service principal step by step', async () => {
    const result = await createAcrPlugin().testConnection(context(servicePrincipal('puller')));

    expect(result.checks.map((check) => [check.name, check.ok])).toEqual([
      ['credentials', true],
      ['entra_token', true],
      ['acr_exchange', true],
      ['reachable', true],
      ['registry', true],
      ['authenticated', true],
      ['catalog', true],
      ['repository acme/app', true],
    ]);
    expect(result.success).toBe(true);
    expect(result.checks[0]?.message).toContain(`client ${PRINCIPALS.puller.clientId}`);
    expect(result.checks[1]?.message).toMatch(
      /issued a token for https:\/\/management\.azure\.com\/\.default, valid 59 minutes/,
    );
    expect(result.checks[2]?.message).toMatch(/refresh token, used for 3[45] minutes/);
    expect(JSON.stringify(result)).not.toContain(PRINCIPALS.puller.clientSecret);
  });

  it('reads the catalog, tags and manifests, and is healthy, with one Entra token and one exchange', async () => {
    const plugin = createAcrPlugin();
    const before = counts();
    const reader = plugin.registry!(context(servicePrincipal('puller')));

    const repositories = await reader.listRepositories();
    const tags = await reader.listTags('acme/app');
    const single = await reader.resolveReference('acme/app', '1.0');
    const index = await reader.resolveReference('acme/multi', 'latest');
    const health = await plugin.checkHealth(context(servicePrincipal('puller')));

    expect(repositories).toEqual({ items: ['acme/app', 'acme/multi'] });
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
    expect(health).toEqual({
      status: 'healthy',
      message: 'the registry speaks registry/2.0; the credentials are accepted',
    });
    expect(counts()).toEqual({ entra: before.entra + 1, exchanges: before.exchanges + 1 });
  });

  it('exchanges again when the refresh token nears its end', async () => {
    let clock = Date.now();
    const plugin = createAcrPlugin({ now: () => clock });
    const reader = () => plugin.registry!(context(servicePrincipal('puller')));
    const before = counts();

    await reader().listTags('acme/app');
    clock += 20 * 60_000;
    await reader().listTags('acme/app');
    clock += 12 * 60_000; // 32 minutes: inside the last 10 % of the token's 2,089 s
    await reader().listTags('acme/app');

    expect(counts()).toEqual({ entra: before.entra + 2, exchanges: before.exchanges + 2 });
  });

  it('stops at entra_token for an expired secret, saying to add a new one; health is unhealthy', async () => {
    const plugin = createAcrPlugin();

    const result = await plugin.testConnection(context(servicePrincipal('expired')));
    const health = await plugin.checkHealth(context(servicePrincipal('expired')));

    expect(result.success).toBe(false);
    expect(result.checks.map((check) => check.name)).toEqual(['credentials', 'entra_token']);
    expect(result.message).toMatch(/^entra_token: .*AADSTS7000222.*add a new one/);
    expect(health.status).toBe('unhealthy');
    expect(health.message).toContain('AADSTS7000222');
    expect(JSON.stringify([result, health])).not.toContain(PRINCIPALS.expired.clientSecret);
  });

  it('stops at acr_exchange for a principal without a role, saying to assign AcrPull', async () => {
    const result = await createAcrPlugin().testConnection(context(servicePrincipal('outsider')));

    expect(result.checks.map((check) => [check.name, check.ok])).toEqual([
      ['credentials', true],
      ['entra_token', true],
      ['acr_exchange', false],
    ]);
    expect(result.message).toMatch(/^acr_exchange: .*no role on this registry; assign it AcrPull/);
  });

  it('lists the configured repositories for a login that may not read the catalog, and says why', async () => {
    const plugin = createAcrPlugin();
    const configured = context(servicePrincipal('reader'), { repositories: ['acme/app', 'acme/multi'] });
    const unconfigured = context(servicePrincipal('reader'), { repositories: [] }, 'acr-2');

    const tested = await plugin.testConnection(configured);
    const listed = await plugin.registry!(configured).listRepositories();
    const bare = await plugin.testConnection(unconfigured);

    expect(tested.success).toBe(true);
    expect(tested.checks.find((check) => check.name === 'catalog')?.message).toMatch(
      /only to logins granted registry:catalog:\*.*the 2 configured repositories are listed instead/,
    );
    expect(listed).toEqual({ items: ['acme/app', 'acme/multi'] });
    expect(bare.success).toBe(false);
    expect(bare.message).toMatch(/^catalog: .*list the repositories to read in config\.repositories/);
  });

  it('takes the admin user (or a repository-scoped token) as it is, without Entra', async () => {
    const plugin = createAcrPlugin();
    const credentials = createInlineCredentialsAccessor(ADMIN_USER);
    const before = counts();

    const result = await plugin.testConnection(context(credentials));
    const tags = await plugin.registry!(context(credentials)).listTags('acme/app');

    expect(result.checks.map((check) => [check.name, check.ok])).toEqual([
      ['credentials', true],
      ['reachable', true],
      ['registry', true],
      ['authenticated', true],
      ['catalog', true],
      ['repository acme/app', true],
    ]);
    expect(tags.items).toEqual(['1.0', '2.0']);
    expect(counts()).toEqual(before);
  });

  it('refuses a credential of another shape at the first step, naming the accepted shapes', async () => {
    const credentials = createInlineCredentialsAccessor({
      clientId: PRINCIPALS.puller.clientId,
      secret: 'x1234',
    });

    const result = await createAcrPlugin().testConnection(context(credentials));

    expect(result.checks).toEqual([
      {
        name: 'credentials',
        ok: false,
        message: expect.stringMatching(/\{ tenantId, clientId, clientSecret \}.*fields clientId, secret$/),
      },
    ]);
  });

  runConnectorContract('acr', {
    setup: async () => {
      const integration = {
        id: null,
        tenantId: 'default',
        type: 'registry' as const,
        authRef: 'authref://local/acr',
      };
      return {
        plugin: asConnectorPlugin(createAcrPlugin()),
        working: {
          ...integration,
          name: 'working',
          endpoint: azure.front.url,
          config: { plainHttp: true, authorityHost: azure.entra.url },
        },
        failing: {
          ...integration,
          name: 'failing',
          endpoint: 'http://127.0.0.1:9/',
          config: { plainHttp: true, authorityHost: azure.entra.url },
        },
        invalidConfigs: [
          { config: { authorityHost: 42 }, field: '/config/authorityHost' },
          { config: { plainHttp: 'yes' }, field: '/config/plainHttp' },
          { config: { repositories: ['Acme/App'] }, field: '/config/repositories/0' },
          { config: { projects: ['acme'] }, field: '/config/projects' },
        ],
        registryImage: { repository: 'acme/app', tag: '1.0', digest: app.digest },
        credentials: servicePrincipal('puller'),
        http,
      };
    },
  });

  it('sent nothing outside the contracts', () => {
    expect(azure.entra.violations).toEqual([]);
    expect(azure.front.violations).toEqual([]);
  });
});

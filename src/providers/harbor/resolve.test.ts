import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FakeHarbor, startFakeHarbor } from '../../../test/fakes/harbor/fake-harbor.js';
import {
  OCI_INDEX,
  OCI_MANIFEST,
  type PushedImage,
  pushImage,
  REGISTRY_USERS,
  registryToolsAvailable,
  startRegistry,
  type TestRegistry,
} from '../../../test/support/registry.js';
import { InvalidInputError, NotFoundError } from '../../core/errors.js';
import { runConnectorContract } from '../../plugins/contract.test-kit.js';
import { asConnectorPlugin } from '../../plugins/contracts.js';
import { createInlineCredentialsAccessor } from '../../secrets/index.js';
import { RegistryAuthError } from '../oci/index.js';
import {
  ACCOUNTS,
  type HarborContextOptions,
  harborContext,
  loopbackClient,
  seedWorld,
} from './harbor.test-kit.js';
import { createHarborPlugin } from './plugin.js';

/**
 * Resolving through Harbor's registry side: the fake Harbor's `/service/token` and `/v2/` in front of
 * a real registry (`docker-registry`) holding images pushed by skopeo; and the connector contract.
 */

const available = await registryToolsAvailable();
const PLATFORMS = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64', variant: 'v8' },
];

describe.skipIf(!available)('harbor resolve against a real registry', () => {
  let registry: TestRegistry;
  let harbor: FakeHarbor;
  let app: PushedImage;
  let nested: PushedImage;
  let index: PushedImage;
  let base: PushedImage;
  const http = loopbackClient();
  const plugin = createHarborPlugin();
  const connector = (
    account?: { username: string; password: string },
    options: Partial<HarborContextOptions> = {},
  ) => plugin.registry!(harborContext({ endpoint: harbor.url, http, ...(account ?? {}), ...options }));

  beforeAll(async () => {
    registry = await startRegistry({ auth: 'basic' });
    const push = (repository: string, tag: string, platforms?: typeof PLATFORMS) =>
      pushImage(registry, {
        repository,
        tag,
        format: 'oci',
        user: 'admin',
        content: repository,
        ...(platforms ? { platforms } : {}),
      });
    [app, nested, index, base] = await Promise.all([
      push('acme/app', '1.0'),
      push('acme/team/app', '2.0'),
      push('acme/multi', '1', PLATFORMS),
      push('library/base', '1.0'),
    ]);
    harbor = await startFakeHarbor({
      registry: { url: registry.url, username: 'admin', password: REGISTRY_USERS.admin },
    });
    const artifact = (pushed: PushedImage, tag: string) => [
      { digest: pushed.digest, mediaType: pushed.mediaType, tags: [tag] },
    ];
    seedWorld(harbor, {
      'acme/app': artifact(app, '1.0'),
      'acme/team/app': artifact(nested, '2.0'),
      'acme/multi': artifact(index, '1'),
      'library/base': artifact(base, '1.0'),
    });
  }, 60_000);
  afterEach(() => {
    expect(harbor.violations).toEqual([]);
  });
  afterAll(async () => {
    await harbor?.close();
    await registry?.stop();
    await http.close();
  });

  it('resolves an OCI manifest by tag and by digest, with a token scoped to the repository', async () => {
    const before = harbor.registryExchanges.length;

    expect(await connector(ACCOUNTS.robot).resolveReference('acme/app', '1.0')).toEqual({
      digest: app.digest,
      mediaType: OCI_MANIFEST,
    });
    expect(await connector(ACCOUNTS.robot).resolveReference('acme/team/app', nested.digest)).toEqual({
      digest: nested.digest,
      mediaType: OCI_MANIFEST,
    });
    const tokens = harbor.registryExchanges.slice(before).filter((e) => e.path === '/service/token');
    expect(tokens.map((e) => e.scopes)).toContainEqual(['repository:acme/app:pull']);
  });

  it('resolves a two-platform index to its digest and platforms', async () => {
    const resolved = await connector(ACCOUNTS.admin).resolveReference('acme/multi', '1');

    expect(resolved).toEqual({
      digest: index.digest,
      mediaType: OCI_INDEX,
      platforms: index.manifests?.map((manifest) => ({ digest: manifest.digest, ...manifest.platform })),
    });
    expect(resolved.platforms?.map((p) => p.architecture)).toEqual(['amd64', 'arm64']);
  });

  it('anonymous: a public project resolves, a private one needs credentials', async () => {
    expect((await connector().resolveReference('library/base', '1.0')).digest).toBe(base.digest);
    await expect(connector().resolveReference('acme/app', '1.0')).rejects.toThrow(RegistryAuthError);
  });

  it('an unknown tag is not found; bad names and references are refused before any request', async () => {
    await expect(connector(ACCOUNTS.admin).resolveReference('acme/app', '9.9')).rejects.toThrow(
      NotFoundError,
    );
    const before = harbor.registryExchanges.length;
    for (const [repository, reference] of [
      ['app', '1.0'],
      ['Acme/app', '1.0'],
      ['acme/app', '-bad'],
      ['acme/app', 'sha256:abc'],
    ] as const) {
      await expect(connector(ACCOUNTS.admin).resolveReference(repository, reference)).rejects.toThrow(
        InvalidInputError,
      );
    }
    expect(harbor.registryExchanges.length).toBe(before);
  });

  describe('the connector contract', () => {
    runConnectorContract('harbor', {
      setup: async () => {
        const integration = {
          id: null,
          tenantId: 'default',
          type: 'registry' as const,
          authRef: 'authref://local/harbor',
        };
        return {
          plugin: asConnectorPlugin(createHarborPlugin()),
          working: {
            ...integration,
            name: 'working',
            endpoint: harbor.url,
            config: { plainHttp: true, projects: ['acme'] },
          },
          failing: {
            ...integration,
            name: 'failing',
            endpoint: 'http://127.0.0.1:9/',
            config: { plainHttp: true },
          },
          invalidConfigs: [
            { config: { plainHttp: 'yes' }, field: '/config/plainHttp' },
            { config: { projects: ['Acme'] }, field: '/config/projects/0' },
            { config: { tokenRealmHosts: ['https://x'] }, field: '/config/tokenRealmHosts/0' },
            { config: { repositories: ['acme/app'] }, field: '/config/repositories' },
          ],
          registryImage: { repository: 'acme/app', tag: '1.0', digest: app.digest },
          credentials: createInlineCredentialsAccessor(ACCOUNTS.robot),
          http,
        };
      },
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OCI_INDEX, OCI_MANIFEST, registryToolsAvailable } from '../../../test/support/registry.js';
import { runConnectorContract } from '../../plugins/contract.test-kit.js';
import { asConnectorPlugin } from '../../plugins/contracts.js';
import { createQuayPlugin } from './plugin.js';
import { credentialOf, LOGINS, type QuayWorld, startQuayWorld, TOKENS } from './quay.test-kit.js';

/**
 * The `quay` registry reader against the fake Quay front, in front of a REAL distribution registry
 * with token authentication holding images pushed by skopeo: repositories from the catalog without
 * an API token, tags through the API and the registry fallback, resolve, and the connector contract.
 * (Listing through the API alone, with its paging and refusals, is in registry.test.ts.)
 */

const available = await registryToolsAvailable();

describe.skipIf(!available)('quay plugin', () => {
  let world: QuayWorld;
  let quay: QuayWorld['quay'];
  const context: QuayWorld['context'] = (credentials, config) => world.context(credentials, config);

  beforeAll(async () => {
    world = await startQuayWorld();
    quay = world.quay;
  }, 90_000);
  afterAll(async () => {
    await world?.close();
  });

  it('lists repositories from the catalog without a token, only the configured namespaces when given', async () => {
    const plugin = createQuayPlugin();

    const all = await plugin.registry!(context(credentialOf(LOGINS.admin))).listRepositories();
    const acme = await plugin.registry!(
      context(credentialOf(LOGINS.admin), { namespaces: ['acme'] }),
    ).listRepositories({ pageSize: 2 });
    const more = await plugin.registry!(
      context(credentialOf(LOGINS.admin), { namespaces: ['acme'] }),
    ).listRepositories({ pageSize: 2, cursor: acme.nextCursor! });

    expect(all).toEqual({ items: ['acme/app', 'acme/multi', 'acme/tools', 'other/secret'] });
    expect(acme).toEqual({ items: ['acme/app', 'acme/multi'], nextCursor: 'acme/multi' });
    expect(more).toEqual({ items: ['acme/tools'] });
  });

  it('lists tags through the API, and falls back to the registry for a repository the token may not read', async () => {
    const reader = createQuayPlugin().registry!(context(credentialOf(LOGINS.scanner, TOKENS.read)));
    const before = quay.records.length;

    const viaApi = await reader.listTags('acme/app');
    const fallback = await reader.listTags('other/secret');

    expect(viaApi).toEqual({ items: ['2.0', '1.0'] });
    expect(fallback).toEqual({ items: ['1.0'] });
    const after = quay.records.slice(before).map((record) => `${record.status} ${record.path}`);
    expect(after).toContain('403 /api/v1/repository/other/secret/tag/');
    expect(after).toContain('200 /v2/other/secret/tags/list');
    expect(quay.violations).toEqual([]);
  });

  it('resolves manifests and indexes from the registry side', async () => {
    const reader = createQuayPlugin().registry!(context(credentialOf(LOGINS.scanner, TOKENS.read)));

    const single = await reader.resolveReference('acme/app', '1.0');
    const index = await reader.resolveReference('acme/multi', 'latest');

    expect(single).toEqual({ digest: world.images.app.digest, mediaType: OCI_MANIFEST });
    expect(index).toEqual({
      digest: world.images.multi.digest,
      mediaType: OCI_INDEX,
      platforms: [
        { digest: world.images.multi.manifests![0]!.digest, os: 'linux', architecture: 'amd64' },
        {
          digest: world.images.multi.manifests![1]!.digest,
          os: 'linux',
          architecture: 'arm64',
          variant: 'v8',
        },
      ],
    });
  });

  runConnectorContract('quay', {
    async setup() {
      const plugin = asConnectorPlugin(createQuayPlugin());
      const base = { tenantId: 'tenant-a', type: 'registry' as const, authRef: 'authref://local/quay' };
      return {
        plugin,
        working: {
          ...base,
          id: 'quay-w',
          name: 'quay',
          endpoint: quay.url,
          config: { plainHttp: true, repositories: ['acme/app'] },
        },
        failing: {
          ...base,
          id: 'quay-f',
          name: 'quay-down',
          endpoint: 'http://127.0.0.1:9',
          config: { plainHttp: true },
        },
        invalidConfigs: [
          { config: { plainHttp: true, namespaces: ['Acme'] }, field: '/config/namespaces/0' },
          { config: { plainHttp: true, endToEndHealth: 'yes' }, field: '/config/endToEndHealth' },
          { config: { plainHttp: true, projects: ['acme'] }, field: '/config/projects' },
        ],
        registryImage: { repository: 'acme/app', tag: '1.0', digest: world.images.app.digest },
        credentials: credentialOf(LOGINS.scanner, TOKENS.read),
        http: world.http,
      };
    },
  });
});

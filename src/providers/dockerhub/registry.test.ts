import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DOCKER_MANIFEST,
  OCI_INDEX,
  OCI_MANIFEST,
  registryToolsAvailable,
} from '../../../test/support/registry.js';
import { runConnectorContract } from '../../plugins/contract.test-kit.js';
import { asConnectorPlugin } from '../../plugins/contracts.js';
import { type CredentialsAccessor, noCredentials } from '../../secrets/index.js';
import type { DockerHubConfig } from './config.js';
import {
  BULK_REPOSITORIES,
  type DockerHubWorld,
  dockerHubContext,
  login,
  loopbackClient,
  startDockerHubWorld,
  USERS,
} from './dockerhub.test-kit.js';
import { createDockerHubPlugin } from './plugin.js';

/**
 * The `dockerhub` registry reader against the fake Hub API and the registry front, in front of a REAL
 * distribution registry with token authentication holding images pushed by skopeo: resolving without
 * spending a pull, two namespaces listed page by page, anonymous listing of public repositories, tags
 * of official images, the Hub login kept across operations, a revoked token, and the shared connector
 * contract.
 */

const available = await registryToolsAvailable();

describe.skipIf(!available)('dockerhub registry reader', () => {
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

  // Each case its own integration id: saved integrations share cached logins within a plugin instance.
  const context = (credentials: CredentialsAccessor, config: Partial<DockerHubConfig> = {}) =>
    dockerHubContext({
      endpoint: world.front.url,
      http,
      credentials,
      id: `dockerhub-${++ids}`,
      config: { hubApiUrl: world.hub.url, ...config },
    });

  it('resolves a tag with a HEAD, spending no pull; an index needs a GET, which is one', async () => {
    const reader = createDockerHubPlugin().registry!(context(login('alice', USERS.alice.read)));

    const single = await reader.resolveReference('acme/app', '1.0');
    const afterSingle = world.front.remaining('alice');
    const index = await reader.resolveReference('acme/multi', 'latest');
    const official = await reader.resolveReference('nginx', 'latest');

    expect(single).toEqual({ digest: world.images.app.digest, mediaType: OCI_MANIFEST });
    expect(afterSingle).toBe(100);
    expect(index.mediaType).toBe(OCI_INDEX);
    expect(index.platforms).toHaveLength(2);
    expect(official).toEqual({ digest: world.images.nginx.digest, mediaType: DOCKER_MANIFEST });
    expect(world.front.remaining('alice')).toBe(99);
  });

  it('lists the repositories of two namespaces page by page, following Docker Hub pages', async () => {
    const reader = createDockerHubPlugin().registry!(
      context(login('alice', USERS.alice.read), { namespaces: ['bulk', 'acme'] }),
    );
    const listed = world.hub.records.length;

    const pages: (readonly string[])[] = [];
    let cursor: string | undefined;
    do {
      const page = await reader.listRepositories({ pageSize: 40, ...(cursor ? { cursor } : {}) });
      pages.push(page.items);
      cursor = page.nextCursor;
    } while (cursor);

    const bulk = Array.from(
      { length: BULK_REPOSITORIES },
      (_, i) => `bulk/repo-${String(i).padStart(3, '0')}`,
    );
    expect(pages.flat()).toEqual(['acme/api', 'acme/app', 'acme/multi', ...bulk]);
    expect(pages.map((page) => page.length)).toEqual([40, 40, 28]);
    const requests = world.hub.records.slice(listed).filter((record) => record.path.includes('/namespaces/'));
    // acme's one page; bulk's first page three times (each of our pages starts in it), then its second.
    expect(requests.map((record) => record.path)).toEqual([
      '/v2/namespaces/acme/repositories',
      ...Array(4).fill('/v2/namespaces/bulk/repositories'),
    ]);
  });

  it('lists public repositories only to anonymous callers, and lists configured ones without namespaces', async () => {
    const plugin = createDockerHubPlugin();

    const anonymous = await plugin.registry!(
      context(noCredentials, { namespaces: ['acme'] }),
    ).listRepositories();
    const configured = await plugin.registry!(
      context(noCredentials, { repositories: ['nginx', 'acme/api'] }),
    ).listRepositories({ pageSize: 1 });
    const none = await plugin.registry!(context(noCredentials))
      .listRepositories()
      .catch((error: Error) => error);

    expect(anonymous).toEqual({ items: ['acme/api', 'acme/multi'] });
    expect(configured.items).toEqual(['acme/api']);
    expect(configured.nextCursor).toBeDefined();
    expect(none).toMatchObject({ code: 'registry_catalog_unavailable' });
    expect((none as Error).message).toMatch(/config\.namespaces/);
  });

  it('lists tags, official images by their short name, and keeps one Hub login across operations', async () => {
    const plugin = createDockerHubPlugin();
    const alice = context(login('alice', USERS.alice.read), { namespaces: ['acme'] });
    const issued = world.hub.issued.length;

    const tags = await plugin.registry!(alice).listTags('acme/app');
    const official = await plugin.registry!(alice).listTags('nginx');
    await plugin.registry!(alice).listRepositories();
    await plugin.registry!(alice).listRepositories();
    const afterTwo = world.hub.issued.length;
    world.hub.expireTokens();
    const again = await plugin.registry!(alice).listRepositories();

    expect(tags).toEqual({ items: ['1.0', 'latest'] });
    expect(official).toEqual({ items: ['latest'] });
    expect(afterTwo).toBe(issued + 1);
    expect(again.items).toContain('acme/app');
    expect(world.hub.issued.length).toBe(issued + 2);
  });

  it('refuses a revoked token everywhere, without the token in any message', async () => {
    const plugin = createDockerHubPlugin();
    const revoked = context(login('alice', USERS.alice.revoked), { namespaces: ['acme'] });

    const listing = await plugin.registry!(revoked)
      .listRepositories()
      .catch((error: Error) => error);
    const tags = await plugin.registry!(revoked)
      .listTags('acme/api')
      .catch((error: Error) => error);
    const health = await plugin.checkHealth(revoked);

    expect(listing).toMatchObject({ code: 'registry_auth_failed', reason: 'refused' });
    expect(tags).toMatchObject({ code: 'registry_auth_failed', reason: 'refused' });
    expect(health.status).toBe('unhealthy');
    expect(health.message).toMatch(/refused the credentials/);
    for (const text of [(listing as Error).message, (tags as Error).message, health.message])
      expect(text).not.toContain(USERS.alice.revoked);
  });

  runConnectorContract('dockerhub', {
    setup: async () => {
      const integration = {
        id: null,
        tenantId: 'default',
        type: 'registry' as const,
        authRef: 'authref://local/hub',
      };
      return {
        plugin: asConnectorPlugin(createDockerHubPlugin()),
        working: {
          ...integration,
          name: 'working',
          endpoint: world.front.url,
          config: { plainHttp: true, hubApiUrl: world.hub.url, namespaces: ['acme'] },
        },
        failing: {
          ...integration,
          name: 'failing',
          endpoint: 'http://127.0.0.1:9/',
          config: { plainHttp: true, hubApiUrl: 'http://127.0.0.1:9/' },
        },
        invalidConfigs: [
          { config: { namespaces: ['Acme'] }, field: '/config/namespaces/0' },
          { config: { plainHttp: 'yes' }, field: '/config/plainHttp' },
          { config: { repositories: ['Acme/App'] }, field: '/config/repositories/0' },
          { config: { hubApiUrl: 42 }, field: '/config/hubApiUrl' },
          { config: { projects: ['acme'] }, field: '/config/projects' },
        ],
        registryImage: { repository: 'acme/app', tag: '1.0', digest: world.images.app.digest },
        credentials: login('alice', USERS.alice.read),
        http,
      };
    },
  });

  it('sent nothing outside the contracts', () => {
    expect(world.hub.violations).toEqual([]);
    expect(world.front.violations).toEqual([]);
  });
});

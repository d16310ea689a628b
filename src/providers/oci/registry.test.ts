import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  OCI_INDEX,
  OCI_MANIFEST,
  type PushedImage,
  pushImage,
  REGISTRY_USERS,
  type RegistryAuth,
  registryToolsAvailable,
  startRegistry,
  type TestRegistry,
} from '../../../test/support/registry.js';
import { NotFoundError } from '../../core/errors.js';
import { runConnectorContract } from '../../plugins/contract.test-kit.js';
import { asConnectorPlugin, type RegistryConnector } from '../../plugins/contracts.js';
import { createInlineCredentialsAccessor } from '../../secrets/index.js';
import type { OciConfig } from './config.js';
import { RegistryAuthError } from './errors.js';
import { loopbackClient, type OciContextOptions, ociContext } from './oci.test-kit.js';
import { createOciPlugin } from './plugin.js';

/**
 * The provider against a real CNCF distribution registry (`docker-registry`), anonymous, with
 * htpasswd Basic authentication, and with token authentication through the suite's token server,
 * holding images pushed by skopeo. What a real registry never sends is in faults.test.ts.
 */

const available = await registryToolsAvailable();

/** Everything every registry below holds. */
interface Images {
  readonly app: Record<'1.0' | '1.1' | 'latest', PushedImage>;
  readonly api: PushedImage;
  readonly index: PushedImage;
  readonly list: PushedImage;
}

const REPOSITORIES = ['acme/api', 'acme/app', 'acme/list', 'acme/multi', 'zeta/tool'];
const PLATFORMS = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64', variant: 'v8' },
];

async function fill(registry: TestRegistry): Promise<Images> {
  const user = registry.auth === 'none' ? undefined : ('admin' as const);
  const push = (repository: string, tag: string, extra: Partial<Parameters<typeof pushImage>[1]> = {}) =>
    pushImage(registry, { repository, tag, format: 'oci', content: `${repository}:${tag}`, user, ...extra });
  const [v10, v11, latest, api, index, list] = await Promise.all([
    push('acme/app', '1.0'),
    push('acme/app', '1.1'),
    push('acme/app', 'latest'),
    push('acme/api', '2.0', { format: 'docker' }),
    push('acme/multi', '1', { platforms: PLATFORMS }),
    push('acme/list', '1', { format: 'docker', platforms: PLATFORMS }),
    push('zeta/tool', 'x'),
  ]);
  return { app: { '1.0': v10!, '1.1': v11!, latest: latest! }, api: api!, index: index!, list: list! };
}

async function allPages(
  read: (cursor: string | undefined) => Promise<{ items: readonly string[]; nextCursor?: string }>,
) {
  const pages: string[][] = [];
  let cursor: string | undefined;
  do {
    const page = await read(cursor);
    pages.push([...page.items]);
    cursor = page.nextCursor;
  } while (cursor !== undefined && pages.length < 20);
  return pages;
}

describe.skipIf(!available).each(['none', 'basic', 'token'] as const)(
  'a real registry, auth %s',
  (auth: RegistryAuth) => {
    let registry: TestRegistry;
    let images: Images;
    const http = loopbackClient();
    const plugin = createOciPlugin();
    const as = (options: Partial<OciContextOptions> = {}) =>
      ociContext({
        endpoint: registry.url,
        http,
        ...(auth === 'none' ? {} : { username: 'admin', password: REGISTRY_USERS.admin }),
        ...options,
      });
    const connector = (options: Partial<OciContextOptions> = {}): RegistryConnector =>
      plugin.registry!(as(options));

    beforeAll(async () => {
      registry = await startRegistry({ auth });
      images = await fill(registry);
    }, 60_000);
    afterAll(async () => {
      await registry?.stop();
      await http.close();
    });

    it('passes a connection test, step by step', async () => {
      const result = await plugin.testConnection(as({ config: { repositories: ['acme/app', 'acme/api'] } }));

      expect(result.checks.map((check) => [check.name, check.ok])).toEqual([
        ['reachable', true],
        ['registry', true],
        ['authenticated', true],
        ['catalog', true],
        ['repository acme/app', true],
        ['repository acme/api', true],
      ]);
      expect(result.success).toBe(true);
      expect(result.checks[1]?.message).toBe('the registry speaks registry/2.0');
      expect(result.checks[2]?.message).toMatch(
        auth === 'none' ? /anonymous access/ : /accepts the credentials/,
      );
    });

    it('is healthy', async () => {
      expect(await plugin.checkHealth(as())).toEqual({
        status: 'healthy',
        message: expect.stringMatching(/registry\/2\.0/),
      });
    });

    it('lists the catalog page by page, following the registry’s Link', async () => {
      const pages = await allPages((cursor) =>
        connector().listRepositories({ pageSize: 2, ...(cursor ? { cursor } : {}) }),
      );

      expect(pages).toEqual([REPOSITORIES.slice(0, 2), REPOSITORIES.slice(2, 4), REPOSITORIES.slice(4)]);
    });

    it('lists tags page by page; an unknown repository is not found', async () => {
      const pages = await allPages((cursor) =>
        connector().listTags('acme/app', { pageSize: 2, ...(cursor ? { cursor } : {}) }),
      );

      expect(pages).toEqual([['1.0', '1.1'], ['latest']]);
      await expect(connector().listTags('acme/nothing')).rejects.toThrow(NotFoundError);
    });

    it('resolves OCI and Docker manifests by tag and by digest', async () => {
      const app = images.app['1.1'];
      expect(await connector().resolveReference('acme/app', '1.1')).toEqual({
        digest: app.digest,
        mediaType: OCI_MANIFEST,
      });
      expect(await connector().resolveReference('acme/app', app.digest)).toEqual({
        digest: app.digest,
        mediaType: OCI_MANIFEST,
      });
      expect(app.mediaType).toBe(OCI_MANIFEST);
      expect(await connector().resolveReference('acme/api', '2.0')).toEqual({
        digest: images.api.digest,
        mediaType: DOCKER_MANIFEST,
      });
    });

    it.each([
      ['an OCI image index', 'acme/multi', 'index', OCI_INDEX],
      ['a Docker manifest list', 'acme/list', 'list', DOCKER_MANIFEST_LIST],
    ] as const)('resolves %s to its digest and platforms', async (_name, repository, key, mediaType) => {
      const pushed = images[key];
      const resolved = await connector().resolveReference(repository, '1');

      expect(resolved.digest).toBe(pushed.digest);
      expect(resolved.mediaType).toBe(mediaType);
      expect(resolved.platforms).toEqual(
        pushed.manifests?.map((manifest) => ({ digest: manifest.digest, ...manifest.platform })),
      );
      expect(resolved.platforms?.map((platform) => platform.architecture)).toEqual(['amd64', 'arm64']);
      // By digest, the same answer.
      expect(await connector().resolveReference(repository, pushed.digest)).toEqual(resolved);
    });

    it('tells an unknown manifest from an unknown repository', async () => {
      await expect(connector().resolveReference('acme/app', '9.9')).rejects.toThrow(
        "manifest 'acme/app:9.9' was not found",
      );
      await expect(connector().resolveReference('acme/app', `sha256:${'0'.repeat(64)}`)).rejects.toThrow(
        NotFoundError,
      );
      await expect(connector().resolveReference('acme/nothing', '1')).rejects.toThrow(NotFoundError);
    });

    // An anonymous registry has nothing to refuse.
    if (auth !== 'none') {
      it('fails the connection test at the authenticated step with a wrong password', async () => {
        const result = await plugin.testConnection(as({ password: 'wrong-password' }));

        expect(result.success).toBe(false);
        expect(result.checks.map((check) => [check.name, check.ok])).toEqual([
          ['reachable', true],
          ['registry', true],
          ['authenticated', false],
        ]);
        expect(result.message).toMatch(/refused the credentials/);
        expect(result.message).not.toContain('wrong-password');
        expect((await plugin.checkHealth(as({ password: 'wrong-password' }))).status).toBe('unhealthy');
      });

      it('without credentials, says to set authRef', async () => {
        const anonymous = ociContext({ endpoint: registry.url, http });
        const result = await plugin.testConnection(anonymous);

        expect(result.success).toBe(false);
        expect(result.message).toMatch(/authRef/);
        await expect(plugin.registry!(anonymous).listTags('acme/app')).rejects.toThrow(RegistryAuthError);
      });
    }
  },
);

describe.skipIf(!available)('token authentication against a real registry', () => {
  let registry: TestRegistry;
  let pushed: PushedImage;
  const http = loopbackClient();
  const tokens = () => registry.tokenServer!;
  const reader = (options: Partial<OciContextOptions> = {}) =>
    ociContext({
      endpoint: registry.url,
      http,
      username: 'reader',
      password: REGISTRY_USERS.reader,
      ...options,
    });

  beforeAll(async () => {
    registry = await startRegistry({ auth: 'token' });
    pushed = await pushImage(registry, { repository: 'acme/app', tag: '1.0', format: 'oci', user: 'admin' });
    await pushImage(registry, { repository: 'acme/api', tag: '1.0', format: 'oci', user: 'admin' });
  }, 60_000);
  afterAll(async () => {
    await registry?.stop();
    await http.close();
  });

  it('asks for the scope the operation needs, as the account, with Basic credentials', async () => {
    const before = tokens().requests.length;
    await createOciPlugin().registry!(reader()).listTags('acme/app');

    const asked = tokens().requests.slice(before);
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({
      method: 'GET',
      scopes: ['repository:acme/app:pull'],
      basic: true,
      username: 'reader',
      status: 200,
    });
    expect(asked[0]?.params.service).toEqual(['test-registry']);
    expect(asked[0]?.params.account).toEqual(['reader']);
  });

  it('keeps a token until it is nearly spent, per tenant and integration', async () => {
    let clock = Date.now();
    const plugin = createOciPlugin({ now: () => clock });
    const count = () => tokens().requests.length;
    const start = count();

    await plugin.registry!(reader()).listTags('acme/app');
    await plugin.registry!(reader()).resolveReference('acme/app', '1.0');
    expect(count() - start).toBe(1);

    // Another tenant, and an unsaved integration, never use this one's token.
    await plugin.registry!(reader({ tenantId: 'tenant-b' })).listTags('acme/app');
    await plugin.registry!(reader({ id: null })).listTags('acme/app');
    expect(count() - start).toBe(3);

    // 300 s tokens are renewed when 10 % of their life is left (issue times are whole seconds).
    clock += 265_000;
    await plugin.registry!(reader()).listTags('acme/app');
    expect(count() - start).toBe(3);
    clock += 6_000;
    await plugin.registry!(reader()).listTags('acme/app');
    expect(count() - start).toBe(4);
  });

  it('fetches a token again once when the registry refuses a cached one', async () => {
    const plugin = createOciPlugin();
    const count = () => tokens().requests.length;
    // Tokens issued now expired two minutes ago, past the registry's leeway, and their negative
    // `expires_in` counts as the default 60 s: the one fetched is cached though the registry refuses it.
    tokens().setExpiresIn(-120);
    try {
      const failure = await plugin.registry!(reader())
        .listTags('acme/app')
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(RegistryAuthError);
      expect((failure as RegistryAuthError).reason).toBe('refused');
      expect((failure as Error).message).toMatch(/the registry refused the credentials: HTTP 401/);
    } finally {
      tokens().setExpiresIn(300);
    }
    const before = count();

    // The cached token is sent, refused, and a fresh one fetched: one token request, and it works.
    await expect(plugin.registry!(reader()).listTags('acme/app')).resolves.toEqual({ items: ['1.0'] });
    expect(count() - before).toBe(1);
  });

  it('retries a token service that fails for a moment', async () => {
    const before = tokens().requests.length;
    tokens().failNext(1, 503);

    await expect(createOciPlugin().registry!(reader()).listTags('acme/app')).resolves.toEqual({
      items: ['1.0'],
    });
    expect(
      tokens()
        .requests.slice(before)
        .map((request) => request.status),
    ).toEqual([503, 200]);
  });

  it('a wrong password is refused by the token service, which is asked once', async () => {
    const before = tokens().requests.length;
    const result = await createOciPlugin().testConnection(reader({ password: 'nope' }));

    expect(result.success).toBe(false);
    expect(result.message).toMatch(/the token service at 127\.0\.0\.1:\d+ refused the credentials: HTTP 401/);
    expect(
      tokens()
        .requests.slice(before)
        .map((request) => request.status),
    ).toEqual([401]);
  });

  it('without the catalog grant: the configured repositories stand in, and the test says so', async () => {
    const plugin = createOciPlugin();
    const bare = await plugin.registry!(reader())
      .listRepositories()
      .catch((error: unknown) => error);
    expect((bare as Error).message).toMatch(
      /does not let these credentials read its catalog \(the credentials are accepted but do not grant registry:catalog:\*\); list the repositories in config\.repositories/,
    );

    const config: Partial<OciConfig> = { repositories: ['acme/app', 'acme/api', 'acme/gone'] };
    const first = await plugin.registry!(reader({ config })).listRepositories({ pageSize: 2 });
    expect(first).toEqual({ items: ['acme/api', 'acme/app'], nextCursor: 'acme/app' });
    expect(
      await plugin.registry!(reader({ config })).listRepositories({ pageSize: 2, cursor: 'acme/app' }),
    ).toEqual({
      items: ['acme/gone'],
    });

    const result = await plugin.testConnection(reader({ config }));
    expect(result.checks.map((check) => [check.name, check.ok])).toEqual([
      ['reachable', true],
      ['registry', true],
      ['authenticated', true],
      ['catalog', true],
      ['repository acme/app', true],
      ['repository acme/api', true],
      ['repository acme/gone', false],
    ]);
    expect(result.checks[3]?.message).toMatch(/configured repositories are listed instead/);
    expect(result.checks[6]?.message).toBe("repository 'acme/gone' was not found");
  });

  it('anonymous callers get no grant here, and are told to set authRef', async () => {
    const anonymous = ociContext({ endpoint: registry.url, http });
    await expect(createOciPlugin().registry!(anonymous).listTags('acme/app')).rejects.toThrow(
      /does not grant repository:acme\/app:pull without credentials; set the integration's authRef/,
    );
  });

  describe('the connector contract', () => {
    runConnectorContract('oci', {
      setup: async () => {
        const integration = { id: null, tenantId: 'default', type: 'registry' as const, authRef: null };
        return {
          plugin: asConnectorPlugin(createOciPlugin()),
          working: { ...integration, name: 'working', endpoint: registry.url, config: { plainHttp: true } },
          failing: {
            ...integration,
            name: 'failing',
            endpoint: 'http://127.0.0.1:9/',
            config: { plainHttp: true },
          },
          invalidConfigs: [
            { config: { plainHttp: 'yes' }, field: '/config/plainHttp' },
            { config: { repositories: ['Acme/App'] }, field: '/config/repositories/0' },
            { config: { tokenRealmHosts: ['https://x'] }, field: '/config/tokenRealmHosts/0' },
            { config: { unknown: true }, field: '/config/unknown' },
          ],
          registryImage: { repository: 'acme/app', tag: '1.0', digest: pushed.digest },
          credentials: createInlineCredentialsAccessor({ username: 'admin', password: REGISTRY_USERS.admin }),
          http,
        };
      },
    });
  });
});

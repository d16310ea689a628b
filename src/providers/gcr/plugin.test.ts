import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FakeGoogleTokenService,
  startFakeGoogleTokenService,
} from '../../../test/fakes/google/fake-token-service.js';
import type { ServiceAccountKeyFile } from '../../../test/fakes/google/service-accounts.js';
import {
  OCI_INDEX,
  OCI_MANIFEST,
  type PushedImage,
  pushImage,
  registryToolsAvailable,
  startRegistry,
  type TestRegistry,
} from '../../../test/support/registry.js';
import { NotFoundError } from '../../core/errors.js';
import { makeClient } from '../../net/loopback-server.test-kit.js';
import { runConnectorContract } from '../../plugins/contract.test-kit.js';
import { asConnectorPlugin } from '../../plugins/contracts.js';
import { createInlineCredentialsAccessor, noCredentials, Secret } from '../../secrets/index.js';
import { RegistryAuthError } from '../oci/index.js';
import type { GcrConfig } from './config.js';
import { type GcrContextOptions, gcrContext } from './gcr.test-kit.js';
import { readGoogleCredential } from './key.js';
import { createGcrPlugin } from './plugin.js';
import { mintAccessToken } from './token-service.js';

/**
 * The provider against the fake Google token service and a real distribution registry with token
 * authentication that takes `oauth2accesstoken` and exactly the access tokens the fake minted: the
 * `reader` account's tokens may pull, the `lister` account's may also read the catalog, the
 * `outsider` account's are refused by the registry.
 */

const available = await registryToolsAvailable();
const PROJECT = 'acme-prod';
const APP = `${PROJECT}/images/app`;
const MULTI = `${PROJECT}/images/multi`;

describe.skipIf(!available)('gcr against the fake token service and a real registry', () => {
  let clock = Date.now();
  const now = () => clock;
  let google: FakeGoogleTokenService;
  let registry: TestRegistry;
  let emptyRegistry: TestRegistry;
  let app: PushedImage;
  let multi: PushedImage;
  const keys = {} as Record<'reader' | 'lister' | 'outsider', ServiceAccountKeyFile>;
  const outbound = makeClient({ allowPrivateNetworks: true, allowAnyPort: true });
  const http = outbound.client;
  let ids = 0;

  const roleOf = (username: string, password: string) => {
    if (username !== 'oauth2accesstoken') return undefined;
    const account = google.accountOf(password);
    if (account === keys.lister.client_email) return 'admin' as const;
    return account === keys.reader.client_email ? ('reader' as const) : undefined;
  };

  beforeAll(async () => {
    google = await startFakeGoogleTokenService({ now });
    keys.reader = google.addServiceAccount('reader', PROJECT);
    keys.lister = google.addServiceAccount('lister', PROJECT);
    keys.outsider = google.addServiceAccount('outsider', PROJECT);
    [registry, emptyRegistry] = await Promise.all([
      startRegistry({ auth: 'token', accountCheck: roleOf }),
      startRegistry({ auth: 'token', accountCheck: roleOf }),
    ]);
    [app, , multi] = (await Promise.all([
      pushImage(registry, { repository: APP, tag: '1.0', format: 'oci', content: 'app 1.0', user: 'admin' }),
      pushImage(registry, { repository: APP, tag: '1.1', format: 'oci', content: 'app 1.1', user: 'admin' }),
      pushImage(registry, {
        repository: MULTI,
        tag: '1',
        format: 'oci',
        user: 'admin',
        platforms: [
          { os: 'linux', architecture: 'amd64' },
          { os: 'linux', architecture: 'arm64', variant: 'v8' },
        ],
      }),
    ])) as [PushedImage, PushedImage, PushedImage];
  }, 90_000);
  afterAll(async () => {
    await Promise.all([registry?.stop(), emptyRegistry?.stop(), google?.close()]);
    await http.close();
  });

  /** A context for a fresh saved integration (its own caches) unless `id` is given. */
  const context = (options: Partial<GcrContextOptions> & { config?: Partial<GcrConfig> } = {}) =>
    gcrContext({
      endpoint: registry.url,
      http,
      secret: keys.reader,
      id: `gcr-${++ids}`,
      ...options,
      config: { tokenUri: google.tokenUri, ...options.config },
    });
  const minted = () => google.minted.length;

  it('passes the connection test step by step, minting one token for it', async () => {
    const before = minted();

    const result = await createGcrPlugin({ now }).testConnection(
      context({ config: { repositories: [APP] } }),
    );

    expect(result.checks.map((check) => [check.name, check.ok])).toEqual([
      ['endpoint', true],
      ['key', true],
      ['access token', true],
      ['reachable', true],
      ['registry', true],
      ['authenticated', true],
      ['catalog', true],
      [`repository ${APP}`, true],
    ]);
    expect(result.checks[1]?.message).toBe(
      'the service account reader@acme-prod.iam.gserviceaccount.com (project acme-prod), scopes cloud-platform',
    );
    expect(result.checks[2]?.message).toMatch(
      /^the token service at 127\.0\.0\.1:\d+ issued an access token for reader@.*, valid 3599 s$/,
    );
    expect(result.checks[6]?.message).toMatch(
      /cannot be read with these credentials; the 1 configured repositories are listed instead/,
    );
    expect(result).toMatchObject({
      success: true,
      message: expect.stringMatching(
        /^connected to the registry at 127\.0\.0\.1:\d+ as the service account reader@/,
      ),
    });
    expect(minted() - before).toBe(1);
    expect(google.violations).toEqual([]);
  });

  it('reads the catalog when the account may, and says what to grant when it may not', async () => {
    const plugin = createGcrPlugin({ now });

    const lister = await plugin.testConnection(context({ secret: keys.lister }));
    const reader = await plugin.testConnection(context());

    expect(lister.success).toBe(true);
    expect(lister.checks.find((check) => check.name === 'catalog')?.message).toBe('the catalog can be read');
    expect(reader.success).toBe(false);
    expect(reader.checks.find((check) => check.name === 'catalog')?.message).toMatch(
      /does not let these credentials read its catalog.*; grant the service account reader@acme-prod\.iam\.gserviceaccount\.com the role roles\/artifactregistry\.reader on project acme-prod/,
    );
  });

  it('tells a registry that refuses the token from a key Google refuses', async () => {
    const plugin = createGcrPlugin({ now });
    const account = google.addServiceAccount('revoked', PROJECT);
    google.disableKey(account.private_key_id);

    const outsider = await plugin.testConnection(context({ secret: keys.outsider }));
    const revoked = await plugin.testConnection(context({ secret: account }));
    const health = await plugin.checkHealth(context({ secret: account }));
    const read = await plugin.registry!(context({ secret: account }))
      .listTags(APP)
      .catch((error: unknown) => error);

    expect(outsider.checks.find((check) => !check.ok)).toEqual({
      name: 'authenticated',
      ok: false,
      message: expect.stringMatching(
        /refused the credentials.*; the registry refused the access token: Artifact Registry needs the scope cloud-platform/,
      ),
    });
    expect(revoked.checks.at(-1)).toEqual({
      name: 'access token',
      ok: false,
      message: expect.stringMatching(
        /refused the key of revoked@acme-prod\.iam\.gserviceaccount\.com \(invalid_grant: Invalid JWT Signature\.\); the key was deleted or disabled/,
      ),
    });
    expect(revoked.success).toBe(false);
    expect(health).toEqual({ status: 'unhealthy', message: expect.stringMatching(/Invalid JWT Signature/) });
    expect(read).toBeInstanceOf(RegistryAuthError);
    expect((read as RegistryAuthError).reason).toBe('refused');
  });

  it('reports a scope Google refuses at the access token step', async () => {
    const result = await createGcrPlugin({ now }).testConnection(
      context({ config: { scopes: ['https://www.googleapis.com/auth/not-a-scope'] } }),
    );

    expect(result.checks.at(-1)).toEqual({
      name: 'access token',
      ok: false,
      message: expect.stringMatching(
        /refused the scopes asked for \(invalid_scope: Invalid OAuth scope or ID token audience provided\.\); config\.scopes/,
      ),
    });
    expect(google.violations).toEqual([]);
  });

  it("never sends an assertion to a key's token_uri that is not Google's", async () => {
    const before = google.requests.length;
    const rogue = { ...keys.reader, token_uri: google.tokenUri };

    const result = await createGcrPlugin({ now }).testConnection(
      gcrContext({ endpoint: registry.url, http, secret: rogue, id: 'gcr-rogue' }),
    );

    expect(result.checks.at(-1)).toMatchObject({
      name: 'access token',
      ok: false,
      message: expect.stringMatching(/not Google's token service/),
    });
    expect(google.requests.length).toBe(before);
  });

  it('lists, reads tags and resolves with one token, and mints anew near its expiry', async () => {
    const plugin = createGcrPlugin({ now });
    const ctx = context({ secret: keys.lister, id: 'gcr-cached' });
    const before = minted();

    const repositories = await plugin.registry!(ctx).listRepositories();
    const tags = await plugin.registry!(ctx).listTags(APP);
    const resolved = await plugin.registry!(ctx).resolveReference(APP, '1.0');
    const index = await plugin.registry!(ctx).resolveReference(MULTI, '1');
    const health = await plugin.checkHealth(ctx);
    const afterFirst = minted() - before;
    clock += 3300 * 1000; // 299 s left of 3599: inside the 10 % margin
    const later = await plugin.registry!(ctx).listTags(APP);
    clock -= 3300 * 1000;

    expect(repositories).toEqual({ items: [APP, MULTI] });
    expect(tags).toEqual({ items: ['1.0', '1.1'] });
    expect(resolved).toEqual({ digest: app.digest, mediaType: OCI_MANIFEST });
    expect(index).toMatchObject({
      digest: multi.digest,
      mediaType: OCI_INDEX,
      platforms: [{ architecture: 'amd64' }, { architecture: 'arm64', variant: 'v8' }],
    });
    expect(health).toEqual({
      status: 'healthy',
      message: expect.stringMatching(/the credentials are accepted \(the service account lister@/),
    });
    expect(afterFirst).toBe(1);
    expect(later.items).toEqual(['1.0', '1.1']);
    expect(minted() - before).toBe(2);
    const requests = await outbound.registry.getSingleMetricAsString('integrations_outbound_requests_total');
    for (const operation of [
      'mint_access_token',
      'token',
      'list_repositories',
      'list_tags',
      'head_manifest',
      'get_manifest',
      'health',
    ])
      expect(requests).toContain(`provider="gcr",operation="${operation}"`);
  });

  it('serves the configured repositories when the catalog is refused or empty, a page at a time', async () => {
    const plugin = createGcrPlugin({ now });
    const configured = { repositories: [MULTI, APP, `${PROJECT}/images/zeta`] };

    const refused = plugin.registry!(context({ config: configured }));
    const empty = plugin.registry!(
      context({ secret: keys.lister, endpoint: emptyRegistry.url, config: configured }),
    );
    const nothing = plugin.registry!(context({ secret: keys.lister, endpoint: emptyRegistry.url }));
    const first = await empty.listRepositories({ pageSize: 2 });
    const second = await empty.listRepositories({ pageSize: 2, cursor: first.nextCursor! });

    expect(await refused.listRepositories()).toEqual({ items: [APP, MULTI, `${PROJECT}/images/zeta`] });
    expect(first).toEqual({ items: [APP, MULTI], nextCursor: `configured:${MULTI}` });
    expect(second).toEqual({ items: [`${PROJECT}/images/zeta`] });
    expect(await nothing.listRepositories()).toEqual({ items: [] });
    const emptyTest = await plugin.testConnection(
      context({ secret: keys.lister, endpoint: emptyRegistry.url }),
    );
    expect(emptyTest.checks.find((check) => check.name === 'catalog')?.message).toMatch(
      /lists no repository; Artifact Registry's catalog lists nothing for most accounts: list the images to use in config\.repositories/,
    );
  });

  it('reports unknown repositories and tags as not found, with what names look like', async () => {
    const plugin = createGcrPlugin({ now });

    const tags = await plugin.registry!(context())
      .listTags(`${PROJECT}/images/nope`)
      .catch((error: unknown) => error);
    const tag = await plugin.registry!(context())
      .resolveReference(APP, '9.9')
      .catch((error: unknown) => error);
    const tested = await plugin.testConnection(
      context({ secret: keys.lister, config: { repositories: [`${PROJECT}/nope`] } }),
    );

    expect(tags).toBeInstanceOf(NotFoundError);
    expect(tag).toBeInstanceOf(NotFoundError);
    expect(tested.checks.at(-1)?.message).toMatch(
      /not found; names are <project>\/<repository>\/<image> on Artifact Registry/,
    );
  });

  it('takes docker login shapes: _json_key as the key, an access token passed through', async () => {
    const plugin = createGcrPlugin({ now });
    const credential = readGoogleCredential(Secret.from(JSON.stringify(keys.reader)));
    if (credential.kind !== 'key') throw new Error('a key was expected');
    const token = await mintAccessToken(credential.key, {
      http,
      signal: new AbortController().signal,
      tokenUri: new URL(google.tokenUri),
      scopes: ['https://www.googleapis.com/auth/cloud-platform'],
      now,
    });
    const before = minted();

    const viaJsonKey = await plugin.registry!(
      context({ secret: { username: '_json_key', password: JSON.stringify(keys.reader) } }),
    ).listTags(APP);
    const mintedForJsonKey = minted() - before;
    const passed = await plugin.testConnection(
      context({
        secret: { username: 'oauth2accesstoken', password: token.value },
        config: { repositories: [APP] },
      }),
    );

    expect(viaJsonKey.items).toEqual(['1.0', '1.1']);
    expect(mintedForJsonKey).toBe(1);
    expect(passed.success).toBe(true);
    expect(passed.checks[2]).toEqual({
      name: 'access token',
      ok: true,
      message: 'nothing to mint: the credential is an access token',
    });
    expect(minted() - before).toBe(1);
  });

  it('says what to fix without a credential, with a bad key, with a host that is not Google', async () => {
    const plugin = createGcrPlugin({ now });

    const none = await plugin.testConnection(
      gcrContext({
        endpoint: registry.url,
        http,
        credentials: noCredentials,
        config: { tokenUri: google.tokenUri },
      }),
    );
    const bad = await plugin.testConnection(
      context({ secret: { ...keys.reader, type: 'authorized_user' } as unknown as ServiceAccountKeyFile }),
    );
    const host = await plugin.testConnection(context({ config: { nonGoogleHost: false } }));
    const health = await plugin.checkHealth(
      gcrContext({ endpoint: registry.url, http, credentials: noCredentials }),
    );
    const read = await plugin.registry!(
      gcrContext({ endpoint: registry.url, http, credentials: noCredentials }),
    )
      .listTags(APP)
      .catch((error: unknown) => error);

    expect(none.checks.at(-1)).toEqual({
      name: 'key',
      ok: false,
      message: expect.stringMatching(/no credential: set authRef/),
    });
    expect(bad.checks.at(-1)).toEqual({
      name: 'key',
      ok: false,
      message: expect.stringMatching(/type must be 'service_account', not 'authorized_user'/),
    });
    expect(host.checks).toEqual([
      {
        name: 'endpoint',
        ok: false,
        message: expect.stringMatching(/not one of Google's registry hosts.*config\.nonGoogleHost/),
      },
    ]);
    expect(health).toEqual({ status: 'unhealthy', message: expect.stringMatching(/no credential/) });
    expect((read as Error).message).toMatch(/no credential/);
  });

  it('retries a token service that answers 503, then reports it as a step to try again', async () => {
    const plugin = createGcrPlugin({ now });
    google.inject({ status: 503, body: { error: 'backendError' } }, 1);
    const recovered = await plugin.testConnection(context({ config: { repositories: [APP] } }));
    google.inject({ status: 503, body: { error: 'backendError' } }, 3);

    const failed = await plugin.testConnection(context());

    expect(recovered.success).toBe(true);
    expect(failed.checks.at(-1)).toEqual({
      name: 'access token',
      ok: false,
      message: expect.stringMatching(/HTTP 503 after 3 attempts; try again later/),
    });
  });

  runConnectorContract('gcr', {
    setup: async () => {
      const integration = {
        id: null,
        tenantId: 'default',
        type: 'registry' as const,
        authRef: 'authref://local/gcr',
      };
      const config = { plainHttp: true, nonGoogleHost: true, tokenUri: google.tokenUri, repositories: [APP] };
      return {
        plugin: asConnectorPlugin(createGcrPlugin()),
        working: { ...integration, name: 'working', endpoint: registry.url, config },
        failing: { ...integration, name: 'failing', endpoint: 'http://127.0.0.1:9/', config },
        invalidConfigs: [
          { config: { project: 'Not A Project' }, field: '/config/project' },
          { config: { scopes: ['cloud-platform'] }, field: '/config/scopes/0' },
          { config: { scopes: [] }, field: '/config/scopes' },
          { config: { repositories: ['Acme/App'] }, field: '/config/repositories/0' },
          { config: { nonGoogleHost: 'yes' }, field: '/config/nonGoogleHost' },
          { config: { tokenRealmHosts: ['x'] }, field: '/config/tokenRealmHosts' },
        ],
        registryImage: { repository: APP, tag: '1.0', digest: app.digest },
        credentials: createInlineCredentialsAccessor(JSON.stringify(keys.reader)),
        http,
      };
    },
  });
});

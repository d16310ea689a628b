import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referrersTag } from '../src/core/registry-names.js';
import { pollNow, registerWithSecret, startLoopbackTestApp, type TestApp } from './support/app.js';
import { testDatabaseTargets } from './support/databases.js';
import {
  OCI_INDEX,
  OCI_MANIFEST,
  type PushedImage,
  type PushedReferrer,
  pushImage,
  pushReferrer,
  REGISTRY_USERS,
  registryToolsAvailable,
  startRegistry,
  type TestRegistry,
} from './support/registry.js';

/**
 * The `oci` provider end to end, through the public API on both databases: a credential stored as a
 * secret, a registry integration, its connection test, health from the poller, and registry reads,
 * against a real distribution registry with token authentication and images pushed by skopeo.
 */

const targets = await testDatabaseTargets();
const tools = await registryToolsAvailable();

describe.skipIf(!tools).each(targets)('an OCI registry through the API ($dialect)', (target) => {
  let registry: TestRegistry;
  let app: PushedImage;
  let index: PushedImage;
  let sbom: PushedReferrer;
  let t: TestApp;
  let id: string;

  beforeAll(async () => {
    if (!target.available) return;
    registry = await startRegistry({ auth: 'token' });
    [app, index] = await Promise.all([
      pushImage(registry, { repository: 'acme/app', tag: '1.0', format: 'oci', user: 'admin' }),
      pushImage(registry, {
        repository: 'acme/multi',
        tag: '1',
        format: 'oci',
        user: 'admin',
        platforms: [
          { os: 'linux', architecture: 'amd64' },
          { os: 'linux', architecture: 'arm64', variant: 'v8' },
        ],
      }),
    ]);
    sbom = await pushReferrer(registry, {
      repository: 'acme/app',
      subject: app,
      artifactType: 'application/spdx+json',
      content: '{"spdxVersion":"SPDX-2.3"}',
      annotations: { 'org.example.sbom.format': 'spdx' },
      user: 'admin',
    });
    // The registry is on loopback at a random port: private networks and any port allowed.
    t = await startLoopbackTestApp(target);
  }, 60_000);
  afterAll(async () => {
    await t?.dispose();
    await registry?.stop();
  });

  it.skipIf(!target.available)(
    'registers a registry whose credential is a stored secret, and tests it',
    async () => {
      const created = await registerWithSecret(
        t,
        { name: 'registry-reader', value: { username: 'reader', password: REGISTRY_USERS.reader } },
        {
          name: 'registry',
          type: 'registry',
          provider: 'oci',
          endpoint: registry.url,
          config: { plainHttp: true, repositories: ['acme/app', 'acme/multi'] },
        },
      );
      id = created.id;
      expect(created.config).toEqual({ plainHttp: true, repositories: ['acme/app', 'acme/multi'] });

      const tested = await t.request({ method: 'POST', url: `/api/v1/integrations/${id}/test` });
      expect(tested.status).toBe(200);
      expect(tested.body.success).toBe(true);
      expect(tested.body.checks.map((check: { name: string }) => check.name)).toEqual([
        'reachable',
        'registry',
        'authenticated',
        'catalog',
        'repository acme/app',
        'repository acme/multi',
      ]);
    },
  );

  it.skipIf(!target.available)('reads repositories, tags and manifests', async () => {
    const read = (path: string) =>
      t.request({ method: 'GET', url: `/api/v1/integrations/${id}/registry/${path}` });

    // `reader` may pull but not read the catalog: the configured repositories stand in.
    expect((await read('repositories?pageSize=1')).body).toEqual({
      items: ['acme/app'],
      nextCursor: 'acme/app',
    });
    expect((await read('repositories?pageSize=1&cursor=acme/app')).body).toEqual({ items: ['acme/multi'] });
    // The referrers tag an SBOM's client keeps (below) is a tag like any other to the registry.
    expect((await read('tags?repository=acme/app')).body).toEqual({
      items: ['1.0', referrersTag(app.digest)],
    });
    expect((await read('resolve?repository=acme/app&reference=1.0')).body).toEqual({
      digest: app.digest,
      mediaType: OCI_MANIFEST,
    });
    const resolved = await read(`resolve?repository=acme/multi&reference=${index.digest}`);
    expect(resolved.status).toBe(200);
    expect(resolved.body).toEqual({
      digest: index.digest,
      mediaType: OCI_INDEX,
      platforms: index.manifests?.map((manifest) => ({ digest: manifest.digest, ...manifest.platform })),
    });

    const unknown = await read('resolve?repository=acme/app&reference=9.9');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toBe("manifest 'acme/app:9.9' was not found");
    expect((await read('tags?repository=Acme/App')).status).toBe(400);
  });

  it.skipIf(!target.available)("lists an image's referrers, filtered by artifact type", async () => {
    const read = (query: string) =>
      t.request({ method: 'GET', url: `/api/v1/integrations/${id}/registry/referrers?${query}` });
    const expected = {
      digest: sbom.digest,
      mediaType: OCI_MANIFEST,
      size: sbom.size,
      artifactType: 'application/spdx+json',
      annotations: { 'org.example.sbom.format': 'spdx' },
    };

    const all = await read(`repository=acme/app&digest=${app.digest}`);
    const sboms = await read(`repository=acme/app&digest=${app.digest}&artifactType=application/spdx%2Bjson`);
    const none = await read(`repository=acme/app&digest=${app.digest}&artifactType=application/vnd.none`);
    const missing = await read(`repository=acme/app&digest=sha256:${'f'.repeat(64)}`);
    const bad = await read(`repository=acme/app&digest=1.0`);

    expect(all.status).toBe(200);
    expect(all.body).toEqual({ items: [expected], source: 'tag_schema' });
    expect(sboms.body).toEqual({ items: [expected], source: 'tag_schema' });
    expect(none.body).toEqual({ items: [], source: 'tag_schema' });
    expect(missing.status).toBe(404);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.error)).toContain('digest');
  });

  it.skipIf(!target.available)('polls the registry healthy', async () => {
    expect(await pollNow(t, id)).toBe(1);
    const health = await t.request({ method: 'GET', url: `/api/v1/integrations/${id}/health` });
    expect(health.body.health.status).toBe('healthy');
    expect(health.body.health.message).toMatch(/registry\/2\.0; the credentials are accepted/);
  });

  it.skipIf(!target.available)(
    'refuses a bad config, and a plain http endpoint it was not told to allow',
    async () => {
      const bad = await t.request({
        method: 'POST',
        url: '/api/v1/integrations',
        payload: {
          name: 'bad',
          type: 'registry',
          provider: 'oci',
          endpoint: registry.url,
          config: { plainHttp: 'yes' },
        },
      });
      expect(bad.status).toBe(400);
      expect(JSON.stringify(bad.body.error.details)).toContain('/config/plainHttp');

      const tested = await t.request({
        method: 'POST',
        url: '/api/v1/integrations/test',
        payload: { name: 'plain', type: 'registry', provider: 'oci', endpoint: registry.url },
      });
      expect(tested.body.success).toBe(false);
      expect(tested.body.message).toMatch(/plainHttp/);
    },
  );

  it.skipIf(!target.available)('reports refused credentials as a failed test, not as our 401', async () => {
    const wrong = await t.request({
      method: 'POST',
      url: '/api/v1/integrations/test',
      payload: {
        name: 'wrong',
        type: 'registry',
        provider: 'oci',
        endpoint: registry.url,
        credentials: { username: 'reader', password: 'not-the-password' },
        config: { plainHttp: true },
      },
    });
    expect(wrong.status).toBe(200);
    expect(wrong.body.success).toBe(false);
    expect(wrong.body.message).toMatch(/token service .* refused the credentials/);
    expect(JSON.stringify(wrong.body)).not.toContain('not-the-password');
  });
});

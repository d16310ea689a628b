import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeQuay, startFakeQuay } from './fakes/quay/fake-quay.js';
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
 * The `quay` provider end to end, through the public API on both databases: a robot account's token
 * with an OAuth application token beside it in one secret, a Quay integration, its connection test,
 * health from the poller (healthy, then degraded by a disk warning, then unhealthy when a service is
 * down) and registry reads, against the fake Quay front in front of a real distribution registry.
 */

const targets = await testDatabaseTargets();
const tools = await registryToolsAvailable();
const ROBOT = { username: 'acme+scanner', password: 'SCANNER0ROBOT0TOKEN' };
const API_TOKEN = 'app-token-read-0123456789';

describe.skipIf(!tools).each(targets)('Quay through the API ($dialect)', (target) => {
  let registry: TestRegistry;
  let quay: FakeQuay;
  let app: PushedImage;
  let app2: PushedImage;
  let t: TestApp;
  let id: string;

  beforeAll(async () => {
    if (!target.available) return;
    quay = await startFakeQuay({ repositoriesPerPage: 1 });
    registry = await startRegistry({ auth: 'token', accountCheck: (u, p) => quay.accountCheck(u, p) });
    quay.setRegistry(registry.url);
    app = await pushImage(registry, { repository: 'acme/app', tag: '1.0', format: 'oci', user: 'admin' });
    app2 = await pushImage(registry, {
      repository: 'acme/app',
      tag: '2.0',
      format: 'oci',
      user: 'admin',
      content: 'v2',
    });
    await pushImage(registry, { repository: 'acme/worker', tag: 'main', format: 'oci', user: 'admin' });
    quay.addUser('alice', 'alice-password');
    quay.addOrganization('acme', { members: ['alice'] });
    quay.addRobot(ROBOT.username, ROBOT.password, 'read');
    quay.addAppToken(API_TOKEN, 'alice', ['repo:read']);
    quay.addRepository('acme/app', {
      tags: [
        { name: '1.0', digest: app.digest, mediaType: app.mediaType },
        { name: '2.0', digest: app2.digest, mediaType: app2.mediaType },
      ],
    });
    quay.addRepository('acme/worker', { tags: [] });
    t = await startLoopbackTestApp(target);
  }, 90_000);
  afterAll(async () => {
    await t?.dispose();
    await quay?.close();
    await registry?.stop();
  });

  it.skipIf(!target.available)(
    'registers a robot with an API token and tests the connection step by step',
    async () => {
      const created = await registerWithSecret(
        t,
        { name: 'quay-robot', value: { ...ROBOT, apiToken: API_TOKEN } },
        {
          name: 'quay',
          type: 'registry',
          provider: 'quay',
          endpoint: quay.url,
          config: { plainHttp: true, namespaces: ['acme'], repositories: ['acme/app'] },
        },
      );
      id = created.id;

      const tested = await t.request({ method: 'POST', url: `/api/v1/integrations/${id}/test` });

      expect(tested.body.success).toBe(true);
      expect(tested.body.checks.map((check: { name: string }) => check.name)).toEqual([
        'reachable',
        'health',
        'credentials',
        'registry',
        'authenticated',
        'api_token',
        'namespace acme',
        'repository acme/app',
      ]);
      expect(JSON.stringify(tested.body)).not.toContain(API_TOKEN);
      expect(JSON.stringify(tested.body)).not.toContain(ROBOT.password);
    },
  );

  it.skipIf(!target.available)('reads repositories (API pages), tags and a manifest', async () => {
    const read = (path: string) =>
      t.request({ method: 'GET', url: `/api/v1/integrations/${id}/registry/${path}` });

    const first = await read('repositories?pageSize=1');
    const second = await read(`repositories?pageSize=1&cursor=${encodeURIComponent(first.body.nextCursor)}`);

    expect(first.body.items).toEqual(['acme/app']);
    expect(second.body).toEqual({ items: ['acme/worker'] });
    expect((await read('tags?repository=acme/app')).body).toEqual({ items: ['2.0', '1.0'] });
    expect((await read('resolve?repository=acme/app&reference=1.0')).body).toEqual({
      digest: app.digest,
      mediaType: OCI_MANIFEST,
    });
    expect((await read('tags?repository=acme/nothing')).status).toBe(404);
    expect(quay.violations).toEqual([]);
  });

  it.skipIf(!target.available)(
    'polls healthy, degraded on a disk warning, unhealthy when a service is down',
    async () => {
      const health = async () =>
        (await t.request({ method: 'GET', url: `/api/v1/integrations/${id}/health` })).body.health;

      expect(await pollNow(t, id)).toBe(1);
      const healthy = await health();
      quay.setHealth('warning', { disk_space_warning: false });
      await pollNow(t, id);
      const degraded = await health();
      quay.setHealth('warning', { disk_space_warning: true });
      quay.setHealth('instance', { database: false });
      // The poller calls an integration unhealthy after three failed checks in a row.
      for (let poll = 0; poll < 3; poll++) await pollNow(t, id);
      const unhealthy = await health();
      quay.setHealth('instance', { database: true });

      expect(healthy.status).toBe('healthy');
      expect(degraded.status).toBe('degraded');
      expect(degraded.message).toMatch(/disk space/);
      expect(unhealthy.status).toBe('unhealthy');
      expect(unhealthy.message).toMatch(/database is down/);
    },
  );
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeHarbor, startFakeHarbor } from './fakes/harbor/fake-harbor.js';
import { pollNow, registerWithSecret, startLoopbackTestApp, type TestApp } from './support/app.js';
import { testDatabaseTargets } from './support/databases.js';
import {
  OCI_MANIFEST,
  type PushedImage,
  pushImage,
  REGISTRY_USERS,
  registryToolsAvailable,
  startRegistry,
  type TestRegistry,
} from './support/registry.js';

/**
 * The `harbor` provider end to end, through the public API on both databases: a robot account's secret,
 * a Harbor integration, its connection test, health from the poller and registry reads, against the fake
 * Harbor (held to Harbor's Swagger description) in front of a real distribution registry.
 */

const targets = await testDatabaseTargets();
const tools = await registryToolsAvailable();
const ROBOT = { username: 'robot$acme+scanner', password: 'robot-secret-0123' };

describe.skipIf(!tools).each(targets)('Harbor through the API ($dialect)', (target) => {
  let registry: TestRegistry;
  let harbor: FakeHarbor;
  let image: PushedImage;
  let t: TestApp;
  let id: string;

  beforeAll(async () => {
    if (!target.available) return;
    registry = await startRegistry({ auth: 'basic' });
    image = await pushImage(registry, { repository: 'acme/app', tag: '1.0', format: 'oci', user: 'admin' });
    harbor = await startFakeHarbor({
      registry: { url: registry.url, username: 'admin', password: REGISTRY_USERS.admin },
    });
    harbor.addRobot(ROBOT.username, ROBOT.password, { projects: ['acme'] });
    harbor.addProject({ name: 'acme' });
    harbor.addRepository('acme', 'app', [
      { digest: image.digest, mediaType: image.mediaType, tags: ['1.0'] },
    ]);
    t = await startLoopbackTestApp(target);
  }, 60_000);
  afterAll(async () => {
    await t?.dispose();
    await harbor?.close();
    await registry?.stop();
  });

  it.skipIf(!target.available)('registers a robot-account integration and tests it', async () => {
    const created = await registerWithSecret(
      t,
      { name: 'harbor-robot', value: ROBOT },
      {
        name: 'harbor',
        type: 'registry',
        provider: 'harbor',
        endpoint: harbor.url,
        config: { plainHttp: true, projects: ['acme'] },
      },
    );
    id = created.id;

    const tested = await t.request({ method: 'POST', url: `/api/v1/integrations/${id}/test` });
    expect(tested.body.success).toBe(true);
    expect(tested.body.checks.every((check: { ok: boolean }) => check.ok)).toBe(true);
  });

  it.skipIf(!target.available)('reads repositories, tags and a manifest, and polls healthy', async () => {
    const read = (path: string) =>
      t.request({ method: 'GET', url: `/api/v1/integrations/${id}/registry/${path}` });

    expect((await read('repositories')).body).toEqual({ items: ['acme/app'] });
    expect((await read('tags?repository=acme/app')).body).toEqual({ items: ['1.0'] });
    expect((await read('resolve?repository=acme/app&reference=1.0')).body).toEqual({
      digest: image.digest,
      mediaType: OCI_MANIFEST,
    });
    expect((await read('tags?repository=acme/nothing')).status).toBe(404);

    expect(await pollNow(t, id)).toBe(1);
    const health = await t.request({ method: 'GET', url: `/api/v1/integrations/${id}/health` });
    expect(health.body.health.status).toBe('healthy');
    expect(harbor.violations).toEqual([]);
  });
});

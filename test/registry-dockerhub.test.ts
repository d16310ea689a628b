import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeDockerHub, startFakeDockerHub } from './fakes/dockerhub/fake-hub.js';
import { type DockerHubFront, startDockerHubFront } from './fakes/dockerhub/registry-front.js';
import { pollNow, registerWithSecret, startLoopbackTestApp, type TestApp } from './support/app.js';
import { testDatabaseTargets } from './support/databases.js';
import {
  DOCKER_MANIFEST,
  OCI_MANIFEST,
  type PushedImage,
  pushImage,
  registryToolsAvailable,
  startRegistry,
  type TestRegistry,
} from './support/registry.js';

/**
 * The `dockerhub` provider end to end, through the public API on both databases: a Docker ID and a
 * personal access token as the secret, an integration whose Hub API is the fake Docker Hub and whose
 * endpoint is the fake registry front (`registry-1.docker.io` and `auth.docker.io`, with Docker's pull
 * limit) over a REAL distribution registry with token authentication; its connection test, health
 * (the pull limit) from the poller, and registry reads that spend no pull.
 */

const targets = await testDatabaseTargets();
const tools = await registryToolsAvailable();
const PAT = 'dckr_pat_scanner_0123456789abcdefghi';

describe.skipIf(!tools).each(targets)('Docker Hub through the API ($dialect)', (target) => {
  let hub: FakeDockerHub;
  let front: DockerHubFront;
  let registry: TestRegistry;
  let app: PushedImage;
  let nginx: PushedImage;
  let t: TestApp;
  let id: string;

  beforeAll(async () => {
    if (!target.available) return;
    hub = await startFakeDockerHub();
    hub.addUser({ username: 'scanner', password: 'scanner-password', pats: { [PAT]: 'repo:read' } });
    hub.addOrganization('acme', ['scanner']);
    hub.addOrganization('library', []);
    hub.addRepository('acme/app', { private: true });
    hub.addRepository('acme/web');
    hub.addRepository('library/nginx');
    front = await startDockerHubFront({ hub });
    registry = await startRegistry({ auth: 'token', accountCheck: (u, p) => front.accountCheck(u, p) });
    front.setRegistry(registry);
    app = await pushImage(registry, { repository: 'acme/app', tag: 'latest', format: 'oci', user: 'admin' });
    nginx = await pushImage(registry, {
      repository: 'library/nginx',
      tag: '1.27',
      format: 'docker',
      user: 'admin',
    });
    t = await startLoopbackTestApp(target);
  }, 60_000);
  afterAll(async () => {
    await t?.dispose();
    await registry?.stop();
    await front?.close();
    await hub?.close();
  });

  it.skipIf(!target.available)('registers a personal access token and tests it step by step', async () => {
    const created = await registerWithSecret(
      t,
      { name: 'dockerhub-scanner', value: { username: 'scanner', password: PAT } },
      {
        name: 'dockerhub',
        type: 'registry',
        provider: 'dockerhub',
        endpoint: front.url,
        config: {
          hubApiUrl: hub.url,
          plainHttp: true,
          namespaces: ['acme'],
          repositories: ['acme/app', 'nginx'],
        },
      },
    );
    id = created.id;

    const tested = await t.request({ method: 'POST', url: `/api/v1/integrations/${id}/test` });

    expect(tested.body.success).toBe(true);
    expect(tested.body.checks.map((check: { name: string; ok: boolean }) => [check.name, check.ok])).toEqual([
      ['hub_login', true],
      ['namespace acme', true],
      ['registry', true],
      ['repository acme/app', true],
      ['repository nginx', true],
      ['pull_limit', true],
    ]);
    expect(JSON.stringify(tested.body)).not.toContain(PAT);
  });

  it.skipIf(!target.available)('reads repositories, tags and manifests without spending a pull', async () => {
    const read = (path: string) =>
      t.request({ method: 'GET', url: `/api/v1/integrations/${id}/registry/${path}` });
    const left = front.remaining('scanner');

    expect((await read('repositories')).body).toEqual({ items: ['acme/app', 'acme/web'] });
    expect((await read('repositories?pageSize=1')).body.items).toEqual(['acme/app']);
    expect((await read('tags?repository=acme/app')).body).toEqual({ items: ['latest'] });
    expect((await read('tags?repository=nginx')).body).toEqual({ items: ['1.27'] });
    expect((await read('resolve?repository=acme/app&reference=latest')).body).toEqual({
      digest: app.digest,
      mediaType: OCI_MANIFEST,
    });
    expect((await read('resolve?repository=nginx&reference=1.27')).body).toEqual({
      digest: nginx.digest,
      mediaType: DOCKER_MANIFEST,
    });
    expect(front.remaining('scanner')).toBe(left);
  });

  it.skipIf(!target.available)(
    'polls the pull limit: healthy, degraded when low, unhealthy once spent for three polls',
    async () => {
      const poll = async () => {
        expect(await pollNow(t, id)).toBe(1);
        return (await t.request({ method: 'GET', url: `/api/v1/integrations/${id}/health` })).body.health;
      };

      front.setRemaining('scanner', 76);
      const healthy = await poll();
      front.setRemaining('scanner', 3);
      const degraded = await poll();
      front.setRemaining('scanner', 0);
      // One failing check is a suspect; the poller calls it unhealthy after three in a row.
      const suspect = await poll();
      await poll();
      const unhealthy = await poll();

      const account = hub.world.users.get('scanner')!.id;
      expect(healthy).toMatchObject({
        status: 'healthy',
        message: `76 of 100 pulls left in 6 h (counted against ${account})`,
      });
      expect(degraded).toMatchObject({ status: 'degraded' });
      expect(degraded.message).toMatch(/^3 of 100 pulls left/);
      expect(suspect.status).toBe('degraded');
      expect(suspect.message).toMatch(/^no pulls left of 100/);
      expect(unhealthy).toMatchObject({ status: 'unhealthy' });
      expect(unhealthy.message).toMatch(/^no pulls left of 100 in the 6 h window/);
      expect(front.remaining('scanner')).toBe(0);
      expect(hub.violations).toEqual([]);
      expect(front.violations).toEqual([]);
    },
  );
});

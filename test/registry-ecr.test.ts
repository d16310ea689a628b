import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeAws, READ_ONLY_ACTIONS, startFakeAws } from './fakes/aws/fake-aws.js';
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
 * The `ecr` provider end to end, through the public API on both databases: a secret holding AWS keys,
 * an ECR integration whose API endpoint is the fake AWS (signatures verified) and whose registry is a
 * real distribution registry that knows the password the fake puts in its tokens; its connection
 * test, health from the poller, and registry reads.
 */

const targets = await testDatabaseTargets();
const tools = await registryToolsAvailable();
const REGISTRY_PASSWORD = 'ecr-e2e-registry-password';
const KEYS = { accessKeyId: 'AKIAE2ETEST000000001', secretAccessKey: 'e2e-secret-access-key/0123456789' };

describe.skipIf(!tools).each(targets)('ECR through the API ($dialect)', (target) => {
  let registry: TestRegistry;
  let aws: FakeAws;
  let image: PushedImage;
  let t: TestApp;
  let id: string;

  beforeAll(async () => {
    if (!target.available) return;
    registry = await startRegistry({
      auth: 'basic',
      accounts: { AWS: { password: REGISTRY_PASSWORD, role: 'reader' } },
    });
    image = await pushImage(registry, { repository: 'acme/app', tag: '1.0', format: 'oci', user: 'admin' });
    aws = await startFakeAws({ registryPassword: REGISTRY_PASSWORD });
    aws.addKey({ ...KEYS, actions: READ_ONLY_ACTIONS });
    aws.addRepository('acme/app');
    aws.addRepository('acme/api');
    t = await startLoopbackTestApp(target);
  }, 60_000);
  afterAll(async () => {
    await t?.dispose();
    await aws?.close();
    await registry?.stop();
  });

  it.skipIf(!target.available)('registers an integration with AWS keys and tests it', async () => {
    const created = await registerWithSecret(
      t,
      { name: 'ecr-keys', value: KEYS },
      {
        name: 'ecr',
        type: 'registry',
        provider: 'ecr',
        endpoint: registry.url,
        config: { plainHttp: true, region: 'us-east-1', apiEndpoint: aws.url, repositories: ['acme/app'] },
      },
    );
    id = created.id;

    const tested = await t.request({ method: 'POST', url: `/api/v1/integrations/${id}/test` });

    expect(tested.body.success).toBe(true);
    expect(tested.body.checks.map((check: { name: string; ok: boolean }) => [check.name, check.ok])).toEqual([
      ['credentials', true],
      ['authorization token', true],
      ['registry', true],
      ['repositories', true],
      ['repository acme/app', true],
    ]);
    expect(JSON.stringify(tested.body)).not.toContain(KEYS.secretAccessKey);
  });

  it.skipIf(!target.available)('refuses a config without a region for a host that names none', async () => {
    const created = await t.request({
      method: 'POST',
      url: '/api/v1/integrations/test',
      payload: {
        name: 'ecr-no-region',
        type: 'registry',
        provider: 'ecr',
        endpoint: registry.url,
        config: { plainHttp: true, apiEndpoint: aws.url },
      },
    });

    expect(JSON.stringify(created.body)).toMatch(/config\.region is required/);
  });

  it.skipIf(!target.available)('reads repositories, tags and a manifest, and polls healthy', async () => {
    const read = (path: string) =>
      t.request({ method: 'GET', url: `/api/v1/integrations/${id}/registry/${path}` });

    expect((await read('repositories')).body).toEqual({ items: ['acme/api', 'acme/app'] });
    expect((await read('tags?repository=acme/app')).body).toEqual({ items: ['1.0'] });
    expect((await read('resolve?repository=acme/app&reference=1.0')).body).toEqual({
      digest: image.digest,
      mediaType: OCI_MANIFEST,
    });
    expect((await read('tags?repository=acme/nothing')).status).toBe(404);

    expect(await pollNow(t, id)).toBe(1);
    const health = await t.request({ method: 'GET', url: `/api/v1/integrations/${id}/health` });
    expect(health.body.health.status).toBe('healthy');
    expect(aws.violations).toEqual([]);
  });
});

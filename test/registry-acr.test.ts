import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AcrFront, startAcrFront } from './fakes/azure/acr-front.js';
import { type FakeEntra, startFakeEntra } from './fakes/azure/fake-entra.js';
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
 * The `acr` provider end to end, through the public API on both databases: a service principal's
 * secret, an ACR integration whose token authority is the fake Entra ID and whose endpoint is the fake
 * ACR front (its `/oauth2/exchange` held to ACR's contract, its `/v2/` a REAL distribution registry
 * with token authentication that takes the refresh tokens the front issued), its connection test,
 * health from the poller and registry reads.
 */

const targets = await testDatabaseTargets();
const tools = await registryToolsAvailable();
const PRINCIPAL = {
  tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  clientId: '0f7a3b51-7c2e-4d38-9b4e-1a2b3c4d5e6f',
  clientSecret: 'scanner~Secret.0123456789',
};

describe.skipIf(!tools).each(targets)('Azure Container Registry through the API ($dialect)', (target) => {
  let entra: FakeEntra;
  let front: AcrFront;
  let registry: TestRegistry;
  let image: PushedImage;
  let t: TestApp;
  let id: string;

  beforeAll(async () => {
    if (!target.available) return;
    entra = await startFakeEntra();
    entra.addTenant(PRINCIPAL.tenantId);
    entra.addApp(PRINCIPAL);
    front = await startAcrFront({ entra });
    front.assignRole(PRINCIPAL.clientId, 'AcrPull');
    registry = await startRegistry({
      auth: 'token',
      accountCheck: (username, password) => front.accountCheck(username, password),
    });
    front.setRegistry(registry.url);
    image = await pushImage(registry, { repository: 'acme/app', tag: '1.0', format: 'oci', user: 'admin' });
    t = await startLoopbackTestApp(target);
  }, 60_000);
  afterAll(async () => {
    await t?.dispose();
    await registry?.stop();
    await front?.close();
    await entra?.close();
  });

  it.skipIf(!target.available)('registers a service-principal integration and tests it', async () => {
    const created = await registerWithSecret(
      t,
      { name: 'acr-scanner', value: PRINCIPAL },
      {
        name: 'acr',
        type: 'registry',
        provider: 'acr',
        endpoint: front.url,
        config: { authorityHost: entra.url, plainHttp: true, repositories: ['acme/app'] },
      },
    );
    id = created.id;

    const tested = await t.request({ method: 'POST', url: `/api/v1/integrations/${id}/test` });

    expect(tested.body.success).toBe(true);
    expect(tested.body.checks.map((check: { name: string }) => check.name)).toEqual([
      'credentials',
      'entra_token',
      'acr_exchange',
      'reachable',
      'registry',
      'authenticated',
      'catalog',
      'repository acme/app',
    ]);
    expect(JSON.stringify(tested.body)).not.toContain(PRINCIPAL.clientSecret);
  });

  it.skipIf(!target.available)('reads repositories, tags and a manifest, and polls healthy', async () => {
    const read = (path: string) =>
      t.request({ method: 'GET', url: `/api/v1/integrations/${id}/registry/${path}` });
    const exchanges = front.refreshTokens.length;

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
    // The saved integration's reads and its health share one exchange.
    expect(front.refreshTokens.length).toBe(exchanges + 1);
    expect(entra.violations).toEqual([]);
    expect(front.violations).toEqual([]);
  });
});

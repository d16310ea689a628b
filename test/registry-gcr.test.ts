import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FakeGoogleTokenService,
  startFakeGoogleTokenService,
} from './fakes/google/fake-token-service.js';
import type { ServiceAccountKeyFile } from './fakes/google/service-accounts.js';
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
 * The `gcr` provider end to end, through the public API on both databases: a service-account key
 * stored as a secret (the JSON key file's text), a `gcr` integration whose token URI is the fake
 * Google token service, its connection test, health from the poller and registry reads against a
 * real distribution registry that takes `oauth2accesstoken` and the access tokens the fake minted.
 */

const targets = await testDatabaseTargets();
const tools = await registryToolsAvailable();
const APP = 'acme-prod/images/app';

describe.skipIf(!tools).each(targets)('Google Artifact Registry through the API ($dialect)', (target) => {
  let google: FakeGoogleTokenService;
  let registry: TestRegistry;
  let image: PushedImage;
  let key: ServiceAccountKeyFile;
  let t: TestApp;
  let id: string;
  /** Every body the API answered, to look for the key and the tokens in them. */
  const answered: string[] = [];

  beforeAll(async () => {
    if (!target.available) return;
    google = await startFakeGoogleTokenService();
    key = google.addServiceAccount('scanner', 'acme-prod');
    registry = await startRegistry({
      auth: 'token',
      accountCheck: (username, password) =>
        username === 'oauth2accesstoken' && google.isValidAccessToken(password) ? 'reader' : undefined,
    });
    image = await pushImage(registry, { repository: APP, tag: '1.0', format: 'oci', user: 'admin' });
    t = await startLoopbackTestApp(target);
  }, 60_000);
  afterAll(async () => {
    await t?.dispose();
    await registry?.stop();
    await google?.close();
  });

  const request = async (options: Parameters<TestApp['request']>[0]) => {
    const response = await t.request(options);
    answered.push(JSON.stringify(response.body));
    return response;
  };

  it.skipIf(!target.available)(
    'registers an integration with a service-account key and tests it',
    async () => {
      const created = await registerWithSecret(
        t,
        { name: 'gcr-scanner-key', value: JSON.stringify(key) },
        {
          name: 'artifact-registry',
          type: 'registry',
          provider: 'gcr',
          endpoint: registry.url,
          config: { plainHttp: true, nonGoogleHost: true, tokenUri: google.tokenUri, repositories: [APP] },
        },
      );
      answered.push(JSON.stringify(created));
      id = created.id;

      const tested = await request({ method: 'POST', url: `/api/v1/integrations/${id}/test` });

      expect(tested.body.success).toBe(true);
      expect(
        tested.body.checks.map((check: { name: string; ok: boolean }) => [check.name, check.ok]),
      ).toEqual([
        ['endpoint', true],
        ['key', true],
        ['access token', true],
        ['reachable', true],
        ['registry', true],
        ['authenticated', true],
        ['catalog', true],
        [`repository ${APP}`, true],
      ]);
    },
  );

  it.skipIf(!target.available)('reads repositories, tags and a manifest, and polls healthy', async () => {
    const read = (path: string) =>
      request({ method: 'GET', url: `/api/v1/integrations/${id}/registry/${path}` });

    expect((await read('repositories')).body).toEqual({ items: [APP] });
    expect((await read(`tags?repository=${APP}`)).body).toEqual({ items: ['1.0'] });
    expect((await read(`resolve?repository=${APP}&reference=1.0`)).body).toEqual({
      digest: image.digest,
      mediaType: OCI_MANIFEST,
    });
    expect((await read('tags?repository=acme-prod/images/nothing')).status).toBe(404);

    expect(await pollNow(t, id)).toBe(1);
    const health = await request({ method: 'GET', url: `/api/v1/integrations/${id}/health` });
    expect(health.body.health.status).toBe('healthy');
    expect(health.body.health.message).toMatch(/scanner@acme-prod\.iam\.gserviceaccount\.com/);
    expect(google.violations).toEqual([]);
  });

  it.skipIf(!target.available)(
    'reports a disabled key at the access token step, and never shows a secret',
    async () => {
      const rotated = google.addKey(key.client_email);
      google.disableKey(rotated.private_key_id);
      const secret = await request({
        method: 'POST',
        url: '/api/v1/secrets',
        payload: { name: 'gcr-disabled-key', value: JSON.stringify(rotated) },
      });
      const created = await request({
        method: 'POST',
        url: '/api/v1/integrations',
        payload: {
          name: 'artifact-registry-disabled',
          type: 'registry',
          provider: 'gcr',
          endpoint: registry.url,
          authRef: secret.body.authRef,
          config: { plainHttp: true, nonGoogleHost: true, tokenUri: google.tokenUri },
        },
      });

      const tested = await request({ method: 'POST', url: `/api/v1/integrations/${created.body.id}/test` });

      expect(tested.body.success).toBe(false);
      expect(tested.body.checks.at(-1)).toMatchObject({
        name: 'access token',
        ok: false,
        message: expect.stringMatching(/invalid_grant: Invalid JWT Signature\./),
      });
      const everything = answered.join('\n');
      expect(everything).not.toContain(key.private_key.slice(40, 100));
      expect(everything).not.toContain(rotated.private_key.slice(40, 100));
      expect(everything).not.toMatch(/ya29\./);
    },
  );
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerWithSecret, startLoopbackTestApp, type TestApp } from './support/app.js';
import { testDatabaseTargets } from './support/databases.js';
import {
  pushImage,
  REGISTRY_USERS,
  registryToolsAvailable,
  startRegistry,
  type TestRegistry,
} from './support/registry.js';

/**
 * A registry behind a private CA, end to end through the public API on both databases: a real
 * distribution registry serving TLS with a certificate for 127.0.0.1 issued by a throwaway CA. Without
 * `config.caCertificate` the connection test fails at the TLS step and says what to set; with it the
 * test passes and tags are read; a value that is not a certificate is refused when saved.
 */

const targets = await testDatabaseTargets();
const tools = await registryToolsAvailable();

describe.skipIf(!tools).each(targets)('a registry behind a private CA ($dialect)', (target) => {
  let registry: TestRegistry;
  let t: TestApp;
  let id: string;

  beforeAll(async () => {
    if (!target.available) return;
    registry = await startRegistry({ auth: 'basic', tls: true });
    await pushImage(registry, { repository: 'acme/app', tag: '1.0', format: 'oci', user: 'admin' });
    t = await startLoopbackTestApp(target);
  }, 60_000);
  afterAll(async () => {
    await t?.dispose();
    await registry?.stop();
  });

  it.skipIf(!target.available)('serves https, with a CA that is not among the public roots', () => {
    expect(registry.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(registry.ca).toContain('-----BEGIN CERTIFICATE-----');
  });

  it.skipIf(!target.available)(
    'fails the connection test at the TLS step without caCertificate, naming the reason and the fix',
    async () => {
      const created = await registerWithSecret(
        t,
        { name: 'tls-reader', value: { username: 'reader', password: REGISTRY_USERS.reader } },
        {
          name: 'internal-registry',
          type: 'registry',
          provider: 'oci',
          endpoint: registry.url,
          config: { repositories: ['acme/app'] },
        },
      );
      id = created.id;

      const tested = await t.request({ method: 'POST', url: `/api/v1/integrations/${id}/test` });

      expect(tested.status).toBe(200);
      expect(tested.body.success).toBe(false);
      const reachable = tested.body.checks.find((check: { name: string }) => check.name === 'reachable');
      expect(reachable.ok).toBe(false);
      expect(reachable.message).toContain('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
      expect(reachable.message).toContain(
        "set the integration's config.caCertificate to the CA that issued it",
      );
    },
  );

  it.skipIf(!target.available)('passes with the CA in caCertificate, and reads tags', async () => {
    const patched = await t.request({
      method: 'PATCH',
      url: `/api/v1/integrations/${id}`,
      payload: { config: { repositories: ['acme/app'], caCertificate: registry.ca } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.config.caCertificate).toBe(registry.ca);

    const tested = await t.request({ method: 'POST', url: `/api/v1/integrations/${id}/test` });
    const tags = await t.request({
      method: 'GET',
      url: `/api/v1/integrations/${id}/registry/tags?repository=acme/app`,
    });

    expect(tested.body.success).toBe(true);
    expect(tested.body.checks.every((check: { ok: boolean }) => check.ok)).toBe(true);
    expect(tags.status).toBe(200);
    expect(tags.body).toEqual({ items: ['1.0'] });
  });

  it.skipIf(!target.available)(
    'refuses a caCertificate that is not a certificate with 400, without echoing it',
    async () => {
      const key =
        '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgSecretKeyMaterial\n-----END PRIVATE KEY-----';
      const attempts = [
        { value: key, words: 'is a private key' },
        { value: 'trust me', words: 'holds no PEM certificate' },
      ];
      for (const { value, words } of attempts) {
        const refused = await t.request({
          method: 'POST',
          url: '/api/v1/integrations',
          payload: {
            name: 'bad-ca',
            type: 'registry',
            provider: 'oci',
            endpoint: registry.url,
            config: { caCertificate: value },
          },
        });
        expect(refused.status).toBe(400);
        expect(JSON.stringify(refused.body.error)).toContain('/config/caCertificate');
        expect(JSON.stringify(refused.body.error)).toContain(words);
        expect(JSON.stringify(refused.body)).not.toContain('SecretKeyMaterial');
      }

      const patched = await t.request({
        method: 'PATCH',
        url: `/api/v1/integrations/${id}`,
        payload: { config: { caCertificate: key } },
      });
      expect(patched.status).toBe(400);
      expect(JSON.stringify(patched.body.error)).toContain('/config/caCertificate');
    },
  );
});

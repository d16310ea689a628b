import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testHttpClient } from '../../../test/support/http.js';
import { loadConfig } from '../../config/load-config.js';
import { ConfigError } from '../../core/errors.js';
import { parseAuthRef } from '../authref.js';
import type { Secret } from '../secret.js';
import { fakeStore } from '../secrets.test-kit.js';
import { startFakeVault } from './fake-vault.test-kit.js';
import { createSecretStores, type SecretStoreSetting, SYSTEM_TENANT } from './registry.js';

const http = testHttpClient();
const local = fakeStore('local', 'local').store;
const build = (settings: unknown[], env: Record<string, string> = {}) =>
  createSecretStores(settings as SecretStoreSetting[], { local, http, env });
const dir = mkdtempSync(join(tmpdir(), 'registry-test-'));
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await http.close();
});

describe('secret store configuration', () => {
  it('always has local, for every tenant', () => {
    const registry = build([]);

    expect(registry.describe()).toEqual([{ name: 'local', type: 'local', tenants: '*' }]);
    expect(registry.forTenant('local', 'anyone')).toBe(local);
  });

  it('serves env and file stores to the system tenant and the tenants they name, never to all', () => {
    const registry = build([
      { name: 'env', type: 'env' },
      { name: 'files', type: 'file', root: dir, tenants: ['default'] },
    ]);

    expect(registry.forTenant('env', SYSTEM_TENANT)?.type).toBe('env');
    expect(registry.forTenant('env', 'default')).toBeUndefined();
    expect(registry.forTenant('files', 'default')?.type).toBe('file');
    expect(registry.forTenant('files', 'acme')).toBeUndefined();
    expect(() => build([{ name: 'env', type: 'env', tenants: ['*'] }])).toThrow(
      /for system use and named tenants, not '\*'/,
    );
  });

  it('restricts local when configured', () => {
    const registry = build([{ name: 'local', type: 'local', tenants: ['acme'] }]);

    expect(registry.forTenant('local', 'acme')).toBe(local);
    expect(registry.forTenant('local', 'other')).toBeUndefined();
  });

  it.each([
    [[{ name: 'local', type: 'env' }], /the name 'local' is the local store's/],
    [[{ name: 'x', type: 'local' }], /the name 'local' is the local store's/],
    [
      [
        { name: 'env', type: 'env' },
        { name: 'env', type: 'env' },
      ],
      /configured twice/,
    ],
    [[{ name: 'v', type: 'vault', tenants: ['*'] }], /needs address/],
    [[{ name: 'v', type: 'vault', tenants: ['*'], address: 'ftp://vault' }], /address must be http\(s\)/],
    [
      [{ name: 'v', type: 'vault', tenants: ['*'], address: 'https://u:p@vault' }],
      /must not carry credentials/,
    ],
    [[{ name: 'v', type: 'vault', tenants: ['*'], address: 'https://vault' }], /needs auth/],
    [
      [
        {
          name: 'v',
          type: 'vault',
          address: 'https://vault',
          tenants: [],
          auth: { method: 'token', tokenRef: 'authref://env/AUTHREF_T' },
        },
      ],
      /names no tenants/,
    ],
    [
      [
        {
          name: 'v',
          type: 'vault',
          tenants: ['*'],
          address: 'https://vault',
          auth: { method: 'token', tokenRef: 'authref://env/AUTHREF_T' },
        },
      ],
      /must name a configured env or file store/,
    ],
    [
      [
        {
          name: 'v',
          type: 'vault',
          tenants: ['*'],
          address: 'https://vault',
          auth: { method: 'token', tokenRef: 'authref://local/x' },
        },
      ],
      /must name a configured env or file store/,
    ],
    [
      [
        {
          name: 'v',
          type: 'vault',
          tenants: ['*'],
          address: 'https://vault',
          auth: { method: 'token', tokenRef: 'https://x' },
        },
      ],
      /credential reference must use the authref/,
    ],
    [
      [
        {
          name: 'v',
          type: 'vault',
          tenants: ['*'],
          address: 'https://vault',
          auth: { method: 'approle', roleId: 'r' },
        },
      ],
      /approle auth takes roleId and secretIdRef/,
    ],
    [
      [
        {
          name: 'v',
          type: 'vault',
          tenants: ['*'],
          address: 'https://vault',
          mount: '../sys',
          auth: { method: 'token', tokenRef: 'authref://env/AUTHREF_T' },
        },
        { name: 'env', type: 'env' },
      ],
      /mount has an invalid segment/,
    ],
    [
      [{ name: 'f', type: 'file', root: dir, address: 'https://vault' }],
      /'address' does not apply to a file store/,
    ],
    [[{ name: 'f', type: 'file' }], /needs root/],
  ])('refuses %j', (settings, message) => {
    expect(() => build(settings)).toThrow(ConfigError);
    expect(() => build(settings)).toThrow(message);
  });

  it('reads a vault token through an env store as the system tenant', async () => {
    const vault = await startFakeVault();
    try {
      const token = vault.issueToken(['tenants/']);
      vault.put('tenants/acme/ci', { password: 'from-vault' });
      const registry = build(
        [
          {
            name: 'vault-prod',
            type: 'vault',
            tenants: ['acme'],
            address: vault.address,
            auth: { method: 'token', tokenRef: 'authref://bootstrap/AUTHREF_VAULT_TOKEN' },
          },
          { name: 'bootstrap', type: 'env' },
        ],
        { AUTHREF_VAULT_TOKEN: token },
      );

      const store = registry.forTenant('vault-prod', 'acme');
      const result = await store!.resolve(parseAuthRef('authref://vault-prod/ci#password'), {
        tenantId: 'acme',
      });

      expect((result.value as Secret).reveal()).toBe('from-vault');
      expect(registry.forTenant('bootstrap', 'acme')).toBeUndefined();
    } finally {
      await vault.close();
    }
  });
});

describe('secret settings in the service configuration', () => {
  it('takes secretStores from the config file and fills the cache defaults', () => {
    const path = join(dir, 'config.yaml');
    writeFileSync(path, 'secretStores:\n  - name: files\n    type: file\n    root: /run/secrets\n');

    const config = loadConfig({ INTEGRATIONS_CONFIG: path });

    expect(config.secretStores).toEqual([{ name: 'files', type: 'file', root: '/run/secrets' }]);
    expect([config.secretCacheTtlSeconds, config.secretStaleSeconds, config.masterKey]).toEqual([
      300,
      600,
      null,
    ]);
  });

  it('takes secretStores as JSON from the environment', () => {
    const config = loadConfig({
      INTEGRATIONS_SECRET_STORES: '[{"name":"bootstrap","type":"env","tenants":["default"]}]',
      INTEGRATIONS_SECRET_CACHE_TTL_SECONDS: '60',
    });

    expect(config.secretStores).toEqual([{ name: 'bootstrap', type: 'env', tenants: ['default'] }]);
    expect(config.secretCacheTtlSeconds).toBe(60);
  });

  it('takes the master key from the environment only', () => {
    const path = join(dir, 'secret-config.yaml');
    writeFileSync(path, 'masterKey: c2VjcmV0\n');

    expect(loadConfig({ INTEGRATIONS_MASTER_KEY: 'abc' }).masterKey).toBe('abc');
    expect(() => loadConfig({ INTEGRATIONS_CONFIG: path })).toThrow(
      /'masterKey' is a secret and may only be set as INTEGRATIONS_MASTER_KEY/,
    );
  });
});

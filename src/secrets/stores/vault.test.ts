import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError, UpstreamError } from '../../core/errors.js';
import { createEgressPolicy, createHttpClient, type HttpClient } from '../../net/index.js';
import { parseAuthRef } from '../authref.js';
import { Secret, SecretBundle } from '../secret.js';
import { type FakeVault, startFakeVault } from './fake-vault.test-kit.js';
import { createVaultStore, type VaultStoreOptions } from './vault.js';

const PLANTED = 'robot$PLANTED-vault-9c2e';
const acme = { tenantId: 'acme' };

let vault: FakeVault;
let http: HttpClient;
let clock: number;

beforeEach(async () => {
  clock = Date.parse('2026-03-01T00:00:00Z');
  vault = await startFakeVault({ namespace: 'team-a', now: () => clock });
  http = createHttpClient({
    policy: createEgressPolicy({ allowPrivateNetworks: true, allowlist: [], allowAnyPort: true }),
    sleep: async () => {},
    circuitBreaker: { threshold: 1000, halfOpenAfterMs: 1 },
  });
});
afterEach(async () => {
  await http.close();
  await vault.close();
});

function store(overrides: Partial<VaultStoreOptions> = {}) {
  const token = vault.issueToken(['tenants/']);
  return createVaultStore({
    name: 'vault-prod',
    address: vault.address,
    namespace: 'team-a',
    auth: { method: 'token', token: async () => Secret.from(token) },
    http,
    now: () => clock,
    ...overrides,
  });
}

const reads = () => vault.requests.filter((r) => r.path.startsWith('/v1/secret/data/'));

describe('vault store (KV v2)', () => {
  it('reads data.data[key] under the tenant prefix, with token and namespace headers', async () => {
    vault.put('tenants/acme/ci/registry-robot', { username: 'robot', password: 'old' });
    vault.put('tenants/acme/ci/registry-robot', { username: 'robot', password: PLANTED });

    const result = await store().resolve(
      parseAuthRef('authref://vault-prod/ci/registry-robot#password'),
      acme,
    );

    expect((result.value as Secret).reveal()).toBe(PLANTED);
    expect(result.version).toBe('2');
    const [request] = reads();
    expect(request?.path).toBe('/v1/secret/data/tenants/acme/ci/registry-robot');
    expect(request?.headers['x-vault-token']).toMatch(/^hvs\./);
    expect(request?.headers['x-vault-namespace']).toBe('team-a');
  });

  it('reads a pinned ?version=N and records metadata.version', async () => {
    vault.put('tenants/acme/app', { token: 'first' });
    vault.put('tenants/acme/app', { token: 'second' });

    const result = await store().resolve(parseAuthRef('authref://vault-prod/app?version=1#token'), acme);

    expect((result.value as Secret).reveal()).toBe('first');
    expect(result.version).toBe('1');
    expect(reads()[0]?.path).toBe('/v1/secret/data/tenants/acme/app?version=1');
  });

  it('hands out every field as a bundle when the reference names no key, and walks JSON pointers', async () => {
    vault.put('tenants/acme/github-app', { appId: 12345, privateKey: PLANTED, nested: { deep: 'x' } });
    const vaultStore = store();

    const pointer = await vaultStore.resolve(
      parseAuthRef('authref://vault-prod/github-app#/nested/deep'),
      acme,
    );
    vault.put('tenants/acme/flat', { appId: 12345, privateKey: PLANTED });
    const whole = await vaultStore.resolve(parseAuthRef('authref://vault-prod/flat'), acme);

    expect((pointer.value as Secret).reveal()).toBe('x');
    expect(whole.value).toBeInstanceOf(SecretBundle);
    expect((whole.value as SecretBundle).require('appId').reveal()).toBe('12345');
    await expect(vaultStore.resolve(parseAuthRef('authref://vault-prod/github-app'), acme)).rejects.toThrow(
      /has nested field 'nested'/,
    );
  });

  it('maps 404 (no secret, no such version, no such key) to not found', async () => {
    vault.put('tenants/acme/app', { token: 't' });
    const vaultStore = store();

    for (const ref of [
      'authref://vault-prod/missing',
      'authref://vault-prod/app?version=7',
      'authref://vault-prod/app#nope',
    ]) {
      await expect(vaultStore.resolve(parseAuthRef(ref), acme)).rejects.toBeInstanceOf(NotFoundError);
    }
  });

  it('keeps tenants apart: the same reference reads under each tenant’s own prefix', async () => {
    vault.put('tenants/acme/app', { token: PLANTED });

    const error = await store()
      .resolve(parseAuthRef('authref://vault-prod/app#token'), { tenantId: 'other' })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(NotFoundError);
    expect(reads().map((r) => r.path)).toEqual(['/v1/secret/data/tenants/other/app']);
  });

  it('maps 403 to permission denied after reading the token once more', async () => {
    vault.put('secrets-of-others/app', { token: PLANTED });

    const error = await store({ pathPrefix: 'secrets-of-others' })
      .resolve(parseAuthRef('authref://vault-prod/app#token'), acme)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).isTransient).toBe(false);
    expect((error as Error).message).toBe(
      "secret store 'vault-prod' refused access to the secret (permission denied)",
    );
    expect(reads()).toHaveLength(2);
  });

  it('maps 5xx to a transient failure (after the HTTP layer’s retries)', async () => {
    vault.put('tenants/acme/app', { token: PLANTED });
    vault.failNext(10, 503);

    const error = await store()
      .resolve(parseAuthRef('authref://vault-prod/app#token'), acme)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).isTransient).toBe(true);
    expect((error as Error).message).toBe("secret store 'vault-prod' could not be read");
  });

  it('refuses a namespace it does not know', async () => {
    vault.put('tenants/acme/app', { token: PLANTED });

    const error = await store({ namespace: 'team-b' })
      .resolve(parseAuthRef('authref://vault-prod/app#token'), acme)
      .catch((e: unknown) => e);

    expect((error as Error).message).toMatch(/permission denied/);
  });

  it('never puts the value in an error or an error’s details', async () => {
    vault.put('tenants/acme/app', { token: PLANTED, list: [PLANTED] });
    const vaultStore = store();

    const errors = await Promise.all(
      [
        'authref://vault-prod/app#/list',
        'authref://vault-prod/app?encoding=base64#token',
        'authref://vault-prod/app#/token/x',
      ].map((ref) => vaultStore.resolve(parseAuthRef(ref), acme).catch((e: unknown) => e)),
    );

    for (const error of errors) {
      expect(error).toBeInstanceOf(Error);
      expect(
        JSON.stringify({
          message: (error as Error).message,
          details: (error as { details?: unknown }).details,
        }),
      ).not.toContain('PLANTED');
    }
  });
});

describe('vault store with AppRole', () => {
  function approleStore(role: { roleId: string; secretId: string }) {
    return createVaultStore({
      name: 'vault-prod',
      address: vault.address,
      namespace: 'team-a',
      auth: { method: 'approle', roleId: role.roleId, secretId: async () => Secret.from(role.secretId) },
      http,
      now: () => clock,
    });
  }
  const logins = () => vault.requests.filter((r) => r.path === '/v1/auth/approle/login');

  it('logs in at /v1/auth/approle/login once and reuses the token', async () => {
    vault.put('tenants/acme/app', { token: PLANTED });
    const role = vault.addRole(['tenants/']);
    const vaultStore = approleStore(role);

    for (let i = 0; i < 3; i++)
      await vaultStore.resolve(parseAuthRef('authref://vault-prod/app#token'), acme);

    expect(logins()).toHaveLength(1);
    expect(JSON.parse(logins()[0]!.body)).toEqual({ role_id: role.roleId, secret_id: role.secretId });
    expect(logins()[0]?.headers['x-vault-namespace']).toBe('team-a');
  });

  it('logs in again when Vault answers 403 (token revoked), then reads', async () => {
    vault.put('tenants/acme/app', { token: PLANTED });
    const vaultStore = approleStore(vault.addRole(['tenants/']));
    await vaultStore.resolve(parseAuthRef('authref://vault-prod/app#token'), acme);

    vault.revokeAllTokens();
    const result = await vaultStore.resolve(parseAuthRef('authref://vault-prod/app#token'), acme);

    expect((result.value as Secret).reveal()).toBe(PLANTED);
    expect(logins()).toHaveLength(2);
  });

  it('renews past half the lease, and logs in again once the lease is over', async () => {
    vault.put('tenants/acme/app', { token: PLANTED });
    const vaultStore = approleStore(vault.addRole(['tenants/'], { ttlSeconds: 60 }));
    const ref = parseAuthRef('authref://vault-prod/app#token');
    await vaultStore.resolve(ref, acme);

    clock += 35_000;
    await vaultStore.resolve(ref, acme);
    const renewals = vault.requests.filter((r) => r.path === '/v1/auth/token/renew-self');
    clock += 120_000;
    await vaultStore.resolve(ref, acme);

    expect(renewals).toHaveLength(1);
    expect(logins()).toHaveLength(2);
  });

  it('reports a refused login as a permanent failure without the secret id', async () => {
    const role = vault.addRole(['tenants/']);

    const error = await approleStore({ roleId: role.roleId, secretId: 'wrong-secret-id' })
      .resolve(parseAuthRef('authref://vault-prod/app#token'), acme)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).isTransient).toBe(false);
    expect(String((error as Error & { cause?: unknown }).cause)).toMatch(
      /AppRole login was refused \(HTTP 400\)/,
    );
    expect(JSON.stringify(error)).not.toContain('wrong-secret-id');
  });
});

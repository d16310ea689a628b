import { describe, expect, it } from 'vitest';
import { InvalidInputError, NotFoundError, UpstreamError } from '../core/errors.js';
import { recordingLogger } from '../net/loopback-server.test-kit.js';
import { createAuditTrail } from './audit-trail.js';
import { createFingerprinter } from './crypto/fingerprint.js';
import { createSecretResolver, type ResolveContext } from './resolver.js';
import { type Secret, SecretBundle } from './secret.js';
import { fakeStore, memoryAuditRepository, testMasterKeys } from './secrets.test-kit.js';
import { createSecretStoreRegistry } from './stores/registry.js';

const PLANTED = 'ghp_PLANTED0resolver0value';
const acme: ResolveContext = { tenantId: 'acme', actor: 'token:ci', integrationId: 'int-1', purpose: 'test' };

function setup(options: { ttlMs?: number; staleMs?: number; maxEntries?: number } = {}) {
  const vault = fakeStore('vault-prod');
  const hidden = fakeStore('vault-other');
  const repository = memoryAuditRepository();
  const audit = createAuditTrail({ repository });
  const logger = recordingLogger();
  let clock = 1_000_000;
  const resolver = createSecretResolver({
    stores: createSecretStoreRegistry([
      { store: vault.store, tenants: new Set(['acme', 'other']) },
      { store: hidden.store, tenants: new Set(['other']) },
    ]),
    audit,
    fingerprints: createFingerprinter(testMasterKeys()),
    logger,
    now: () => clock,
    ttlMs: options.ttlMs ?? 60_000,
    staleMs: options.staleMs ?? 120_000,
    maxEntries: options.maxEntries,
  });
  return {
    vault,
    hidden,
    resolver,
    logger,
    advance: (ms: number) => {
      clock += ms;
    },
    async audited() {
      await audit.flush();
      return repository.records;
    },
  };
}

const reveal = (value: unknown) => (value as Secret).reveal();

describe('secret resolver', () => {
  it('resolves through the named store and hands out a copy of the value', async () => {
    const { vault, resolver } = setup();
    vault.set('ci/token', { token: PLANTED });

    const first = await resolver.resolve('authref://vault-prod/ci/token#token', acme);
    first.value.dispose();
    const second = await resolver.resolve('authref://vault-prod/ci/token#token', acme);

    expect(reveal(second.value)).toBe(PLANTED);
    expect(first).toMatchObject({
      ref: 'authref://vault-prod/ci/token#token',
      store: 'vault-prod',
      version: '1',
      source: 'store',
    });
    expect(second.source).toBe('cache');
    expect(second.fingerprint).toBe(first.fingerprint);
    expect(second.fingerprint).toMatch(/^[0-9a-f]{8}:[0-9a-f]{32}$/);
  });

  it('caches per tenant and canonical reference, for the TTL', async () => {
    const { vault, resolver, advance } = setup({ ttlMs: 60_000 });
    vault.set('ci/token', { token: PLANTED });

    await resolver.resolve('authref://vault-prod/ci/token#token', acme);
    await resolver.resolve('AUTHREF://Vault-Prod/ci/%74oken#%74oken', acme);
    await resolver.resolve('authref://vault-prod/ci/token#token', { ...acme, tenantId: 'other' });
    const readsWithinTtl = vault.reads;
    advance(60_001);
    await resolver.resolve('authref://vault-prod/ci/token#token', acme);

    expect(readsWithinTtl).toBe(2);
    expect(vault.reads).toBe(3);
  });

  it('runs one fetch per key however many ask at once (singleflight)', async () => {
    const { vault, resolver, audited } = setup();
    vault.set('ci/token', { token: PLANTED });
    vault.hold();

    const waiting = Array.from({ length: 25 }, () =>
      resolver.resolve('authref://vault-prod/ci/token#token', acme),
    );
    vault.release();
    const results = await Promise.all(waiting);

    expect(vault.reads).toBe(1);
    expect(results.every((result) => reveal(result.value) === PLANTED)).toBe(true);
    const caches = (await audited()).map((record) => record.cache);
    expect(caches.filter((c) => c === 'miss')).toHaveLength(1);
    expect(caches.filter((c) => c === 'shared')).toHaveLength(24);
  });

  it('serves the last value for a bounded time when the store fails transiently, and warns', async () => {
    const { vault, resolver, advance, logger, audited } = setup({ ttlMs: 60_000, staleMs: 120_000 });
    vault.set('ci/token', { token: PLANTED });
    await resolver.resolve('authref://vault-prod/ci/token#token', acme);
    vault.failWith = new UpstreamError('secret store down', { isTransient: true });

    advance(90_000);
    const stale = await resolver.resolve('authref://vault-prod/ci/token#token', acme);
    advance(100_000);
    const tooOld = await resolver
      .resolve('authref://vault-prod/ci/token#token', acme)
      .catch((e: unknown) => e);

    expect(stale.source).toBe('stale');
    expect(reveal(stale.value)).toBe(PLANTED);
    expect(tooOld).toBeInstanceOf(UpstreamError);
    expect(logger.lines.filter((line) => line.level === 'warn').map((line) => line.message)).toEqual([
      'secret store failed; serving the last value it gave',
    ]);
    expect((await audited()).map((r) => r.outcome)).toEqual(['success', 'stale', 'error']);
  });

  it('serves nothing stale after a permanent failure or an invalidation', async () => {
    const { vault, resolver, advance } = setup();
    vault.set('ci/token', { token: PLANTED });
    await resolver.resolve('authref://vault-prod/ci/token#token', acme);

    advance(61_000);
    vault.failWith = new NotFoundError('secret', 'x');
    const gone = await resolver.resolve('authref://vault-prod/ci/token#token', acme).catch((e: unknown) => e);
    vault.failWith = new UpstreamError('down', { isTransient: true });
    resolver.invalidate('authref://vault-prod/ci/token#token', acme);
    const afterInvalidate = await resolver
      .resolve('authref://vault-prod/ci/token#token', acme)
      .catch((e: unknown) => e);

    expect(gone).toBeInstanceOf(NotFoundError);
    expect(afterInvalidate).toBeInstanceOf(UpstreamError);
  });

  it('asks the store again after invalidate', async () => {
    const { vault, resolver } = setup();
    vault.set('ci/token', { token: 'old' });
    await resolver.resolve('authref://vault-prod/ci/token#token', acme);

    vault.set('ci/token', { token: 'new' }, '2');
    const cached = await resolver.resolve('authref://vault-prod/ci/token#token', acme);
    resolver.invalidate('authref://Vault-Prod/ci/token#token', acme);
    const fresh = await resolver.resolve('authref://vault-prod/ci/token#token', acme);

    expect(reveal(cached.value)).toBe('old');
    expect([reveal(fresh.value), fresh.version]).toEqual(['new', '2']);
  });

  it('answers an unknown store and a forbidden one with the same message', async () => {
    const { resolver, audited } = setup();

    const unknown = await resolver.resolve('authref://nope/x', acme).catch((e: unknown) => e);
    const forbidden = await resolver.resolve('authref://vault-other/x', acme).catch((e: unknown) => e);

    expect(unknown).toBeInstanceOf(InvalidInputError);
    expect((unknown as Error).message).toBe("/authRef names an unknown secret store 'nope'");
    expect((forbidden as Error).message).toBe("/authRef names an unknown secret store 'vault-other'");
    expect((await audited()).map((r) => [r.outcome, r.store])).toEqual([
      ['denied', 'nope'],
      ['denied', 'vault-other'],
    ]);
  });

  it('refuses a parameter the store does not take, and audits invalid references without echoing them', async () => {
    const { resolver, audited } = setup();

    const param = await resolver
      .resolve('authref://vault-prod/x?stage=AWSCURRENT', acme)
      .catch((e: unknown) => e);
    const invalid = await resolver
      .resolve(`authref://u:${PLANTED}@vault-prod/x`, acme)
      .catch((e: unknown) => e);

    expect((param as Error).message).toBe(
      "/authRef has the parameter 'stage', which the vault store 'vault-prod' does not take",
    );
    expect(invalid).toBeInstanceOf(InvalidInputError);
    const records = await audited();
    expect(records.map((r) => [r.outcome, r.reference])).toEqual([
      ['invalid', 'authref://vault-prod/x?stage=AWSCURRENT'],
      ['invalid', null],
    ]);
    expect(JSON.stringify(records)).not.toContain('PLANTED');
  });

  it('audits every resolution: who, why, what, version, outcome, cache, latency and fingerprint, never the value', async () => {
    const { vault, resolver, audited } = setup();
    vault.set('app', { appId: '1', privateKey: PLANTED });

    const bundle = await resolver.resolve('authref://vault-prod/app', acme);
    await resolver.resolve('authref://vault-prod/app', acme);
    await resolver.resolve('authref://vault-prod/missing', acme).catch(() => undefined);

    expect(bundle.value).toBeInstanceOf(SecretBundle);
    const records = await audited();
    expect(records[0]).toMatchObject({
      tenantId: 'acme',
      actor: 'token:ci',
      integrationId: 'int-1',
      purpose: 'test',
      action: 'resolve',
      store: 'vault-prod',
      reference: 'authref://vault-prod/app',
      version: '1',
      outcome: 'success',
      cache: 'miss',
      fingerprint: bundle.fingerprint,
      detail: null,
    });
    expect(records.map((r) => [r.outcome, r.cache])).toEqual([
      ['success', 'miss'],
      ['success', 'hit'],
      ['not_found', 'miss'],
    ]);
    expect(records.every((r) => r.latencyMs >= 0 && r.id && r.at)).toBe(true);
    expect(JSON.stringify(records)).not.toContain('PLANTED');
  });

  it('keeps at most maxEntries values, dropping the least recently used', async () => {
    const { vault, resolver } = setup({ maxEntries: 2 });
    for (const path of ['a', 'b', 'c']) vault.set(path, { token: path });

    await resolver.resolve('authref://vault-prod/a#token', acme);
    await resolver.resolve('authref://vault-prod/b#token', acme);
    await resolver.resolve('authref://vault-prod/a#token', acme);
    await resolver.resolve('authref://vault-prod/c#token', acme);
    const before = vault.reads;
    await resolver.resolve('authref://vault-prod/a#token', acme);
    await resolver.resolve('authref://vault-prod/b#token', acme);

    expect(before).toBe(3);
    expect(vault.reads).toBe(4);
  });

  it('lets one caller give up without failing the others waiting on the same fetch', async () => {
    const { vault, resolver } = setup();
    vault.set('ci/token', { token: PLANTED });
    vault.hold();
    const controller = new AbortController();

    const impatient = resolver.resolve('authref://vault-prod/ci/token#token', {
      ...acme,
      signal: controller.signal,
    });
    const patient = resolver.resolve('authref://vault-prod/ci/token#token', acme);
    controller.abort(new Error('gave up'));
    vault.release();

    await expect(impatient).rejects.toThrow('gave up');
    expect(reveal((await patient).value)).toBe(PLANTED);
  });

  it('checks a reference before it is saved, with the answers resolve would give, reading nothing', async () => {
    const { vault, resolver, audited } = setup();

    const ok = resolver.check('authref://Vault-Prod/ci/token?version=2#token', 'acme');

    expect(ok.canonical).toBe('authref://vault-prod/ci/token?version=2#token');
    expect(() => resolver.check('authref://vault-other/x', 'acme')).toThrow(
      "/authRef names an unknown secret store 'vault-other'",
    );
    expect(() =>
      resolver.check('authref://vault-prod/x?stage=A', 'acme', { field: '/body/authRef' }),
    ).toThrow(/^\/body\/authRef has the parameter 'stage'/);
    expect(() => resolver.check('authref://vault-prod/../x', 'acme', { field: '/body/authRef' })).toThrow(
      /^\/body\/authRef has an empty|^\/body\/authRef .*'\.\.'/,
    );
    expect([vault.reads, (await audited()).length]).toEqual([0, 0]);
  });

  it('drops every cached variant of a reference on forget', async () => {
    const { vault, resolver } = setup();
    vault.set('app', { a: '1', b: '2' });
    await resolver.resolve('authref://vault-prod/app#a', acme);
    await resolver.resolve('authref://vault-prod/app?version=1#b', acme);

    resolver.forget('acme', 'authref://vault-prod/app');
    await resolver.resolve('authref://vault-prod/app#a', acme);
    await resolver.resolve('authref://vault-prod/app?version=1#b', acme);

    expect(vault.reads).toBe(4);
  });
});

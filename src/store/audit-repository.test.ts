import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testDatabaseTargets } from '../../test/support/databases.js';
import { createIdGenerator } from '../core/ids.js';
import type { AuditRecord } from './audit-repository.js';
import type { Database } from './database.js';
import { createStore, type Store } from './store.js';

const targets = await testDatabaseTargets();
const newId = createIdGenerator();

function record(overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    id: newId(),
    at: '2026-02-03T04:05:06.789Z',
    tenantId: 'acme',
    actor: 'token:ci',
    integrationId: null,
    purpose: 'health',
    action: 'resolve',
    store: 'local',
    reference: 'authref://local/x',
    version: '3',
    outcome: 'success',
    cache: 'hit',
    latencyMs: 0.125,
    fingerprint: 'a1b2c3d4:00112233445566778899aabbccddeeff',
    detail: null,
    ...overrides,
  };
}

describe.each(targets)('secret and audit repositories on $dialect', (target) => {
  let database: Database;
  let store: Store;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    if (!target.available) return;
    ({ database, dispose } = await openTestDatabase(target));
    store = createStore(database);
  });
  afterAll(async () => dispose?.());

  it.skipIf(!target.available)(
    'appends audit records and lists them newest first, by tenant, with filters and paging',
    async () => {
      const records = [
        record({ tenantId: 'audit-a', integrationId: 'int-1' }),
        record({
          tenantId: 'audit-a',
          outcome: 'not_found',
          cache: 'miss',
          fingerprint: null,
          detail: 'not_found: …',
        }),
        record({ tenantId: 'audit-a', action: 'create', cache: null }),
        record({ tenantId: 'audit-b' }),
      ];
      await store.audit.append(records);

      const all = await store.audit.list({ tenantId: 'audit-a' }, { limit: 10 });
      const page = await store.audit.list({ tenantId: 'audit-a' }, { limit: 2 });
      const next = await store.audit.list({ tenantId: 'audit-a' }, { limit: 2, beforeId: page[1]!.id });
      const failed = await store.audit.list({ tenantId: 'audit-a', outcome: 'not_found' }, { limit: 10 });
      const byIntegration = await store.audit.list({ tenantId: null, integrationId: 'int-1' }, { limit: 10 });
      const everyone = await store.audit.list(
        { tenantId: null, reference: 'authref://local/x' },
        { limit: 100 },
      );

      expect(all).toEqual([...records.slice(0, 3)].reverse());
      expect([...page, ...next]).toEqual(all);
      expect(failed.map((r) => r.detail)).toEqual(['not_found: …']);
      expect(byIntegration.map((r) => r.id)).toEqual([records[0]!.id]);
      expect(everyone.length).toBeGreaterThanOrEqual(4);
    },
  );

  it.skipIf(!target.available)('filters by time', async () => {
    await store.audit.append([
      record({ tenantId: 'audit-time', at: '2026-01-01T00:00:00.000Z' }),
      record({ tenantId: 'audit-time', at: '2026-01-02T00:00:00.000Z' }),
    ]);

    const since = await store.audit.list(
      { tenantId: 'audit-time', since: '2026-01-01T12:00:00.000Z' },
      { limit: 10 },
    );

    expect(since.map((r) => r.at)).toEqual(['2026-01-02T00:00:00.000Z']);
  });

  it.skipIf(!target.available)('allows one active data key per tenant', async () => {
    const key = (id: string) => ({
      id,
      tenantId: 'dk-tenant',
      masterKeyId: 'a1b2c3d4e5f60718',
      wrappedKey: 'w1.a1b2c3d4e5f60718.x.y',
      active: true,
      createdAt: '2026-01-01T00:00:00.000Z',
      rewrappedAt: null,
    });

    const first = await store.secrets.insertDataKey(key(newId()));
    const second = await store.secrets.insertDataKey(key(newId()));
    const other = await store.secrets.insertDataKey({ ...key(newId()), tenantId: 'dk-other' });

    expect([first, second, other]).toEqual([true, false, true]);
    expect((await store.secrets.findActiveDataKey('dk-tenant'))?.active).toBe(true);
  });
});

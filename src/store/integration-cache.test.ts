import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testDatabaseTargets } from '../../test/support/databases.js';
import { sampleIntegration as integration } from '../../test/support/integrations.js';
import { createIdGenerator } from '../core/ids.js';
import type { Integration } from '../core/integration.js';
import { type Database, openDatabase } from './database.js';
import { createIntegrationCache } from './integration-cache.js';
import { migrateToLatest } from './migrate.js';
import { createStore, type Store } from './store.js';

const newId = createIdGenerator();

describe('createIntegrationCache', () => {
  function setup(options: { maxEntries?: number } = {}) {
    let version = 1;
    let clock = 0;
    const cache = createIntegrationCache({
      externalVersion: () => version,
      externalCheckMs: 100,
      now: () => clock,
      ...options,
    });
    return {
      cache,
      bumpExternal: () => {
        version += 1;
      },
      advance: (ms: number) => {
        clock += ms;
      },
    };
  }

  it('answers a remembered integration to its own tenant only', () => {
    const { cache } = setup();
    const one = integration();
    cache.remember(one, cache.stamp());

    expect(cache.get('acme', one.id)).toEqual(one);
    expect(cache.get('other-tenant', one.id)).toBeUndefined();
    expect(cache.get('acme', newId())).toBeUndefined();
  });

  it('hands out frozen integrations, nested values included', () => {
    const { cache } = setup();
    const kept = cache.remember(integration(), cache.stamp());

    expect(Object.isFrozen(kept)).toBe(true);
    expect(Object.isFrozen(kept.config)).toBe(true);
    expect(Object.isFrozen(kept.tags)).toBe(true);
    expect(Object.isFrozen(kept.health)).toBe(true);
    expect(() => {
      (kept.tags as string[]).push('changed');
    }).toThrow(TypeError);
  });

  it('does not keep a read that overlapped a write, and forgets what is written', () => {
    const { cache } = setup();
    const one = integration();
    const stamp = cache.stamp();
    cache.forget(one.id); // a write landed while the read was in flight
    cache.remember(one, stamp);
    expect(cache.get('acme', one.id)).toBeUndefined();

    cache.remember(one, cache.stamp());
    expect(cache.get('acme', one.id)).toBeDefined();
    cache.forget([newId(), one.id]);
    expect(cache.get('acme', one.id)).toBeUndefined();
  });

  it('empties itself when another connection commits, noticed within the check interval', () => {
    const { cache, bumpExternal, advance } = setup();
    const one = integration();
    cache.remember(one, cache.stamp());

    bumpExternal();
    advance(50);
    expect(cache.get('acme', one.id)).toBeDefined(); // not asked yet: within the interval
    advance(50);
    expect(cache.get('acme', one.id)).toBeUndefined();

    // A read begun before the external change was noticed is not kept either.
    const stamp = cache.stamp();
    bumpExternal();
    advance(100);
    cache.stamp();
    cache.remember(one, stamp);
    expect(cache.get('acme', one.id)).toBeUndefined();
  });

  it('keeps at most maxEntries, dropping the oldest first', () => {
    const { cache } = setup({ maxEntries: 2 });
    const [a, b, c] = [integration(), integration(), integration()];
    for (const one of [a, b, c]) cache.remember(one, cache.stamp());

    expect(cache.get('acme', a.id)).toBeUndefined();
    expect(cache.get('acme', b.id)).toBeDefined();
    expect(cache.get('acme', c.id)).toBeDefined();
  });

  it('gives transactions a view that forgets but neither answers nor keeps', () => {
    const { cache } = setup();
    const [kept, other] = [integration(), integration()];
    cache.remember(kept, cache.stamp());
    const inTransaction = cache.forWrites();

    expect(inTransaction.get('acme', kept.id)).toBeUndefined();
    inTransaction.remember(other, inTransaction.stamp());
    expect(cache.get('acme', other.id)).toBeUndefined();
    inTransaction.forget(kept.id);
    expect(cache.get('acme', kept.id)).toBeUndefined();
  });
});

// Every writer of the integrations table, then a read: what the reader sees is what was written. On
// SQLite the reads go through the cache; on PostgreSQL (no cache) the same contract holds.
const targets = await testDatabaseTargets();

describe.each(targets)('reading integrations after writes, on $dialect', (target) => {
  let database: Database;
  let store: Store;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    if (!target.available) return;
    ({ database, dispose } = await openTestDatabase(target));
    store = createStore(database);
  });
  afterAll(async () => dispose?.());

  async function stored(overrides: Partial<Integration> = {}): Promise<Integration> {
    const one = integration(overrides);
    await store.integrations.insert(one);
    expect(await store.integrations.findById('acme', one.id)).toEqual(one); // read once: cached
    return one;
  }

  it.skipIf(!target.available)('sees an update and a delete', async () => {
    const one = await stored();
    const next = { ...one, name: `${one.name}-renamed`, version: 2, config: { health: 'failing' } };
    expect(await store.integrations.update(next, 1)).toBe(true);
    expect(await store.integrations.findById('acme', one.id)).toEqual(next);

    expect(await store.integrations.delete('acme', one.id, 2)).toBe(true);
    expect(await store.integrations.findById('acme', one.id)).toBeUndefined();
  });

  it.skipIf(!target.available)('sees health written by a check and by the poller in bulk', async () => {
    const one = await stored();
    const health = { status: 'healthy', checkedAt: '2026-01-02T03:05:00.000Z', latencyMs: 12, message: 'ok' };
    await store.health.setHealth('acme', one.id, health as Integration['health'], 'active');
    expect(await store.integrations.findById('acme', one.id)).toMatchObject({ health, status: 'active' });

    await store.health.schedule('acme', one.id, '2026-01-02T03:00:00.000Z');
    const [check] = await store.health.claimDue(
      'instance-a',
      '2026-01-02T03:06:00.000Z',
      '2026-01-02T03:07:00.000Z',
      1000,
    );
    expect(check?.integrationId).toBe(one.id);
    const polled = {
      status: 'degraded',
      checkedAt: '2026-01-02T03:06:00.000Z',
      latencyMs: 900,
      message: 'slow',
    };
    const written = await store.transaction((tx) =>
      tx.health.recordResults(
        [
          {
            check: check!,
            next: { nextRunAt: '2026-01-02T04:06:00.000Z', consecutiveFailures: 0, consecutiveSuccesses: 0 },
            health: polled as Integration['health'],
            status: 'active',
            record: {
              id: newId(),
              tenantId: 'acme',
              integrationId: one.id,
              kind: 'health',
              status: 'degraded',
              message: 'slow',
              latencyMs: 900,
              checks: null,
              checkedAt: polled.checkedAt,
              instance: 'instance-a',
            },
          },
        ],
        10,
      ),
    );
    expect(written).toEqual([true]);
    expect(await store.integrations.findById('acme', one.id)).toMatchObject({ health: polled });
  });

  it.skipIf(!target.available)('keeps nothing of a transaction that rolled back', async () => {
    const one = await stored();
    const next = { ...one, name: `${one.name}-rolled-back`, version: 2 };
    await expect(
      store.transaction(async (tx) => {
        await tx.integrations.update(next, 1);
        expect(await tx.integrations.findById('acme', one.id)).toEqual(next); // its own write, inside
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await store.integrations.findById('acme', one.id)).toEqual(one);
  });

  it.skipIf(!target.available)(
    'never keeps the value from before a write that a read overlapped',
    async () => {
      const one = await stored();
      await store.integrations.update({ ...one, version: 2 }, 1); // forgotten: the next read queries
      const next = { ...one, name: `${one.name}-raced`, version: 3 };
      const reading = store.integrations.findById('acme', one.id);
      const writing = store.integrations.update(next, 2);
      await Promise.all([reading, writing]);
      expect(await store.integrations.findById('acme', one.id)).toEqual(next);
    },
  );

  it.skipIf(!target.available)('hands out integrations nobody can change', async () => {
    const one = await stored();
    const read = (await store.integrations.findById('acme', one.id))!;
    if (target.dialect === 'sqlite') {
      expect(() => {
        (read as { name: string }).name = 'changed';
      }).toThrow(TypeError);
    }
    expect((await store.integrations.findById('acme', one.id))!.name).toBe(one.name);
  });
});

describe('the SQLite cache and other connections to the same file', () => {
  let dir: string;
  let database: Database;
  let store: Store;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'integration-cache-'));
    database = openDatabase({ url: null, dataDir: dir });
    await migrateToLatest(database);
    store = createStore(database);
  });
  afterAll(async () => {
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sees a commit by another connection within a tenth of a second', async () => {
    const one = integration();
    await store.integrations.insert(one);
    expect((await store.integrations.findById('acme', one.id))!.name).toBe(one.name);

    const other = new BetterSqlite3(join(dir, 'integrations.db'));
    try {
      other.prepare('update integrations set name = ? where id = ?').run('edited-elsewhere', one.id);
    } finally {
      other.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect((await store.integrations.findById('acme', one.id))!.name).toBe('edited-elsewhere');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testDatabaseTargets } from '../../test/support/databases.js';
import { createIdGenerator } from '../core/ids.js';
import type { Database } from './database.js';
import type { OutboxEvent } from './outbox-repository.js';
import { createStore, type Store } from './store.js';

const targets = await testDatabaseTargets();
const newId = createIdGenerator();

function event(tenantId: string, n: number): OutboxEvent {
  return {
    id: newId(),
    tenantId,
    subject: newId(),
    type: 'integration.health_changed',
    data: { n, from: 'unknown', to: 'healthy' },
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
  };
}

describe.each(targets)('outbox repository on $dialect', (target) => {
  let database: Database;
  let store: Store;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    if (!target.available) return;
    ({ database, dispose } = await openTestDatabase(target));
    store = createStore(database);
  });
  afterAll(async () => dispose?.());
  const test = it.skipIf(!target.available);

  /** The `n` of each event of a tenant in `seq` order, and whether the `seq`s follow one another. */
  async function inSeqOrder(tenantId: string) {
    const rows = await database.db
      .selectFrom('outbox')
      .select(['seq', 'data'])
      .where('tenant_id', '=', tenantId)
      .orderBy('seq')
      .execute();
    const data = rows.map((row) => (typeof row.data === 'string' ? JSON.parse(row.data) : row.data));
    const seqs = rows.map((row) => Number(row.seq));
    return {
      ns: data.map((d: { n: number }) => d.n),
      consecutive: seqs.every((seq, i) => seq === seqs[0]! + i),
    };
  }

  test('appendMany writes every event as append would, in the order given, after earlier ones', async () => {
    const events = Array.from({ length: 6 }, (_, n) => event('many', n));

    await store.transaction(async (tx) => {
      await tx.outbox.append(events[0]!);
      await tx.outbox.appendMany(events.slice(1, 5));
      await tx.outbox.append(events[5]!);
    });

    const listed = await store.outbox.listForTenant('many', 100);
    expect(listed).toEqual(events);
    expect(await inSeqOrder('many')).toEqual({ ns: [0, 1, 2, 3, 4, 5], consecutive: true });
  });

  test('appendMany keeps the order of many events, and does nothing for none', async () => {
    const events = Array.from({ length: 1_203 }, (_, n) => event('many-more', n));

    await store.outbox.appendMany([]);
    await store.outbox.appendMany(events);

    const { ns, consecutive } = await inSeqOrder('many-more');
    expect(ns).toEqual(events.map((_, n) => n));
    expect(consecutive).toBe(true);
  });
});

import { Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testDatabaseTargets } from '../../test/support/databases.js';
import { sampleIntegration as integration } from '../../test/support/integrations.js';
import { createIdGenerator } from '../core/ids.js';
import { UNKNOWN_HEALTH } from '../core/integration.js';
import type { Database } from './database.js';
import { isMigrated, migrateToLatest } from './migrate.js';
import { isUniqueViolation } from './rows.js';
import { createStore, type Store } from './store.js';

const targets = await testDatabaseTargets();
const newId = createIdGenerator();

// One repository suite, run unchanged on both dialects.
describe.each(targets)('store on $dialect', (target) => {
  let database: Database;
  let store: Store;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    if (!target.available) return;
    ({ database, dispose } = await openTestDatabase(target));
    store = createStore(database);
  });
  afterAll(async () => dispose?.());

  it.skipIf(!target.available)('round-trips every field of an integration', async () => {
    const original = integration({
      authRef: 'authref://local/acme/github',
      health: { status: 'degraded', checkedAt: '2026-01-02T03:04:06.000Z', latencyMs: 42, message: 'slow' },
    });

    await store.integrations.insert(original);
    const read = await store.integrations.findById('acme', original.id);

    expect(read).toEqual(original);
  });

  it.skipIf(!target.available)('never returns another tenant’s rows', async () => {
    const mine = integration();
    await store.integrations.insert(mine);

    const fromOther = await store.integrations.findById('other', mine.id);
    const listedByOther = await store.integrations.list('other', {}, { limit: 500 });

    expect(fromOther).toBeUndefined();
    expect(listedByOther.map((i) => i.id)).not.toContain(mine.id);
  });

  it.skipIf(!target.available)('enforces unique names within a tenant only', async () => {
    const first = integration({ name: 'same-name' });
    await store.integrations.insert(first);

    const duplicate = store.integrations.insert(integration({ name: 'same-name' }));
    const otherTenant = store.integrations.insert(integration({ name: 'same-name', tenantId: 'other' }));

    await expect(duplicate).rejects.toSatisfy(isUniqueViolation);
    await expect(otherTenant).resolves.toBeUndefined();
  });

  it.skipIf(!target.available)('filters by type, provider, tag, health, enabled and text', async () => {
    const tenantId = `filters-${target.dialect}`;
    const a = integration({ tenantId, name: 'alpha-Repo', tags: ['blue'], owner: 'Platform 100%' });
    const b = integration({ tenantId, name: 'beta', type: 'registry', tags: ['green'], enabled: false });
    const c = integration({
      tenantId,
      name: 'gamma_x',
      provider: 'other',
      tags: ['blue', 'green'],
      health: { ...UNKNOWN_HEALTH, status: 'unhealthy' },
    });
    for (const item of [a, b, c]) await store.integrations.insert(item);
    const names = async (filter: Parameters<Store['integrations']['list']>[1]) =>
      (await store.integrations.list(tenantId, filter, { limit: 100 })).map((i) => i.name);

    expect(await names({ type: 'registry' })).toEqual(['beta']);
    expect(await names({ provider: 'other' })).toEqual(['gamma_x']);
    expect(await names({ tag: 'blue' })).toEqual(['alpha-Repo', 'gamma_x']);
    expect(await names({ tag: 'blue', health: 'unhealthy' })).toEqual(['gamma_x']);
    expect(await names({ enabled: false })).toEqual(['beta']);
    expect(await names({ q: 'REPO' })).toEqual(['alpha-Repo']);
    expect(await names({ q: '100%' })).toEqual(['alpha-Repo']);
    // LIKE wildcards in the search text match themselves only.
    expect(await names({ q: '_' })).toEqual(['gamma_x']);
    expect(await names({ q: "' or 1=1 --" })).toEqual([]);
  });

  it.skipIf(!target.available)('pages in id order with no gaps or repeats', async () => {
    const tenantId = `paging-${target.dialect}`;
    const ids: string[] = [];
    for (let i = 0; i < 25; i += 1) {
      const item = integration({ tenantId, name: `p-${i}` });
      ids.push(item.id);
      await store.integrations.insert(item);
    }

    const seen: string[] = [];
    let afterId: string | undefined;
    for (;;) {
      const page = await store.integrations.list(tenantId, {}, { limit: 10, afterId });
      seen.push(...page.map((i) => i.id));
      if (page.length < 10) break;
      afterId = page.at(-1)!.id;
    }

    expect(seen).toEqual(ids);
  });

  it.skipIf(!target.available)('updates only at the expected version and replaces tags', async () => {
    const original = integration();
    await store.integrations.insert(original);
    const next = { ...original, name: 'renamed', tags: ['new'], version: 2 };

    const stale = await store.integrations.update({ ...next, version: 3 }, 2);
    const applied = await store.integrations.update(next, 1);
    const byOldTag = await store.integrations.list('acme', { tag: 'prod' }, { limit: 500 });

    expect(stale).toBe(false);
    expect(applied).toBe(true);
    expect(await store.integrations.findById('acme', original.id)).toEqual(next);
    expect(byOldTag.map((i) => i.id)).not.toContain(original.id);
  });

  it.skipIf(!target.available)('deletes with its tags, and only at the expected version', async () => {
    const original = integration();
    await store.integrations.insert(original);

    const stale = await store.integrations.delete('acme', original.id, 7);
    const deleted = await store.integrations.delete('acme', original.id, 1);
    const again = await store.integrations.delete('acme', original.id);

    expect([stale, deleted, again]).toEqual([false, true, false]);
    expect(await store.integrations.findById('acme', original.id)).toBeUndefined();
  });

  it.skipIf(!target.available)('commits a change and its outbox event together, or neither', async () => {
    const kept = integration({ tenantId: `outbox-${target.dialect}` });
    const lost = integration({ tenantId: kept.tenantId });
    const event = (subject: string) => ({
      id: newId(),
      tenantId: kept.tenantId,
      subject,
      type: 'integration.created',
      data: { integrationId: subject },
      createdAt: new Date().toISOString(),
    });

    await store.transaction(async (tx) => {
      await tx.integrations.insert(kept);
      await tx.outbox.append(event(kept.id));
    });
    const failed = store.transaction(async (tx) => {
      await tx.integrations.insert(lost);
      await tx.outbox.append(event(lost.id));
      throw new Error('rolled back');
    });

    await expect(failed).rejects.toThrow('rolled back');
    expect(await store.integrations.findById(kept.tenantId, lost.id)).toBeUndefined();
    const events = await store.outbox.listForTenant(kept.tenantId, 10);
    expect(events.map((e) => e.subject)).toEqual([kept.id]);
    expect(events[0]?.data).toEqual({ integrationId: kept.id });
  });

  it.skipIf(!target.available)('records health results together, but none whose lease was lost', async () => {
    const tenantId = `health-${target.dialect}`;
    const [held, lost] = [integration({ tenantId }), integration({ tenantId })];
    await store.transaction(async (tx) => {
      for (const one of [held, lost]) {
        await tx.integrations.insert(one);
        await tx.health.schedule(tenantId, one.id, '2026-01-02T03:00:00.000Z');
      }
    });
    const claims = await store.health.claimDue(
      'instance-a',
      '2026-01-02T03:01:00.000Z',
      '2026-01-02T03:02:00.000Z',
      10,
    );
    expect(claims.map((c) => c.integrationId).sort()).toEqual([held.id, lost.id].sort());
    // Another instance took the second over after the lease ran out.
    await database.db
      .updateTable('poll_schedule')
      .set({ lease_owner: 'instance-b', lease_version: sql`lease_version + 1` })
      .where('integration_id', '=', lost.id)
      .execute();
    const checkedAt = '2026-01-02T03:01:30.000Z';
    const write = (claim: (typeof claims)[number], n: number) => ({
      check: claim,
      next: { nextRunAt: `2026-01-02T04:0${n}:00.000Z`, consecutiveFailures: 1, consecutiveSuccesses: 0 },
      health: { status: 'degraded' as const, checkedAt, latencyMs: 900 + n, message: `slow ${n}` },
      status: 'active' as const,
      record: {
        id: newId(),
        tenantId,
        integrationId: claim.integrationId,
        kind: 'health' as const,
        status: 'degraded' as const,
        message: `slow ${n}`,
        latencyMs: 900 + n,
        checks: [{ name: 'reachable', ok: true, message: "it's up" }],
        checkedAt,
        instance: 'instance-a',
      },
    });
    const ordered = [
      claims.find((c) => c.integrationId === held.id)!,
      claims.find((c) => c.integrationId === lost.id)!,
    ];

    const written = await store.transaction((tx) => tx.health.recordResults(ordered.map(write), 10));

    expect(written).toEqual([true, false]);
    expect((await store.integrations.findById(tenantId, held.id))?.health).toEqual(
      write(ordered[0]!, 0).health,
    );
    expect((await store.integrations.findById(tenantId, lost.id))?.health).toEqual(lost.health);
    expect(await store.health.listChecks(tenantId, held.id, 10)).toEqual(
      [write(ordered[0]!, 0).record].map((r) => ({ ...r, id: expect.any(String) })),
    );
    expect(await store.health.listChecks(tenantId, lost.id, 10)).toEqual([]);
    expect(await store.health.getSchedule(tenantId, held.id)).toEqual({
      nextRunAt: '2026-01-02T04:00:00.000Z',
      leaseOwner: null,
      consecutiveFailures: 1,
      consecutiveSuccesses: 0,
    });
    expect((await store.health.getSchedule(tenantId, lost.id))?.leaseOwner).toBe('instance-b');

    // Retention: the newest `keep` records of each integration stay.
    for (let round = 1; round <= 3; round += 1) {
      const [again] = await store.health
        .claimDue('instance-a', '2026-01-02T05:00:00.000Z', '2026-01-02T05:01:00.000Z', 10)
        .then((all) => all.filter((c) => c.integrationId === held.id));
      expect(await store.transaction((tx) => tx.health.recordResults([write(again!, round)], 2))).toEqual([
        true,
      ]);
    }
    expect((await store.health.listChecks(tenantId, held.id, 10)).map((r) => r.message)).toEqual([
      'slow 3',
      'slow 2',
    ]);
  });

  it.skipIf(!target.available)('claims an idempotency key once and replays what was stored', async () => {
    const now = new Date().toISOString();

    const first = await store.idempotency.claim('acme', 'key-1', 'fp', now);
    const during = await store.idempotency.claim('acme', 'key-1', 'fp', now);
    await store.idempotency.complete('acme', 'key-1', 201, '{"ok":true}');
    const after = await store.idempotency.claim('acme', 'key-1', 'fp', now);
    const otherTenant = await store.idempotency.claim('other', 'key-1', 'fp', now);

    expect(first).toEqual({ state: 'claimed' });
    expect(during).toEqual({ state: 'in_progress', fingerprint: 'fp' });
    expect(after).toEqual({ state: 'completed', fingerprint: 'fp', statusCode: 201, body: '{"ok":true}' });
    expect(otherTenant).toEqual({ state: 'claimed' });
  });

  it.skipIf(!target.available)('migrates idempotently and reports the schema current', async () => {
    const again = await migrateToLatest(database);

    expect(again).toEqual([]);
    expect(await isMigrated(database)).toBe(true);
  });
});

describe.each(targets)('migrations on $dialect', (target) => {
  it.skipIf(!target.available)('are safe when several instances start at once', async () => {
    const created = await target.create();
    const { openDatabase } = await import('./database.js');
    const instances = Array.from({ length: 4 }, () =>
      openDatabase({ url: created.url, dataDir: created.dataDir, poolSize: 2 }),
    );

    try {
      const results = await Promise.all(instances.map((db) => migrateToLatest(db)));

      // Each migration ran exactly once, in order, across the instances.
      expect(results.flat().sort()).toEqual([...new Set(results.flat())].sort());
      expect(results.flat().sort().slice(0, 3)).toEqual(['0001-catalog', '0002-health', '0003-events']);
      for (const db of instances) expect(await isMigrated(db)).toBe(true);
    } finally {
      await Promise.all(instances.map((db) => db.close()));
      await created.dispose();
    }
  });

  it.skipIf(!target.available)('leave nothing behind when one fails half-way', async () => {
    const created = await target.create();
    const { openDatabase } = await import('./database.js');
    const db = openDatabase({ url: created.url, dataDir: created.dataDir, poolSize: 2 });
    const migrator = new Migrator({
      db: db.db,
      migrationTableName: 'half_way_migration',
      migrationLockTableName: 'half_way_migration_lock',
      provider: {
        getMigrations: async () => ({
          '0001-whole': {
            up: async (trx) => {
              await sql`create table whole_table (id integer)`.execute(trx);
            },
          },
          '0002-broken': {
            up: async (trx) => {
              await sql`create table half_table (id integer)`.execute(trx);
              await sql`insert into no_such_table values (1)`.execute(trx);
            },
          },
        }),
      },
    });

    try {
      const result = await migrator.migrateToLatest();
      const tables = (await db.db.introspection.getTables()).map((t) => t.name);

      expect(result.error).toBeDefined();
      // One run is one transaction: the migration before the broken one is rolled back with it.
      expect(tables).not.toContain('half_table');
      expect(tables).not.toContain('whole_table');
      expect((await migrator.getMigrations()).every((m) => m.executedAt === undefined)).toBe(true);
    } finally {
      await db.close();
      await created.dispose();
    }
  });
});

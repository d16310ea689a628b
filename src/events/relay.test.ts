import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testDatabaseTargets } from '../../test/support/databases.js';
import { createIdGenerator } from '../core/ids.js';
import { silentLogger } from '../core/logger.js';
import type { Database } from '../store/database.js';
import { createEventLogRepository } from '../store/event-log-repository.js';
import { createOutboxDeliveryRepository } from '../store/outbox-delivery-repository.js';
import { createStore, type Store } from '../store/store.js';
import { createOutboxRelay, type OutboxRelay, type RelaySettings } from './relay.js';
import { type RecordingSink, recordingSink } from './sinks/recording-sink.test-kit.js';

const targets = await testDatabaseTargets();
const SOURCE = '/integrations-catalog/test';

describe.each(targets)('outbox relay on $dialect', (target) => {
  let database: Database;
  let store: Store;
  let dispose: () => Promise<void>;
  let clock: number;
  const now = () => new Date(clock);
  const newId = createIdGenerator(() => clock);
  const relays: OutboxRelay[] = [];

  beforeAll(async () => {
    if (!target.available) return;
    ({ database, dispose } = await openTestDatabase(target));
    store = createStore(database);
  });
  afterAll(async () => dispose?.());
  afterEach(async () => {
    await Promise.all(relays.splice(0).map((relay) => relay.stop()));
    // Every test starts from an empty outbox.
    await database?.db.deleteFrom('outbox_deliveries').execute();
    await database?.db.deleteFrom('outbox').execute();
  });
  const test = it.skipIf(!target.available);

  function relay(
    sinks: RecordingSink[],
    options: { settings?: Partial<RelaySettings>; registry?: Registry } = {},
  ) {
    const created = createOutboxRelay({
      database,
      sinks,
      source: SOURCE,
      instanceId: `relay-${relays.length}`,
      logger: silentLogger,
      now,
      random: () => 0.5,
      registry: options.registry,
      settings: { backoffBaseMs: 1_000, ...options.settings },
    });
    relays.push(created);
    return created;
  }

  async function append(subject: string, n: number, tenantId = 'acme') {
    const id = newId();
    clock += 1;
    await store.outbox.append({
      id,
      tenantId,
      subject,
      type: 'integration.updated',
      data: { integrationId: subject, version: n },
      createdAt: now().toISOString(),
    });
    return id;
  }

  /** Writes `perSubject` events for each subject, interleaved; returns the ids per subject in write order. */
  async function writeInterleaved(subjects: string[], perSubject: number): Promise<Map<string, string[]>> {
    const written = new Map<string, string[]>(subjects.map((s) => [s, []]));
    for (let n = 1; n <= perSubject; n++) {
      for (const subject of subjects) written.get(subject)!.push(await append(subject, n));
    }
    return written;
  }

  const idsOf = (sink: RecordingSink, subject: string) =>
    sink.accepted.filter((e) => e.subject === subject).map((e) => e.id);

  test('delivers every event once to every sink, in order per integration, as CloudEvents', async () => {
    clock = Date.parse('2026-03-01T00:00:00Z');
    const subjects = [newId(), newId(), newId()];
    const written = await writeInterleaved(subjects, 5);
    const [a, b] = [recordingSink('a'), recordingSink('b')];

    await relay([a, b], { settings: { runLength: 2, batchSize: 2 } }).drain();

    for (const sink of [a, b]) {
      expect(sink.accepted).toHaveLength(15);
      expect(new Set(sink.accepted.map((e) => e.id)).size).toBe(15);
      for (const subject of subjects) expect(idsOf(sink, subject)).toEqual(written.get(subject));
    }
    const first = a.accepted.find((e) => e.id === written.get(subjects[0]!)![0])!;
    expect(first).toEqual({
      specversion: '1.0',
      id: written.get(subjects[0]!)![0],
      source: SOURCE,
      type: 'integration.updated',
      subject: subjects[0],
      time: expect.stringMatching(/^2026-03-01T00:00:00\.\d{3}Z$/),
      datacontenttype: 'application/json',
      tenantid: 'acme',
      data: { integrationId: subjects[0], version: 1 },
    });
    const stats = await createOutboxDeliveryRepository(database.db, database.dialect).stats();
    expect(stats).toEqual({ depth: 0, oldestUndeliveredAt: null, parked: 0 });
  });

  test('a subject blocked on one sink waits, while other subjects and other sinks proceed', async () => {
    clock = Date.parse('2026-03-02T00:00:00Z');
    const [blocked, free] = [newId(), newId()];
    const written = await writeInterleaved([blocked, free], 4);
    const [flaky, steady] = [recordingSink('flaky'), recordingSink('steady')];
    const head = written.get(blocked)![0];
    flaky.answer((event, tries) => (event.id === head && tries < 3 ? 'transient' : 'ok'));
    const r = relay([flaky, steady]);

    await r.drain();

    expect(idsOf(flaky, blocked)).toEqual([]);
    expect(flaky.tried.filter((e) => e.subject === blocked).map((e) => e.id)).toEqual([
      written.get(blocked)![0],
    ]);
    expect(idsOf(flaky, free)).toEqual(written.get(free));
    expect(idsOf(steady, blocked)).toEqual(written.get(blocked));
    const state = await database.db
      .selectFrom('outbox_deliveries')
      .selectAll()
      .where('event_id', '=', head!)
      .where('sink', '=', 'flaky')
      .executeTakeFirstOrThrow();
    expect(state).toMatchObject({ attempts: 1, last_error: 'flaky: HTTP 503 (test)', lease_owner: null });

    await r.drain(); // not due yet: nothing is tried
    expect(flaky.tried.filter((e) => e.subject === blocked)).toHaveLength(1);
    clock += 10 * 60_000;
    await r.drain(); // second try fails again
    clock += 10 * 60_000;
    await r.drain();

    expect(idsOf(flaky, blocked)).toEqual(written.get(blocked));
    const stored = await database.db.selectFrom('outbox').select(['id', 'delivered_at']).execute();
    expect(stored.every((row) => row.delivered_at !== null)).toBe(true);
  });

  test('a permanent failure parks the event with its reason; the lane goes on; retry delivers it', async () => {
    clock = Date.parse('2026-03-03T00:00:00Z');
    const subject = newId();
    const ids = [await append(subject, 1), await append(subject, 2), await append(subject, 3)];
    const [picky, other] = [recordingSink('picky'), recordingSink('other')];
    picky.answer((event, tries) => (event.id === ids[1] && tries === 1 ? 'permanent' : 'ok'));
    const r = relay([picky, other]);

    await r.drain();

    expect(idsOf(picky, subject)).toEqual([ids[0], ids[2]]);
    expect(idsOf(other, subject)).toEqual(ids);
    const log = createEventLogRepository(database.db);
    const parked = await log.listParked('acme', 0, 10);
    expect(parked).toHaveLength(1);
    expect(parked[0]!.event.id).toBe(ids[1]);
    expect(parked[0]!.deliveries).toEqual([
      {
        sink: 'picky',
        attempts: 1,
        parkedAt: now().toISOString(),
        reason: 'picky: HTTP 400 (test)',
        lastError: 'picky: HTTP 400 (test)',
      },
    ]);
    const depth = await createOutboxDeliveryRepository(database.db, database.dialect).stats();
    expect(depth).toMatchObject({ depth: 1, parked: 1 });

    expect(await log.retry('other-tenant', ids[1]!, now().toISOString())).toEqual([]);
    expect(await log.retry('acme', ids[1]!, now().toISOString())).toEqual(['picky']);
    await r.drain();

    expect(idsOf(picky, subject)).toEqual([ids[0], ids[2], ids[1]]);
    expect(await log.listParked('acme', 0, 10)).toEqual([]);
    expect(await createOutboxDeliveryRepository(database.db, database.dialect).stats()).toMatchObject({
      depth: 0,
      parked: 0,
    });
  });

  test('leases of a relay that died expire, and another relay takes the work over', async () => {
    clock = Date.parse('2026-03-04T00:00:00Z');
    const subject = newId();
    const ids = [await append(subject, 1), await append(subject, 2)];
    const repository = createOutboxDeliveryRepository(database.db, database.dialect);
    await repository.sequence(SOURCE, 100);
    await repository.materialize(['sink'], now().toISOString(), 100);
    const claimed = await repository.claim({
      sinks: ['sink'],
      owner: 'dead-relay',
      now: now().toISOString(),
      leaseUntil: new Date(clock + 30_000).toISOString(),
      lanes: 10,
      runLength: 10,
    });
    expect(claimed.map((lane) => lane.deliveries.map((d) => d.eventId))).toEqual([ids]);
    const sink = recordingSink('sink');
    const r = relay([sink]);

    await r.drain();
    expect(sink.accepted).toEqual([]);
    clock += 31_000;
    await r.drain();

    expect(idsOf(sink, subject)).toEqual(ids);
  });

  test('with no sink, events are positioned and count as delivered; pruned after the retention', async () => {
    clock = Date.parse('2026-03-05T00:00:00Z');
    const subject = newId();
    const [first] = [await append(subject, 1), await append(subject, 2)];
    const r = relay([], { settings: { retentionMs: 86_400_000 } });

    await r.runOnce();

    const rows = await database.db.selectFrom('outbox').selectAll().orderBy('position').execute();
    expect(rows.map((row) => [row.id, row.source, row.delivered_at !== null])).toEqual([
      [first, SOURCE, true],
      [expect.any(String), SOURCE, true],
    ]);
    expect(await r.prune()).toBe(0);
    clock += 86_400_000 + 1_000;
    expect(await r.prune()).toBe(2);
    expect(await database.db.selectFrom('outbox').selectAll().execute()).toEqual([]);
  });

  test('pruning keeps events not yet delivered everywhere, parked ones included', async () => {
    clock = Date.parse('2026-03-06T00:00:00Z');
    const subject = newId();
    const ids = [await append(subject, 1), await append(subject, 2), await append(subject, 3)];
    const sink = recordingSink('sink');
    sink.answer((event) => (event.id === ids[0] ? 'permanent' : event.id === ids[2] ? 'transient' : 'ok'));
    const r = relay([sink], { settings: { retentionMs: 1_000 } });
    await r.drain();

    clock += 60_000;
    expect(await r.prune()).toBe(1);

    const left = await database.db.selectFrom('outbox').select('id').orderBy('position').execute();
    expect(left.map((row) => row.id)).toEqual([ids[0], ids[2]]);
  });

  test('exports depth, age of the oldest undelivered event and delivery outcomes', async () => {
    clock = Date.parse('2026-03-07T00:00:00Z');
    const subject = newId();
    const ids = [await append(subject, 1), await append(subject, 2)];
    const registry = new Registry();
    const sink = recordingSink('hooks');
    sink.answer((event) => (event.id === ids[1] ? 'transient' : 'ok'));
    const r = relay([sink], { registry });

    clock += 5_000;
    const before = await registry.getSingleMetricAsString(
      'integrations_outbox_oldest_undelivered_age_seconds',
    );
    await r.drain();

    expect(before).toContain('integrations_outbox_oldest_undelivered_age_seconds 5.');
    const text = await registry.metrics();
    expect(text).toContain('integrations_outbox_depth 1');
    expect(text).toContain('integrations_event_deliveries_total{sink="hooks",outcome="delivered"} 1');
    expect(text).toContain('integrations_event_deliveries_total{sink="hooks",outcome="failed"} 1');
  });

  test('stop gives back its leases and closes the sinks', async () => {
    clock = Date.parse('2026-03-08T00:00:00Z');
    const sink = recordingSink('slow', { delayMs: 50 });
    const subject = newId();
    for (let n = 1; n <= 20; n++) await append(subject, n);
    const r = relay([sink], { settings: { pollIntervalMs: 10 } });

    r.start();
    await new Promise((done) => setTimeout(done, 120));
    await r.stop();

    expect(sink.closed()).toBe(true);
    expect(sink.accepted.length).toBeGreaterThan(0);
    expect(sink.accepted.length).toBeLessThan(20);
    const leased = await database.db
      .selectFrom('outbox_deliveries')
      .select('event_id')
      .where('lease_owner', 'is not', null)
      .execute();
    expect(leased).toEqual([]);
  });
});

describe.each(targets.filter((t) => t.dialect === 'postgres'))('positions on $dialect', (target) => {
  it.skipIf(!target.available)(
    'follow visibility, so a reader never skips an event that commits late',
    async () => {
      const { database, dispose } = await openTestDatabase(target);
      try {
        const store = createStore(database);
        const repository = createOutboxDeliveryRepository(database.db, database.dialect);
        const log = createEventLogRepository(database.db);
        const newId = createIdGenerator();
        const event = (id: string) => ({
          id,
          tenantId: 'acme',
          subject: newId(),
          type: 'integration.created',
          data: {},
          createdAt: new Date().toISOString(),
        });
        const earlyId = newId();
        const lateId = newId();
        let commitEarly!: () => void;
        const gate = new Promise<void>((done) => {
          commitEarly = done;
        });
        // The first id is written first but commits last.
        const slow = store.transaction(async (tx) => {
          await tx.outbox.append(event(earlyId));
          await gate;
        });
        await new Promise((done) => setTimeout(done, 50));
        await store.outbox.append(event(lateId));
        await repository.sequence('/s', 100);
        const firstRead = await log.list('acme', { afterPosition: 0, limit: 10 });

        commitEarly();
        await slow;
        await repository.sequence('/s', 100);
        const after = await log.list('acme', { afterPosition: firstRead.at(-1)!.position, limit: 10 });

        expect(firstRead.map((e) => e.id)).toEqual([lateId]);
        expect(after.map((e) => e.id)).toEqual([earlyId]);
      } finally {
        await dispose();
      }
    },
  );
});

describe.each(targets)('migration 0003 on $dialect', (target) => {
  it.skipIf(!target.available)(
    'keeps the events written before it, in order, and delivers them',
    async () => {
      const { Migrator, sql } = await import('kysely');
      const { catalogMigration } = await import('../store/migrations/0001-catalog.js');
      const { healthMigration } = await import('../store/migrations/0002-health.js');
      const { eventsMigration } = await import('../store/migrations/0003-events.js');
      const { columnTypes } = await import('../store/migrations/column-types.js');
      const { openDatabase } = await import('../store/database.js');
      const created = await target.create();
      const database = openDatabase({ url: created.url, dataDir: created.dataDir, poolSize: 2 });
      try {
        const types = columnTypes(database.dialect);
        const all = {
          '0001-catalog': catalogMigration(types),
          '0002-health': healthMigration(types),
          '0003-events': eventsMigration(types, database.dialect),
        };
        // As in migrate.ts: on PostgreSQL, the migration tables of this schema only.
        const schema =
          database.dialect === 'postgres'
            ? (await sql<{ s: string }>`select current_schema() as s`.execute(database.db)).rows[0]?.s
            : undefined;
        const migrator = (upTo: (keyof typeof all)[]) =>
          new Migrator({
            db: database.db,
            provider: {
              getMigrations: async () => Object.fromEntries(upTo.map((name) => [name, all[name]])),
            },
            ...(schema ? { migrationTableSchema: schema } : {}),
          });
        await migrator(['0001-catalog', '0002-health']).migrateToLatest();
        const newId = createIdGenerator();
        const ids = [newId(), newId(), newId()];
        for (const [n, id] of ids.entries()) {
          await database.db
            .insertInto('outbox')
            .values({
              id,
              tenant_id: 'acme',
              subject: ids[0]!,
              type: 'integration.updated',
              data: JSON.stringify({ n }),
              created_at: new Date().toISOString(),
              delivered_at: null,
            } as never)
            .execute();
        }

        const result = await migrator(['0001-catalog', '0002-health', '0003-events']).migrateToLatest();
        const sink = recordingSink('after-upgrade');
        await createOutboxRelay({
          database,
          sinks: [sink],
          source: SOURCE,
          instanceId: 'upgrade',
          logger: silentLogger,
        }).drain();
        await createStore(database).outbox.append({
          id: newId(),
          tenantId: 'acme',
          subject: ids[0]!,
          type: 'integration.deleted',
          data: {},
          createdAt: new Date().toISOString(),
        });
        const seqs = await database.db.selectFrom('outbox').select(['id', 'seq']).orderBy('seq').execute();

        expect(result.error).toBeUndefined();
        expect(sink.accepted.map((e) => e.id)).toEqual(ids);
        expect(seqs.map((row) => Number(row.seq))).toEqual([1, 2, 3, 4]);
      } finally {
        await database.close();
        await created.dispose();
      }
    },
  );
});

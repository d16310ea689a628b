import { type Kysely, sql } from 'kysely';
import type { Dialect } from './database.js';
import { type StoredEvent, toStoredEvent } from './event-log-repository.js';
import { toIso } from './rows.js';
import type { Tables } from './tables.js';

/** One claimed delivery: an event to hand to one sink. */
export interface ClaimedDelivery {
  readonly eventId: string;
  readonly position: number;
  /** Tries made before this one. */
  readonly attempts: number;
}

/** The pending head of one sink's lane (one subject) and the followers claimed with it, in order. */
export interface ClaimedLane {
  readonly sink: string;
  readonly subject: string;
  readonly deliveries: readonly ClaimedDelivery[];
}

export interface ClaimRequest {
  readonly sinks: readonly string[];
  readonly owner: string;
  readonly now: string;
  readonly leaseUntil: string;
  /** Lanes (heads) to claim at most. */
  readonly lanes: number;
  /** Deliveries per lane at most, the head included. */
  readonly runLength: number;
}

export interface OutboxStats {
  /** Events not yet delivered to every sink (parked ones included). */
  readonly depth: number;
  readonly oldestUndeliveredAt: string | null;
  /** Deliveries parked, waiting for an administrator. */
  readonly parked: number;
}

/** The relay's side of the outbox: sequencing, per-sink delivery state, leases and pruning. */
export interface OutboxDeliveryRepository {
  /**
   * Gives positions, in insert order, to committed events that have none, and stamps their source.
   * One sequencer at a time (the `outbox_counters` row is locked), so positions become visible in order.
   */
  sequence(source: string, limit: number): Promise<number>;
  /** Makes the delivery rows each sink is missing for positioned, undelivered events. */
  materialize(sinks: readonly string[], now: string, limit: number): Promise<number>;
  /**
   * Leases the heads of pending lanes (the oldest undelivered, unparked delivery of a sink and subject,
   * due and not leased) and up to `runLength - 1` followers of each. On PostgreSQL heads another
   * instance is claiming are skipped (`FOR UPDATE SKIP LOCKED`); a lane's followers are never heads,
   * so no two instances hold parts of one lane.
   */
  claim(request: ClaimRequest): Promise<ClaimedLane[]>;
  loadEvents(ids: readonly string[]): Promise<Map<string, StoredEvent>>;
  /**
   * Records deliveries that succeeded, by sink (whoever holds the lease: delivered is a fact), and
   * marks the events now delivered to every one of `sinks`, in one transaction.
   */
  markDelivered(
    delivered: ReadonlyMap<string, readonly string[]>,
    sinks: readonly string[],
    now: string,
  ): Promise<void>;
  /** A transient failure: counts the try and makes the delivery due again at `nextAttemptAt`. */
  reschedule(
    sink: string,
    eventId: string,
    owner: string,
    nextAttemptAt: string,
    error: string,
  ): Promise<void>;
  /** A permanent failure: parks the delivery with the reason until an administrator retries it. */
  park(sink: string, eventId: string, owner: string, reason: string, now: string): Promise<void>;
  /** Gives back leases `owner` holds: all of them, or those of some events of one sink. */
  release(owner: string, only?: { sink: string; eventIds: readonly string[] }): Promise<number>;
  /**
   * Marks positioned events delivered to every one of `sinks` that are not marked yet (after a sink
   * was removed from the configuration, say). Housekeeping; the normal path is `markDelivered`.
   */
  sweepCompleted(sinks: readonly string[], now: string, limit: number): Promise<number>;
  /** With no sink configured, a positioned event is delivered to every sink there is. */
  completeWithoutSinks(now: string): Promise<number>;
  /** Deletes events delivered before `cutoff` with their delivery rows; returns how many. */
  prune(cutoff: string, limit: number): Promise<number>;
  stats(): Promise<OutboxStats>;
}

export function createOutboxDeliveryRepository(
  db: Kysely<Tables>,
  dialect: Dialect,
): OutboxDeliveryRepository {
  return {
    async sequence(source, limit) {
      const waiting = await db
        .selectFrom('outbox')
        .select('id')
        .where('position', 'is', null)
        .limit(1)
        .executeTakeFirst();
      if (!waiting) return 0;
      return db.transaction().execute(async (trx) => {
        let counter = trx.selectFrom('outbox_counters').select('value').where('name', '=', 'position');
        if (dialect === 'postgres') counter = counter.forUpdate();
        const base = Number((await counter.executeTakeFirstOrThrow()).value);
        const result = await sql`
          update outbox set "position" = ${base} + x.n, source = coalesce(outbox.source, ${source})
          from (select id, row_number() over (order by seq) as n
                from outbox where "position" is null order by seq limit ${limit}) as x
          where outbox.id = x.id`.execute(trx);
        const assigned = Number(result.numAffectedRows ?? 0n);
        if (assigned > 0) {
          await trx
            .updateTable('outbox_counters')
            .set({ value: base + assigned })
            .where('name', '=', 'position')
            .execute();
        }
        return assigned;
      });
    },

    async materialize(sinks, now, limit) {
      let made = 0;
      for (const sink of sinks) {
        const missing = await db
          .selectFrom('outbox as o')
          .select(['o.id', 'o.tenant_id', 'o.subject', 'o.position'])
          .where('o.position', 'is not', null)
          .where('o.delivered_at', 'is', null)
          .where(({ not, exists, selectFrom }) =>
            not(
              exists(
                selectFrom('outbox_deliveries as d')
                  .select('d.event_id')
                  .whereRef('d.event_id', '=', 'o.id')
                  .where('d.sink', '=', sink),
              ),
            ),
          )
          .orderBy('o.position')
          .limit(limit)
          .execute();
        if (missing.length === 0) continue;
        const result = await db
          .insertInto('outbox_deliveries')
          .values(
            missing.map((row) => ({
              event_id: row.id,
              sink,
              tenant_id: row.tenant_id,
              subject: row.subject,
              position: Number(row.position),
              next_attempt_at: now,
            })),
          )
          .onConflict((oc) => oc.columns(['event_id', 'sink']).doNothing())
          .executeTakeFirst();
        made += Number(result.numInsertedOrUpdatedRows ?? 0n);
      }
      return made;
    },

    async claim(request) {
      const { sinks, owner, now, leaseUntil } = request;
      if (sinks.length === 0) return [];
      return db.transaction().execute(async (trx) => {
        // The head of each lane: its first pending row, found in one ordered pass over pending rows
        // (a window, not a join, so the plan stays linear even before the table has statistics).
        const pending = trx
          .selectFrom('outbox_deliveries')
          .select([
            'event_id',
            'sink',
            'subject',
            'position',
            'next_attempt_at',
            'lease_until',
            sql<number>`row_number() over (partition by sink, subject order by position)`.as('rn'),
          ])
          .where('sink', 'in', sinks)
          .where('delivered_at', 'is', null)
          .where('parked_at', 'is', null);
        let headRows = await trx
          .selectFrom(pending.as('p'))
          .select(['p.event_id', 'p.sink', 'p.subject', 'p.position'])
          .where('p.rn', '=', 1)
          .where('p.next_attempt_at', '<=', now)
          .where((eb) => eb.or([eb('p.lease_until', 'is', null), eb('p.lease_until', '<', now)]))
          .orderBy('p.position')
          .limit(request.lanes)
          .execute();
        if (dialect === 'postgres' && headRows.length > 0) {
          // Lock them, skipping heads another instance is claiming right now; the conditions are
          // checked again on the rows as they are now (another claim may have just committed).
          const locked = new Set<string>();
          for (const sink of new Set(headRows.map((h) => h.sink))) {
            const rows = await trx
              .selectFrom('outbox_deliveries')
              .select('event_id')
              .where('sink', '=', sink)
              .where(
                'event_id',
                'in',
                headRows.filter((h) => h.sink === sink).map((h) => h.event_id),
              )
              .where('delivered_at', 'is', null)
              .where('parked_at', 'is', null)
              .where('next_attempt_at', '<=', now)
              .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
              .forUpdate()
              .skipLocked()
              .execute();
            for (const row of rows) locked.add(`${sink}\u0000${row.event_id}`);
          }
          headRows = headRows.filter((h) => locked.has(`${h.sink}\u0000${h.event_id}`));
        }
        if (headRows.length === 0) return [];

        const ranked = trx
          .selectFrom('outbox_deliveries as f')
          .select([
            'f.event_id',
            'f.sink',
            'f.subject',
            'f.position',
            'f.attempts',
            'f.lease_until',
            sql<number>`row_number() over (partition by f.sink, f.subject order by f.position)`.as('rn'),
          ])
          .where('f.delivered_at', 'is', null)
          .where('f.parked_at', 'is', null)
          // Every pending row of a lane sits at or after its head, so the lanes' rows are these
          // (plus rows of other pairs of these sinks and subjects, dropped below).
          .where('f.sink', 'in', [...new Set(headRows.map((h) => h.sink))])
          .where('f.subject', 'in', [...new Set(headRows.map((h) => h.subject))]);
        const rows = await trx
          .selectFrom(ranked.as('r'))
          .selectAll()
          .where('r.rn', '<=', request.runLength)
          .orderBy('r.position')
          .execute();

        const laneKey = (row: { sink: string; subject: string }) => `${row.sink}\u0000${row.subject}`;
        const headOf = new Map(headRows.map((h) => [laneKey(h), h.event_id]));
        const lanes = new Map<string, { sink: string; subject: string; deliveries: ClaimedDelivery[] }>();
        const blocked = new Set<string>();
        for (const row of rows) {
          const key = laneKey(row);
          if (blocked.has(key) || !headOf.has(key)) continue;
          let lane = lanes.get(key);
          // An older delivery made due meanwhile (a retried parked one) leads now: leave the lane be.
          if (!lane && row.event_id !== headOf.get(key)) {
            blocked.add(key);
            continue;
          }
          // A follower still leased by someone else (clocks apart) ends the run here, to keep order.
          const leased = row.lease_until !== null && toIso(row.lease_until) >= now;
          if (lane && leased) {
            blocked.add(key);
            continue;
          }
          if (!lane) {
            lane = { sink: row.sink, subject: row.subject, deliveries: [] };
            lanes.set(key, lane);
          }
          lane.deliveries.push({
            eventId: row.event_id,
            position: Number(row.position),
            attempts: row.attempts,
          });
        }
        const bySink = new Map<string, string[]>();
        for (const lane of lanes.values()) {
          const ids = bySink.get(lane.sink) ?? [];
          ids.push(...lane.deliveries.map((d) => d.eventId));
          bySink.set(lane.sink, ids);
        }
        for (const [sink, ids] of bySink) {
          await trx
            .updateTable('outbox_deliveries')
            .set({ lease_owner: owner, lease_until: leaseUntil })
            .where('sink', '=', sink)
            .where('event_id', 'in', ids)
            .execute();
        }
        return [...lanes.values()];
      });
    },

    async loadEvents(ids) {
      if (ids.length === 0) return new Map();
      const rows = await db.selectFrom('outbox').selectAll().where('id', 'in', ids).execute();
      return new Map(rows.map((row) => [row.id, toStoredEvent(row)]));
    },

    async markDelivered(delivered, sinks, now) {
      const ids = [...new Set([...delivered.values()].flat())];
      if (ids.length === 0) return;
      // One transaction: a crash never leaves every sink delivered but the event not marked.
      await db.transaction().execute(async (trx) => {
        for (const [sink, eventIds] of delivered) {
          if (eventIds.length === 0) continue;
          await trx
            .updateTable('outbox_deliveries')
            .set({
              delivered_at: now,
              attempts: sql`attempts + 1`,
              lease_owner: null,
              lease_until: null,
              last_error: null,
            })
            .where('sink', '=', sink)
            .where('event_id', 'in', eventIds)
            .where('delivered_at', 'is', null)
            .execute();
        }
        await complete(trx, ids, sinks, now);
      });
    },

    async reschedule(sink, eventId, owner, nextAttemptAt, error) {
      await db
        .updateTable('outbox_deliveries')
        .set({
          attempts: sql`attempts + 1`,
          next_attempt_at: nextAttemptAt,
          last_error: error,
          lease_owner: null,
          lease_until: null,
        })
        .where('sink', '=', sink)
        .where('event_id', '=', eventId)
        .where('lease_owner', '=', owner)
        .where('delivered_at', 'is', null)
        .execute();
    },

    async park(sink, eventId, owner, reason, now) {
      await db
        .updateTable('outbox_deliveries')
        .set({
          attempts: sql`attempts + 1`,
          parked_at: now,
          parked_reason: reason,
          last_error: reason,
          lease_owner: null,
          lease_until: null,
        })
        .where('sink', '=', sink)
        .where('event_id', '=', eventId)
        .where('lease_owner', '=', owner)
        .where('delivered_at', 'is', null)
        .execute();
    },

    async release(owner, only) {
      if (only && only.eventIds.length === 0) return 0;
      let query = db
        .updateTable('outbox_deliveries')
        .set({ lease_owner: null, lease_until: null })
        .where('lease_owner', '=', owner);
      if (only) query = query.where('sink', '=', only.sink).where('event_id', 'in', only.eventIds);
      const result = await query.executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async sweepCompleted(sinks, now, limit) {
      if (sinks.length === 0) return 0;
      const waiting = await db
        .selectFrom('outbox')
        .select('id')
        .where('delivered_at', 'is', null)
        .where('position', 'is not', null)
        .orderBy('position')
        .limit(limit)
        .execute();
      return complete(
        db,
        waiting.map((row) => row.id),
        sinks,
        now,
      );
    },

    async completeWithoutSinks(now) {
      const result = await db
        .updateTable('outbox')
        .set({ delivered_at: now })
        .where('position', 'is not', null)
        .where('delivered_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async prune(cutoff, limit) {
      const rows = await db
        .selectFrom('outbox')
        .select('id')
        .where('delivered_at', 'is not', null)
        .where('delivered_at', '<', cutoff)
        .orderBy('delivered_at')
        .limit(limit)
        .execute();
      if (rows.length === 0) return 0;
      const ids = rows.map((row) => row.id);
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('outbox_deliveries').where('event_id', 'in', ids).execute();
        await trx.deleteFrom('outbox').where('id', 'in', ids).execute();
      });
      return ids.length;
    },

    async stats() {
      const [undelivered, parked] = await Promise.all([
        db
          .selectFrom('outbox')
          .select((eb) => [
            eb.fn.countAll<number | string>().as('n'),
            eb.fn.min<string | Date | null>('created_at').as('oldest'),
          ])
          .where('delivered_at', 'is', null)
          .executeTakeFirstOrThrow(),
        db
          .selectFrom('outbox_deliveries')
          .select((eb) => eb.fn.countAll<number | string>().as('n'))
          .where('parked_at', 'is not', null)
          .executeTakeFirstOrThrow(),
      ]);
      return {
        depth: Number(undelivered.n),
        oldestUndeliveredAt: undelivered.oldest === null ? null : toIso(undelivered.oldest),
        parked: Number(parked.n),
      };
    },
  };
}

/** Sets `delivered_at` on those of `eventIds` delivered to every one of `sinks`. */
async function complete(
  db: Kysely<Tables>,
  eventIds: readonly string[],
  sinks: readonly string[],
  now: string,
): Promise<number> {
  if (eventIds.length === 0 || sinks.length === 0) return 0;
  const result = await db
    .updateTable('outbox')
    .set({ delivered_at: now })
    .where('id', 'in', eventIds)
    .where('delivered_at', 'is', null)
    .where(
      (eb) =>
        eb
          .selectFrom('outbox_deliveries as d')
          .select((inner) => inner.fn.countAll<number | string>().as('n'))
          .whereRef('d.event_id', '=', 'outbox.id')
          .where('d.sink', 'in', sinks)
          .where('d.delivered_at', 'is not', null),
      '=',
      sinks.length,
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

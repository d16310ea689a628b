import { type Kysely, sql, type Updateable } from 'kysely';
import type { Dialect } from './database.js';
import { type StoredEvent, toStoredEvent } from './event-log-repository.js';
import { type ClaimedLane, type ClaimRequest, claimLanes } from './outbox-claim.js';
import { toIso } from './rows.js';
import type { OutboxDeliveriesTable, Tables } from './tables.js';

export type { ClaimedDelivery, ClaimedLane, ClaimRequest } from './outbox-claim.js';

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
  /** Ends a failed attempt while the lease is still ours: count it, release the lease, record why. */
  async function failedAttempt(
    sink: string,
    eventId: string,
    owner: string,
    outcome: Omit<Updateable<OutboxDeliveriesTable>, 'attempts' | 'lease_owner' | 'lease_until'>,
  ): Promise<void> {
    await db
      .updateTable('outbox_deliveries')
      .set({ ...outcome, attempts: sql`attempts + 1`, lease_owner: null, lease_until: null })
      .where('sink', '=', sink)
      .where('event_id', '=', eventId)
      .where('lease_owner', '=', owner)
      .where('delivered_at', 'is', null)
      .execute();
  }

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

    claim: (request) => claimLanes(db, dialect, request),

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
      await failedAttempt(sink, eventId, owner, { next_attempt_at: nextAttemptAt, last_error: error });
    },

    async park(sink, eventId, owner, reason, now) {
      await failedAttempt(sink, eventId, owner, {
        parked_at: now,
        parked_reason: reason,
        last_error: reason,
      });
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

import { type Kysely, sql } from 'kysely';
import type { Dialect } from './database.js';
import { toIso } from './rows.js';
import type { Tables } from './tables.js';

/** Deliveries one claim takes at most (SQLite binds at most 32,766 parameters to a statement). */
export const MAX_CLAIMED = 5_000;

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

/**
 * Leases the heads of pending lanes and their followers; see `OutboxDeliveryRepository.claim`.
 *
 * 1. Heads: the first pending row of each lane (a window over pending rows, not a join, so the plan
 *    stays linear even before the table has statistics), due and not leased, oldest first.
 * 2. On PostgreSQL, lock those heads `FOR UPDATE SKIP LOCKED`; a head another instance is claiming
 *    is skipped, and the conditions are checked again on the row as it is now.
 * 3. Followers: the next pending rows of the locked lanes, up to `runLength` per lane.
 * 4. Lease them all, in the same transaction.
 */
export async function claimLanes(
  db: Kysely<Tables>,
  dialect: Dialect,
  request: ClaimRequest,
): Promise<ClaimedLane[]> {
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
      // Cut by position, so each lane keeps a prefix; bounds every IN list that follows.
      .limit(MAX_CLAIMED)
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
}

import type { Kysely, Selectable } from 'kysely';
import { fromJson, toIso } from './rows.js';
import type { OutboxTable, Tables } from './tables.js';

/** An outbox event that has its position: it can be read and delivered. */
export interface StoredEvent {
  readonly id: string;
  readonly tenantId: string;
  readonly subject: string;
  readonly type: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly createdAt: string;
  /** Read order across all tenants; gaps appear where other tenants' events sit. */
  readonly position: number;
  /** The CloudEvents source stamped with the position. */
  readonly source: string;
}

/** One sink's parked delivery of an event. */
export interface ParkedDelivery {
  readonly sink: string;
  readonly attempts: number;
  readonly parkedAt: string;
  readonly reason: string;
  readonly lastError: string | null;
}

export interface ParkedEvent {
  readonly event: StoredEvent;
  readonly deliveries: readonly ParkedDelivery[];
}

export interface EventQuery {
  /** Events after this position (0 for the first). */
  readonly afterPosition: number;
  readonly limit: number;
  readonly type?: string;
  readonly subject?: string;
}

/** Reads of the event log for the events API; every query carries the tenant. */
export interface EventLogRepository {
  list(tenantId: string, query: EventQuery): Promise<StoredEvent[]>;
  /** The position of a positioned event of this tenant, or undefined. */
  positionOf(tenantId: string, eventId: string): Promise<number | undefined>;
  find(tenantId: string, eventId: string): Promise<StoredEvent | undefined>;
  /** Events with at least one parked delivery, in position order. */
  listParked(tenantId: string, afterPosition: number, limit: number): Promise<ParkedEvent[]>;
  /** Un-parks every parked delivery of the event, due at `now`; returns the sinks, none when nothing was parked. */
  retry(tenantId: string, eventId: string, now: string): Promise<string[]>;
}

export function createEventLogRepository(db: Kysely<Tables>): EventLogRepository {
  return {
    async list(tenantId, query) {
      let select = db
        .selectFrom('outbox')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('position', 'is not', null)
        .where('position', '>', query.afterPosition);
      if (query.type) select = select.where('type', '=', query.type);
      if (query.subject) select = select.where('subject', '=', query.subject);
      const rows = await select.orderBy('position').limit(query.limit).execute();
      return rows.map(toStoredEvent);
    },

    async positionOf(tenantId, eventId) {
      const row = await db
        .selectFrom('outbox')
        .select('position')
        .where('tenant_id', '=', tenantId)
        .where('id', '=', eventId)
        .where('position', 'is not', null)
        .executeTakeFirst();
      return row ? Number(row.position) : undefined;
    },

    async find(tenantId, eventId) {
      const row = await db
        .selectFrom('outbox')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', eventId)
        .where('position', 'is not', null)
        .executeTakeFirst();
      return row && toStoredEvent(row);
    },

    async listParked(tenantId, afterPosition, limit) {
      const positions = await db
        .selectFrom('outbox_deliveries')
        .select('position')
        .distinct()
        .where('tenant_id', '=', tenantId)
        .where('parked_at', 'is not', null)
        .where('position', '>', afterPosition)
        .orderBy('position')
        .limit(limit)
        .execute();
      if (positions.length === 0) return [];
      const wanted = positions.map((p) => Number(p.position));
      const [events, deliveries] = await Promise.all([
        db
          .selectFrom('outbox')
          .selectAll()
          .where('tenant_id', '=', tenantId)
          .where('position', 'in', wanted)
          .orderBy('position')
          .execute(),
        db
          .selectFrom('outbox_deliveries')
          .selectAll()
          .where('tenant_id', '=', tenantId)
          .where('parked_at', 'is not', null)
          .where('position', 'in', wanted)
          .orderBy('sink')
          .execute(),
      ]);
      return events.map((row) => ({
        event: toStoredEvent(row),
        deliveries: deliveries
          .filter((d) => d.event_id === row.id)
          .map((d) => ({
            sink: d.sink,
            attempts: d.attempts,
            parkedAt: toIso(d.parked_at!),
            reason: d.parked_reason ?? '',
            lastError: d.last_error,
          })),
      }));
    },

    async retry(tenantId, eventId, now) {
      const rows = await db
        .updateTable('outbox_deliveries')
        .set({
          parked_at: null,
          parked_reason: null,
          next_attempt_at: now,
          lease_owner: null,
          lease_until: null,
        })
        .where('tenant_id', '=', tenantId)
        .where('event_id', '=', eventId)
        .where('parked_at', 'is not', null)
        .returning('sink')
        .execute();
      return rows.map((row) => row.sink).sort();
    },
  };
}

export function toStoredEvent(row: Selectable<OutboxTable>): StoredEvent {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    subject: row.subject,
    type: row.type,
    data: fromJson<Record<string, unknown>>(row.data),
    createdAt: toIso(row.created_at),
    position: Number(row.position),
    source: row.source ?? '',
  };
}

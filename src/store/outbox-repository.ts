import { type Kysely, sql } from 'kysely';
import type { Dialect } from './database.js';
import { eachRow } from './sqlite-thread.js';
import type { Tables } from './tables.js';

/** A lifecycle event as written to the outbox, in the same transaction as the change it records. */
export interface OutboxEvent {
  readonly id: string;
  readonly tenantId: string;
  /** The integration the event is about. */
  readonly subject: string;
  readonly type: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly createdAt: string;
}

export interface OutboxRepository {
  append(event: OutboxEvent): Promise<void>;
  /** Appends events in the order given, as `append` one after another would, in one statement. */
  appendMany(events: readonly OutboxEvent[]): Promise<void>;
  /** Events of one tenant in write order, for tests and the events API. */
  listForTenant(tenantId: string, limit: number): Promise<OutboxEvent[]>;
}

/**
 * `dialect` decides how `seq` (the insert order, see migrations/0003-events.ts) is taken: PostgreSQL's
 * column default draws from a sequence; SQLite has one writer at a time, so `max + 1` is safe there.
 */
export function createOutboxRepository(db: Kysely<Tables>, dialect: Dialect): OutboxRepository {
  return {
    async append(event) {
      await db
        .insertInto('outbox')
        .values({
          ...outboxColumns(event),
          delivered_at: null,
          ...(dialect === 'sqlite'
            ? { seq: sql<number>`(select coalesce(max(seq), 0) + 1 from outbox)` }
            : {}),
        })
        .execute();
    },

    async appendMany(events) {
      if (events.length === 0) return;
      if (dialect === 'sqlite') {
        // One insert per event, prepared once (see eachRow), each taking the next `seq` in order.
        await db.executeQuery(
          eachRow(
            `insert into outbox (id, tenant_id, subject, type, data, created_at, delivered_at, seq)
             values (?, ?, ?, ?, ?, ?, null, (select coalesce(max(seq), 0) + 1 from outbox))`,
            events.map((event) => Object.values(outboxColumns(event))),
          ),
        );
        return;
      }
      // The rows travel as one JSON parameter, so the statement is the same text whatever the
      // number of events; PostgreSQL draws `seq` from its sequence row by row, in the order given.
      const rows = JSON.stringify(events.map(outboxColumns));
      await sql`
        insert into outbox (id, tenant_id, subject, type, data, created_at)
        select v.id, v.tenant_id, v.subject, v.type, v.data::jsonb, v.created_at
        from rows from (jsonb_to_recordset(${rows}::jsonb) as (
          id uuid, tenant_id text, subject text, type text, data text, created_at timestamptz))
          with ordinality as v(id, tenant_id, subject, type, data, created_at, n)
        order by v.n`.execute(db);
    },

    async listForTenant(tenantId, limit) {
      const rows = await db
        .selectFrom('outbox')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map((row) => ({
        id: row.id,
        tenantId: row.tenant_id,
        subject: row.subject,
        type: row.type,
        data: (typeof row.data === 'string' ? JSON.parse(row.data) : row.data) as Record<string, unknown>,
        createdAt: new Date(row.created_at).toISOString(),
      }));
    },
  };
}

/** An event's columns, in the order the inserts name them (id … created_at). */
function outboxColumns(event: OutboxEvent) {
  return {
    id: event.id,
    tenant_id: event.tenantId,
    subject: event.subject,
    type: event.type,
    data: JSON.stringify(event.data),
    created_at: event.createdAt,
  };
}

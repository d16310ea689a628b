import { type Kysely, sql } from 'kysely';
import type { Dialect } from './database.js';
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
          id: event.id,
          tenant_id: event.tenantId,
          subject: event.subject,
          type: event.type,
          data: JSON.stringify(event.data),
          created_at: event.createdAt,
          delivered_at: null,
          ...(dialect === 'sqlite'
            ? { seq: sql<number>`(select coalesce(max(seq), 0) + 1 from outbox)` }
            : {}),
        })
        .execute();
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

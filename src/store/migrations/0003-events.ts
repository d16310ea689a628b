import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../database.js';
import type { ColumnTypes } from './column-types.js';

/**
 * Event delivery (src/events/README.md). The outbox gains:
 * - `seq`, taken when the row is inserted (a sequence on PostgreSQL; `max + 1` under SQLite's single
 *   writer). Two events of one integration are written under that integration's row lock, so `seq`
 *   follows their commit order whatever the clocks of the instances say; UUIDv7 ids do not.
 * - `position`, handed out after commit by one sequencer at a time (`outbox_counters`), so a reader
 *   paging by position never skips a row that commits late: positions become visible in order.
 * - `source`, the CloudEvents source, stamped with the position so redeliveries repeat it exactly.
 *
 * `outbox_deliveries` keeps one row per event and sink: attempts, backoff, lease, parking.
 * `outbox.delivered_at` keeps meaning "delivered to every sink".
 */
export function eventsMigration(types: ColumnTypes, dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (dialect === 'postgres') {
        await sql`create sequence outbox_seq`.execute(db);
        await db.schema.alterTable('outbox').addColumn('seq', 'bigint').execute();
        await sql`update outbox set seq = o.n
                  from (select id, row_number() over (order by id) as n from outbox) as o
                  where outbox.id = o.id`.execute(db);
        await sql`select setval('outbox_seq', (select coalesce(max(seq), 0) + 1 from outbox), false)`.execute(
          db,
        );
        await sql`alter table outbox alter column seq set default nextval('outbox_seq'),
                  alter column seq set not null`.execute(db);
        await sql`alter sequence outbox_seq owned by outbox.seq`.execute(db);
      } else {
        await db.schema.alterTable('outbox').addColumn('seq', 'integer').execute();
        await sql`update outbox set seq = rowid`.execute(db);
      }
      await db.schema.alterTable('outbox').addColumn('position', 'bigint').execute();
      await db.schema.alterTable('outbox').addColumn('source', 'text').execute();
      await db.schema.createIndex('outbox_seq_idx').on('outbox').column('seq').execute();
      await db.schema
        .createIndex('outbox_unsequenced_idx')
        .on('outbox')
        .column('seq')
        .where(sql.ref('position'), 'is', null)
        .execute();
      await db.schema.createIndex('outbox_position_key').on('outbox').column('position').unique().execute();
      await db.schema
        .createIndex('outbox_tenant_position_idx')
        .on('outbox')
        .columns(['tenant_id', 'position'])
        .execute();

      await db.schema
        .createTable('outbox_counters')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'bigint', (c) => c.notNull())
        .execute();
      await sql`insert into outbox_counters (name, value) values ('position', 0)`.execute(db);

      await db.schema
        .createTable('outbox_deliveries')
        .addColumn('event_id', types.id, (c) => c.notNull().references('outbox.id').onDelete('cascade'))
        .addColumn('sink', 'text', (c) => c.notNull())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('position', 'bigint', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', types.timestamp, (c) => c.notNull())
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', types.timestamp)
        .addColumn('last_error', 'text')
        .addColumn('delivered_at', types.timestamp)
        .addColumn('parked_at', types.timestamp)
        .addColumn('parked_reason', 'text')
        .addPrimaryKeyConstraint('outbox_deliveries_pkey', ['event_id', 'sink'])
        .execute();
      // Pending deliveries of one sink and subject in order: the head of a lane and its followers.
      await db.schema
        .createIndex('outbox_deliveries_lane_idx')
        .on('outbox_deliveries')
        .columns(['sink', 'subject', 'position'])
        .where(sql.ref('delivered_at'), 'is', null)
        .where(sql.ref('parked_at'), 'is', null)
        .execute();
      await db.schema
        .createIndex('outbox_deliveries_pending_idx')
        .on('outbox_deliveries')
        .column('position')
        .where(sql.ref('delivered_at'), 'is', null)
        .where(sql.ref('parked_at'), 'is', null)
        .execute();
      await db.schema
        .createIndex('outbox_deliveries_parked_idx')
        .on('outbox_deliveries')
        .columns(['tenant_id', 'position'])
        .where(sql.ref('parked_at'), 'is not', null)
        .execute();
      await db.schema
        .createIndex('outbox_deliveries_lease_idx')
        .on('outbox_deliveries')
        .column('lease_owner')
        .where(sql.ref('lease_owner'), 'is not', null)
        .execute();
    },
  };
}

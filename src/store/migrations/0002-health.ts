import { type Kysely, sql } from 'kysely';
import type { ColumnTypes } from './column-types.js';

/**
 * Health polling: a schedule row per integration (with the lease that makes one instance check it),
 * a bounded history of checks, and a per-integration poll interval.
 */
export function healthMigration(types: ColumnTypes) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('integrations').addColumn('poll_interval_seconds', 'integer').execute();

      await db.schema
        .createTable('poll_schedule')
        .addColumn('integration_id', types.id, (c) =>
          c.primaryKey().references('integrations.id').onDelete('cascade'),
        )
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('next_run_at', types.timestamp, (c) => c.notNull())
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', types.timestamp)
        .addColumn('lease_version', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('consecutive_successes', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createIndex('poll_schedule_due_idx')
        .on('poll_schedule')
        .columns(['next_run_at'])
        .execute();

      await db.schema
        .createTable('health_checks')
        .addColumn('id', types.id, (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('integration_id', types.id, (c) =>
          c.notNull().references('integrations.id').onDelete('cascade'),
        )
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('latency_ms', 'integer', (c) => c.notNull())
        .addColumn('checks', types.json)
        .addColumn('checked_at', types.timestamp, (c) => c.notNull())
        .addColumn('instance', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('health_checks_integration_idx')
        .on('health_checks')
        .columns(['integration_id', 'id'])
        .execute();

      // Every existing integration gets a schedule, due now.
      await sql`insert into poll_schedule (integration_id, tenant_id, next_run_at)
                select id, tenant_id, created_at from integrations`.execute(db);
    },
  };
}

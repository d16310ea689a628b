import type { Kysely } from 'kysely';
import type { ColumnTypes } from './column-types.js';

/**
 * Annotations (`src/catalog/annotate-service.ts`): the offline queue of SCM payloads that were not
 * posted (service offline, refused for good, or out of retries), kept for export and replay; and the
 * per-pull-request lock rows that serialise annotate calls across instances.
 */
export function annotationsMigration(types: ColumnTypes) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('annotation_queue')
        .addColumn('id', types.id, (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        // No foreign key: an entry outlives its integration, so that it can still be exported.
        .addColumn('integration_id', types.id, (c) => c.notNull())
        .addColumn('operation', 'text', (c) => c.notNull())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('repository', 'text', (c) => c.notNull())
        .addColumn('pull_request_number', 'integer')
        .addColumn('commit_sha', 'text')
        .addColumn('target_key', 'text', (c) => c.notNull())
        .addColumn('payload', types.json, (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('reason_kind', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('superseded_by', types.id)
        .addColumn('created_at', types.timestamp, (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('replay_attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_replay_at', types.timestamp)
        .addColumn('replay_result', types.json)
        .addColumn('replayed_at', types.timestamp)
        .execute();
      await db.schema
        .createIndex('annotation_queue_tenant_idx')
        .on('annotation_queue')
        .columns(['tenant_id', 'id'])
        .execute();
      // A new entry (or a successful post) supersedes the pending entries of the same target.
      await db.schema
        .createIndex('annotation_queue_target_idx')
        .on('annotation_queue')
        .columns(['tenant_id', 'integration_id', 'target_key', 'status'])
        .execute();

      await db.schema
        .createTable('annotation_locks')
        .addColumn('lock_key', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('holder', 'text', (c) => c.notNull())
        .addColumn('acquired_at', types.timestamp, (c) => c.notNull())
        .addColumn('lease_until', types.timestamp, (c) => c.notNull())
        .execute();
    },
  };
}

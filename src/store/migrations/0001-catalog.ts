import type { Kysely } from 'kysely';
import type { ColumnTypes } from './column-types.js';

/** The catalog: integrations and their tags, API tokens, the event outbox and idempotency keys. */
export function catalogMigration(types: ColumnTypes) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('integrations')
        .addColumn('id', types.id, (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('endpoint', 'text', (c) => c.notNull())
        .addColumn('auth_ref', 'text')
        .addColumn('config', types.json, (c) => c.notNull())
        .addColumn('tags', types.json, (c) => c.notNull())
        .addColumn('owner', 'text')
        .addColumn('enabled', types.bool, (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('health_status', 'text', (c) => c.notNull())
        .addColumn('health_checked_at', types.timestamp)
        .addColumn('health_latency_ms', 'integer')
        .addColumn('health_message', 'text')
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('created_at', types.timestamp, (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('updated_at', types.timestamp, (c) => c.notNull())
        .addColumn('updated_by', 'text', (c) => c.notNull())
        .addUniqueConstraint('integrations_tenant_name_key', ['tenant_id', 'name'])
        .execute();
      await db.schema
        .createIndex('integrations_tenant_id_idx')
        .on('integrations')
        .columns(['tenant_id', 'id'])
        .execute();

      await db.schema
        .createTable('integration_tags')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('integration_id', types.id, (c) =>
          c.notNull().references('integrations.id').onDelete('cascade'),
        )
        .addColumn('tag', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('integration_tags_pkey', ['integration_id', 'tag'])
        .execute();
      await db.schema
        .createIndex('integration_tags_tenant_tag_idx')
        .on('integration_tags')
        .columns(['tenant_id', 'tag', 'integration_id'])
        .execute();

      await db.schema
        .createTable('api_tokens')
        .addColumn('id', types.id, (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('scopes', types.json, (c) => c.notNull())
        .addColumn('created_at', types.timestamp, (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('last_used_at', types.timestamp)
        .addColumn('revoked_at', types.timestamp)
        .execute();
      await db.schema
        .createIndex('api_tokens_tenant_idx')
        .on('api_tokens')
        .columns(['tenant_id', 'id'])
        .execute();

      await db.schema
        .createTable('outbox')
        .addColumn('id', types.id, (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('data', types.json, (c) => c.notNull())
        .addColumn('created_at', types.timestamp, (c) => c.notNull())
        .addColumn('delivered_at', types.timestamp)
        .execute();
      await db.schema
        .createIndex('outbox_undelivered_idx')
        .on('outbox')
        .columns(['delivered_at', 'id'])
        .execute();

      await db.schema
        .createTable('idempotency_keys')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        .addColumn('status_code', 'integer')
        .addColumn('response_body', 'text')
        .addColumn('created_at', types.timestamp, (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_keys_pkey', ['tenant_id', 'key'])
        .execute();
    },
  };
}

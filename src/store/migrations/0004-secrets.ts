import { type Kysely, sql } from 'kysely';
import type { ColumnTypes } from './column-types.js';

/**
 * Credentials (`src/secrets/`): per-tenant data keys wrapped by a master key, secrets of the `local`
 * store with their sealed versions, and the append-only audit trail of every resolution and write.
 */
export function secretsMigration(types: ColumnTypes) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('data_keys')
        .addColumn('id', types.id, (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('master_key_id', 'text', (c) => c.notNull())
        .addColumn('wrapped_key', 'text', (c) => c.notNull())
        .addColumn('active', types.bool, (c) => c.notNull())
        .addColumn('created_at', types.timestamp, (c) => c.notNull())
        .addColumn('rewrapped_at', types.timestamp)
        .execute();
      // One active data key per tenant: two instances creating a tenant's first key at once cannot both win.
      await db.schema
        .createIndex('data_keys_one_active_idx')
        .on('data_keys')
        .column('tenant_id')
        .unique()
        .where(sql.ref('active'), '=', true)
        .execute();
      // Rotation walks the keys still wrapped by an older master key.
      await db.schema
        .createIndex('data_keys_master_key_idx')
        .on('data_keys')
        .columns(['master_key_id', 'id'])
        .execute();

      await db.schema
        .createTable('secrets')
        .addColumn('id', types.id, (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text')
        .addColumn('current_version', 'integer', (c) => c.notNull())
        .addColumn('created_at', types.timestamp, (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('updated_at', types.timestamp, (c) => c.notNull())
        .addColumn('updated_by', 'text', (c) => c.notNull())
        .addColumn('deleted_at', types.timestamp)
        .addColumn('deleted_by', 'text')
        .execute();
      await db.schema
        .createIndex('secrets_tenant_id_idx')
        .on('secrets')
        .columns(['tenant_id', 'id'])
        .execute();
      await db.schema
        .createIndex('secrets_tenant_name_idx')
        .on('secrets')
        .columns(['tenant_id', 'name'])
        .unique()
        .where(sql.ref('deleted_at'), 'is', null)
        .where(sql.ref('name'), 'is not', null)
        .execute();

      await db.schema
        .createTable('secret_versions')
        .addColumn('secret_id', types.id, (c) => c.notNull().references('secrets.id').onDelete('cascade'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('data_key_id', types.id, (c) => c.notNull().references('data_keys.id'))
        .addColumn('blob', 'text', (c) => c.notNull())
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        .addColumn('created_at', types.timestamp, (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('secret_versions_pkey', ['secret_id', 'version'])
        .execute();
      await db.schema
        .createIndex('secret_versions_data_key_idx')
        .on('secret_versions')
        .columns(['data_key_id'])
        .execute();

      await db.schema
        .createTable('audit_log')
        .addColumn('id', types.id, (c) => c.primaryKey())
        .addColumn('at', types.timestamp, (c) => c.notNull())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('integration_id', 'text')
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('store', 'text')
        .addColumn('reference', 'text')
        .addColumn('version', 'text')
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('cache', 'text')
        .addColumn('latency_ms', 'double precision', (c) => c.notNull())
        .addColumn('fingerprint', 'text')
        .addColumn('detail', 'text')
        .execute();
      await db.schema
        .createIndex('audit_log_tenant_idx')
        .on('audit_log')
        .columns(['tenant_id', 'id'])
        .execute();
      await db.schema
        .createIndex('audit_log_integration_idx')
        .on('audit_log')
        .columns(['integration_id', 'id'])
        .execute();
    },
  };
}

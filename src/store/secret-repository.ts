import type { Kysely, Selectable } from 'kysely';
import { toBool, toIso, toIsoOrNull } from './rows.js';
import type { DataKeysTable, SecretsTable, SecretVersionsTable, Tables } from './tables.js';

/** A tenant's data key as stored: only wrapped, never the key itself. */
export interface StoredDataKey {
  readonly id: string;
  readonly tenantId: string;
  readonly masterKeyId: string;
  readonly wrappedKey: string;
  readonly active: boolean;
  readonly createdAt: string;
  readonly rewrappedAt: string | null;
}

/** A secret of the `local` store: metadata only. */
export interface StoredSecret {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string | null;
  readonly currentVersion: number;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
  readonly deletedAt: string | null;
  readonly deletedBy: string | null;
}

/** One sealed value: the blob (ciphertext) and a keyed fingerprint, never the plaintext. */
export interface StoredSecretVersion {
  readonly secretId: string;
  readonly version: number;
  readonly tenantId: string;
  readonly dataKeyId: string;
  readonly blob: string;
  readonly fingerprint: string;
  readonly createdAt: string;
  readonly createdBy: string;
}

/** Storage of data keys, secrets and their versions; every secret query carries the tenant. */
export interface SecretRepository {
  findActiveDataKey(tenantId: string): Promise<StoredDataKey | undefined>;
  findDataKey(tenantId: string, id: string): Promise<StoredDataKey | undefined>;
  /** Inserts an active key unless the tenant has one already (then returns false, inserting nothing). */
  insertDataKey(key: StoredDataKey): Promise<boolean>;
  /** Data keys (all tenants) not wrapped by `masterKeyId`, in id order after `afterId`: rotation's work list. */
  listDataKeysNotWrappedBy(
    masterKeyId: string,
    afterId: string | null,
    limit: number,
  ): Promise<StoredDataKey[]>;
  /** Swaps the wrapping if the key is still wrapped by `expectedMasterKeyId`; false when someone was first. */
  rewrapDataKey(
    id: string,
    expectedMasterKeyId: string,
    next: { masterKeyId: string; wrappedKey: string; at: string },
  ): Promise<boolean>;
  /** How many data keys each master key wraps. */
  countDataKeysByMasterKey(): Promise<Record<string, number>>;

  insertSecret(secret: StoredSecret, first: StoredSecretVersion): Promise<void>;
  /** A secret, deleted or not (check `deletedAt`). */
  findSecret(tenantId: string, id: string): Promise<StoredSecret | undefined>;
  /** The live secret with this name. */
  findSecretByName(tenantId: string, name: string): Promise<StoredSecret | undefined>;
  /** The current version of a live secret (one query: the resolver's path). */
  findCurrentVersion(tenantId: string, secretId: string): Promise<StoredSecretVersion | undefined>;
  /** A given version of a live secret. */
  findVersion(tenantId: string, secretId: string, version: number): Promise<StoredSecretVersion | undefined>;
  /**
   * Adds `next` as the current version if the secret is live and still at `next.version - 1`;
   * false otherwise (deleted, or another writer was first).
   */
  addVersion(next: StoredSecretVersion): Promise<boolean>;
  /** Deletes versions older than `keep` newest ones; returns how many. */
  pruneVersions(tenantId: string, secretId: string, keep: number): Promise<number>;
  /** Marks a live secret deleted and removes its sealed versions; false when it was not live. */
  markDeleted(tenantId: string, id: string, at: string, by: string): Promise<boolean>;
  /** Live secrets of a tenant in id order (metadata only). */
  list(tenantId: string, page: { limit: number; afterId?: string }): Promise<StoredSecret[]>;
}

export function createSecretRepository(db: Kysely<Tables>): SecretRepository {
  return {
    async findActiveDataKey(tenantId) {
      const row = await db
        .selectFrom('data_keys')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('active', '=', 1)
        .executeTakeFirst();
      return row && dataKeyFromRow(row);
    },

    async findDataKey(tenantId, id) {
      const row = await db
        .selectFrom('data_keys')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row && dataKeyFromRow(row);
    },

    async insertDataKey(key) {
      // ON CONFLICT DO NOTHING rather than catching the violation: on PostgreSQL a failed insert would
      // abort the caller's transaction.
      const result = await db
        .insertInto('data_keys')
        .values({
          id: key.id,
          tenant_id: key.tenantId,
          master_key_id: key.masterKeyId,
          wrapped_key: key.wrappedKey,
          active: key.active ? 1 : 0,
          created_at: key.createdAt,
          rewrapped_at: key.rewrappedAt,
        })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
    },

    async listDataKeysNotWrappedBy(masterKeyId, afterId, limit) {
      let query = db.selectFrom('data_keys').selectAll().where('master_key_id', '!=', masterKeyId);
      if (afterId !== null) query = query.where('id', '>', afterId);
      const rows = await query.orderBy('id').limit(limit).execute();
      return rows.map(dataKeyFromRow);
    },

    async rewrapDataKey(id, expectedMasterKeyId, next) {
      const result = await db
        .updateTable('data_keys')
        .set({ master_key_id: next.masterKeyId, wrapped_key: next.wrappedKey, rewrapped_at: next.at })
        .where('id', '=', id)
        .where('master_key_id', '=', expectedMasterKeyId)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async countDataKeysByMasterKey() {
      const rows = await db
        .selectFrom('data_keys')
        .select(['master_key_id', (eb) => eb.fn.countAll<number | string>().as('n')])
        .groupBy('master_key_id')
        .execute();
      return Object.fromEntries(rows.map((row) => [row.master_key_id, Number(row.n)]));
    },

    async insertSecret(secret, first) {
      await db
        .insertInto('secrets')
        .values({
          id: secret.id,
          tenant_id: secret.tenantId,
          name: secret.name,
          current_version: secret.currentVersion,
          created_at: secret.createdAt,
          created_by: secret.createdBy,
          updated_at: secret.updatedAt,
          updated_by: secret.updatedBy,
          deleted_at: secret.deletedAt,
          deleted_by: secret.deletedBy,
        })
        .execute();
      await db.insertInto('secret_versions').values(versionToRow(first)).execute();
    },

    async findSecret(tenantId, id) {
      const row = await db
        .selectFrom('secrets')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row && secretFromRow(row);
    },

    async findSecretByName(tenantId, name) {
      const row = await db
        .selectFrom('secrets')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('name', '=', name)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      return row && secretFromRow(row);
    },

    async findCurrentVersion(tenantId, secretId) {
      const row = await db
        .selectFrom('secrets as s')
        .innerJoin('secret_versions as v', (join) =>
          join.onRef('v.secret_id', '=', 's.id').onRef('v.version', '=', 's.current_version'),
        )
        .selectAll('v')
        .where('s.tenant_id', '=', tenantId)
        .where('s.id', '=', secretId)
        .where('s.deleted_at', 'is', null)
        .executeTakeFirst();
      return row && versionFromRow(row);
    },

    async findVersion(tenantId, secretId, version) {
      // Versions of a deleted secret are removed with it, so no join is needed here.
      const row = await db
        .selectFrom('secret_versions')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('secret_id', '=', secretId)
        .where('version', '=', version)
        .executeTakeFirst();
      return row && versionFromRow(row);
    },

    async addVersion(next) {
      const result = await db
        .updateTable('secrets')
        .set({ current_version: next.version, updated_at: next.createdAt, updated_by: next.createdBy })
        .where('tenant_id', '=', next.tenantId)
        .where('id', '=', next.secretId)
        .where('current_version', '=', next.version - 1)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) return false;
      await db.insertInto('secret_versions').values(versionToRow(next)).execute();
      return true;
    },

    async pruneVersions(tenantId, secretId, keep) {
      const cutoff = await db
        .selectFrom('secret_versions')
        .select('version')
        .where('tenant_id', '=', tenantId)
        .where('secret_id', '=', secretId)
        .orderBy('version', 'desc')
        .offset(keep)
        .limit(1)
        .executeTakeFirst();
      if (!cutoff) return 0;
      const result = await db
        .deleteFrom('secret_versions')
        .where('tenant_id', '=', tenantId)
        .where('secret_id', '=', secretId)
        .where('version', '<=', cutoff.version)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async markDeleted(tenantId, id, at, by) {
      const result = await db
        .updateTable('secrets')
        .set({ deleted_at: at, deleted_by: by, updated_at: at, updated_by: by })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) return false;
      await db
        .deleteFrom('secret_versions')
        .where('tenant_id', '=', tenantId)
        .where('secret_id', '=', id)
        .execute();
      return true;
    },

    async list(tenantId, page) {
      let query = db
        .selectFrom('secrets')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('deleted_at', 'is', null);
      if (page.afterId) query = query.where('id', '>', page.afterId);
      const rows = await query.orderBy('id').limit(page.limit).execute();
      return rows.map(secretFromRow);
    },
  };
}

function dataKeyFromRow(row: Selectable<DataKeysTable>): StoredDataKey {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    masterKeyId: row.master_key_id,
    wrappedKey: row.wrapped_key,
    active: toBool(row.active),
    createdAt: toIso(row.created_at),
    rewrappedAt: toIsoOrNull(row.rewrapped_at),
  };
}

function secretFromRow(row: Selectable<SecretsTable>): StoredSecret {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    currentVersion: row.current_version,
    createdAt: toIso(row.created_at),
    createdBy: row.created_by,
    updatedAt: toIso(row.updated_at),
    updatedBy: row.updated_by,
    deletedAt: toIsoOrNull(row.deleted_at),
    deletedBy: row.deleted_by,
  };
}

function versionToRow(version: StoredSecretVersion) {
  return {
    secret_id: version.secretId,
    version: version.version,
    tenant_id: version.tenantId,
    data_key_id: version.dataKeyId,
    blob: version.blob,
    fingerprint: version.fingerprint,
    created_at: version.createdAt,
    created_by: version.createdBy,
  };
}

function versionFromRow(row: Selectable<SecretVersionsTable>): StoredSecretVersion {
  return {
    secretId: row.secret_id,
    version: row.version,
    tenantId: row.tenant_id,
    dataKeyId: row.data_key_id,
    blob: row.blob,
    fingerprint: row.fingerprint,
    createdAt: toIso(row.created_at),
    createdBy: row.created_by,
  };
}

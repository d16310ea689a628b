import { type Kysely, type Selectable, sql } from 'kysely';
import type { HealthStatus, Integration, IntegrationStatus, IntegrationType } from '../core/integration.js';
import type { Dialect } from './database.js';
import { forgetAfter, type IntegrationCache, NO_INTEGRATION_CACHE } from './integration-cache.js';
import { escapeLike, fromJson, toBool, toIso, toIsoOrNull } from './rows.js';
import { eachRow } from './sqlite-thread.js';
import type { IntegrationsTable, Tables } from './tables.js';

/** Filters of the integration list; every one is optional and they combine with AND. */
export interface IntegrationFilter {
  readonly type?: IntegrationType;
  readonly provider?: string;
  readonly tag?: string;
  readonly health?: HealthStatus;
  readonly enabled?: boolean;
  /** Case-insensitive substring of the name or owner. */
  readonly q?: string;
}

/** Keyset paging: rows after `afterId` in id order (UUIDv7, so creation order). */
export interface PageRequest {
  readonly limit: number;
  readonly afterId?: string;
}

/** Reads and writes integrations of one tenant at a time; every query carries the tenant. */
export interface IntegrationRepository {
  insert(integration: Integration): Promise<void>;
  findById(tenantId: string, id: string): Promise<Integration | undefined>;
  /** Ids of the tenant's integrations whose authRef is `ref`, or `ref` with a `?…` or `#…` part. */
  idsByAuthRef(tenantId: string, ref: string): Promise<string[]>;
  /** Integrations by id across tenants, for system work such as health polling. */
  findByIds(ids: readonly string[]): Promise<Integration[]>;
  list(tenantId: string, filter: IntegrationFilter, page: PageRequest): Promise<Integration[]>;
  /** Writes `next` if the stored version is still `expectedVersion`; false when it is not (or is gone). */
  update(next: Integration, expectedVersion: number): Promise<boolean>;
  /** Deletes if present (and at `expectedVersion` when given); false otherwise. */
  delete(tenantId: string, id: string, expectedVersion?: number): Promise<boolean>;
}

/**
 * @param cache integrations kept in memory (SQLite); every write here forgets what it changed.
 */
export function createIntegrationRepository(
  db: Kysely<Tables>,
  dialect: Dialect,
  cache: IntegrationCache = NO_INTEGRATION_CACHE,
): IntegrationRepository {
  async function replaceTags(integration: Integration): Promise<void> {
    await db.deleteFrom('integration_tags').where('integration_id', '=', integration.id).execute();
    if (integration.tags.length === 0) return;
    await db
      .insertInto('integration_tags')
      .values(
        integration.tags.map((tag) => ({
          tenant_id: integration.tenantId,
          integration_id: integration.id,
          tag,
        })),
      )
      .execute();
  }

  return {
    async insert(integration) {
      await db.insertInto('integrations').values(toRow(integration)).execute();
      await replaceTags(integration);
    },

    async findById(tenantId, id) {
      const cached = cache.get(tenantId, id);
      if (cached) return cached;
      const stamp = cache.stamp();
      const row = await db
        .selectFrom('integrations')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row && cache.remember(fromRow(row), stamp);
    },

    async idsByAuthRef(tenantId, ref) {
      const prefix = escapeLike(ref);
      const rows = await db
        .selectFrom('integrations')
        .select('id')
        .where('tenant_id', '=', tenantId)
        .where(({ or, eb }) =>
          or([
            eb('auth_ref', '=', ref),
            sql<boolean>`auth_ref like ${`${prefix}#%`} escape '\\'`,
            sql<boolean>`auth_ref like ${`${prefix}?%`} escape '\\'`,
          ]),
        )
        .orderBy('id')
        .execute();
      return rows.map((row) => row.id);
    },

    async findByIds(ids) {
      if (ids.length === 0) return [];
      // SQLite: one lookup by primary key per id, prepared once (see eachRow). PostgreSQL: the ids
      // as one array parameter, so the statement's text does not change with their number.
      const rows =
        dialect === 'postgres'
          ? await db
              .selectFrom('integrations')
              .selectAll()
              .where('id', '=', sql<string>`any(${ids}::uuid[])`)
              .execute()
          : (
              await db.executeQuery<Selectable<IntegrationsTable>>(
                eachRow(
                  'select * from integrations where id = ?',
                  ids.map((id) => [id]),
                ),
              )
            ).rows;
      return rows.map(fromRow);
    },

    async list(tenantId, filter, page) {
      let query = db.selectFrom('integrations').selectAll().where('tenant_id', '=', tenantId);
      if (filter.type) query = query.where('type', '=', filter.type);
      if (filter.provider) query = query.where('provider', '=', filter.provider);
      if (filter.health) query = query.where('health_status', '=', filter.health);
      if (filter.enabled !== undefined) query = query.where('enabled', '=', filter.enabled ? 1 : 0);
      if (filter.tag) {
        const tag = filter.tag;
        query = query.where(({ exists, selectFrom }) =>
          exists(
            selectFrom('integration_tags')
              .select('integration_tags.tag')
              .where('integration_tags.tenant_id', '=', tenantId)
              .where('integration_tags.tag', '=', tag)
              .whereRef('integration_tags.integration_id', '=', 'integrations.id'),
          ),
        );
      }
      if (filter.q) {
        const pattern = `%${escapeLike(filter.q.toLowerCase())}%`;
        query = query.where(({ or }) =>
          or([
            sql<boolean>`lower(name) like ${pattern} escape '\\'`,
            sql<boolean>`lower(coalesce(owner, '')) like ${pattern} escape '\\'`,
          ]),
        );
      }
      if (page.afterId) query = query.where('id', '>', page.afterId);
      const rows = await query.orderBy('id').limit(page.limit).execute();
      return rows.map(fromRow);
    },

    async update(next, expectedVersion) {
      const { id, tenant_id, created_at, created_by, ...changes } = toRow(next);
      const result = await forgetAfter(cache, id, () =>
        db
          .updateTable('integrations')
          .set(changes)
          .where('tenant_id', '=', tenant_id)
          .where('id', '=', id)
          .where('version', '=', expectedVersion)
          .executeTakeFirst(),
      );
      if (result.numUpdatedRows === 0n) return false;
      await replaceTags(next);
      return true;
    },

    async delete(tenantId, id, expectedVersion) {
      let query = db.deleteFrom('integrations').where('tenant_id', '=', tenantId).where('id', '=', id);
      if (expectedVersion !== undefined) query = query.where('version', '=', expectedVersion);
      const result = await forgetAfter(cache, id, () => query.executeTakeFirst());
      if (result.numDeletedRows === 0n) return false;
      // SQLite enforces the cascade only with foreign_keys on; delete explicitly so both behave alike.
      await db.deleteFrom('integration_tags').where('integration_id', '=', id).execute();
      return true;
    },
  };
}

function toRow(integration: Integration) {
  return {
    id: integration.id,
    tenant_id: integration.tenantId,
    name: integration.name,
    type: integration.type,
    provider: integration.provider,
    endpoint: integration.endpoint,
    auth_ref: integration.authRef,
    config: JSON.stringify(integration.config),
    tags: JSON.stringify(integration.tags),
    owner: integration.owner,
    enabled: integration.enabled ? 1 : 0,
    status: integration.status,
    health_status: integration.health.status,
    health_checked_at: integration.health.checkedAt,
    health_latency_ms: integration.health.latencyMs,
    health_message: integration.health.message,
    poll_interval_seconds: integration.pollIntervalSeconds,
    version: integration.version,
    created_at: integration.createdAt,
    created_by: integration.createdBy,
    updated_at: integration.updatedAt,
    updated_by: integration.updatedBy,
  };
}

function fromRow(row: Selectable<IntegrationsTable>): Integration {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    type: row.type as IntegrationType,
    provider: row.provider,
    endpoint: row.endpoint,
    authRef: row.auth_ref,
    config: fromJson<Record<string, unknown>>(row.config),
    tags: fromJson<string[]>(row.tags),
    owner: row.owner,
    enabled: toBool(row.enabled),
    status: row.status as IntegrationStatus,
    health: {
      status: row.health_status as HealthStatus,
      checkedAt: toIsoOrNull(row.health_checked_at),
      latencyMs: row.health_latency_ms,
      message: row.health_message,
    },
    pollIntervalSeconds: row.poll_interval_seconds,
    version: row.version,
    createdAt: toIso(row.created_at),
    createdBy: row.created_by,
    updatedAt: toIso(row.updated_at),
    updatedBy: row.updated_by,
  };
}

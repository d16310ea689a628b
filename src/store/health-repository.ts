import { type Kysely, sql } from 'kysely';
import type { Health, HealthStatus, IntegrationStatus } from '../core/integration.js';
import type { Dialect } from './database.js';
import { forgetAfter, type IntegrationCache, NO_INTEGRATION_CACHE } from './integration-cache.js';
import { fromJson, toIso } from './rows.js';
import type { Tables } from './tables.js';

/** A due health check this instance now holds the lease for. */
export interface ClaimedCheck {
  readonly integrationId: string;
  readonly tenantId: string;
  /** Fencing token: results are written only while the lease is still this version. */
  readonly leaseVersion: number;
  readonly dueAt: string;
  readonly consecutiveFailures: number;
  readonly consecutiveSuccesses: number;
}

/** One recorded check, for the history endpoint. */
export interface CheckRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly integrationId: string;
  /** `health` from the poller, `test` from a connection test. */
  readonly kind: 'health' | 'test';
  readonly status: Exclude<HealthStatus, 'unknown'>;
  readonly message: string;
  readonly latencyMs: number;
  readonly checks: { name: string; ok: boolean; message: string }[] | null;
  readonly checkedAt: string;
  readonly instance: string;
}

export interface ScheduleState {
  readonly nextRunAt: string;
  readonly leaseOwner: string | null;
  readonly consecutiveFailures: number;
  readonly consecutiveSuccesses: number;
}

/** What `recordResults` writes for one check: `complete`, `setHealth` and `appendCheck` in one. */
export interface CheckResultWrite {
  readonly check: ClaimedCheck;
  readonly next: { nextRunAt: string; consecutiveFailures: number; consecutiveSuccesses: number };
  readonly health: Health;
  readonly status: IntegrationStatus;
  readonly record: CheckRecord;
}

/** Rows per multi-row insert, well below either dialect's limit on bound parameters. */
const INSERT_CHUNK = 500;

export interface HealthRepository {
  schedule(tenantId: string, integrationId: string, nextRunAt: string): Promise<void>;
  /**
   * Leases up to `limit` due checks of enabled integrations until `leaseUntil`. On PostgreSQL rows
   * another instance is claiming are skipped (`FOR UPDATE SKIP LOCKED`), so instances never share one.
   */
  claimDue(owner: string, now: string, leaseUntil: string, limit: number): Promise<ClaimedCheck[]>;
  /** Writes the outcome and the next run if the lease is still ours; false when it was lost. */
  complete(
    check: ClaimedCheck,
    next: { nextRunAt: string; consecutiveFailures: number; consecutiveSuccesses: number },
  ): Promise<boolean>;
  /** Gives back every lease `owner` holds (on shutdown), so other instances need not wait for expiry. */
  release(owner: string): Promise<number>;
  getSchedule(tenantId: string, integrationId: string): Promise<ScheduleState | undefined>;
  /** Sets health and status without touching `version` (health is not a user edit). */
  setHealth(
    tenantId: string,
    integrationId: string,
    health: Health,
    status: IntegrationStatus,
  ): Promise<void>;
  appendCheck(record: CheckRecord, keep: number): Promise<void>;
  /**
   * For many checks at once, in a few statements (run it in a transaction): what `complete`, then
   * `setHealth` and `appendCheck` do for each whose lease is still ours. Returns, in order, whether
   * each was written (false when its lease was lost).
   */
  recordResults(writes: readonly CheckResultWrite[], keep: number): Promise<boolean[]>;
  listChecks(tenantId: string, integrationId: string, limit: number): Promise<CheckRecord[]>;
  countByHealth(): Promise<Record<string, number>>;
}

/**
 * @param cache integrations kept in memory (SQLite); the health columns written here are forgotten there.
 */
export function createHealthRepository(
  db: Kysely<Tables>,
  dialect: Dialect,
  cache: IntegrationCache = NO_INTEGRATION_CACHE,
): HealthRepository {
  return {
    async schedule(tenantId, integrationId, nextRunAt) {
      await db
        .insertInto('poll_schedule')
        .values({ integration_id: integrationId, tenant_id: tenantId, next_run_at: nextRunAt })
        .execute();
    },

    async claimDue(owner, now, leaseUntil, limit) {
      let due = db
        .selectFrom('poll_schedule as s')
        .innerJoin('integrations as i', 'i.id', 's.integration_id')
        .select('s.integration_id')
        .where('i.enabled', '=', 1)
        .where('s.next_run_at', '<=', now)
        .where((eb) => eb.or([eb('s.lease_until', 'is', null), eb('s.lease_until', '<', now)]))
        .orderBy('s.next_run_at')
        .limit(limit);
      if (dialect === 'postgres') due = due.forUpdate('s').skipLocked();
      const rows = await db
        .updateTable('poll_schedule')
        .set({ lease_owner: owner, lease_until: leaseUntil, lease_version: sql`lease_version + 1` })
        .where('integration_id', 'in', due)
        .returningAll()
        .execute();
      return rows
        .map((row) => ({
          integrationId: row.integration_id,
          tenantId: row.tenant_id,
          leaseVersion: row.lease_version,
          dueAt: toIso(row.next_run_at),
          consecutiveFailures: row.consecutive_failures,
          consecutiveSuccesses: row.consecutive_successes,
        }))
        .sort((a, b) => a.dueAt.localeCompare(b.dueAt));
    },

    async complete(check, next) {
      const result = await db
        .updateTable('poll_schedule')
        .set({
          next_run_at: next.nextRunAt,
          lease_owner: null,
          lease_until: null,
          consecutive_failures: next.consecutiveFailures,
          consecutive_successes: next.consecutiveSuccesses,
        })
        .where('integration_id', '=', check.integrationId)
        .where('lease_version', '=', check.leaseVersion)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async release(owner) {
      const result = await db
        .updateTable('poll_schedule')
        .set({ lease_owner: null, lease_until: null })
        .where('lease_owner', '=', owner)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async getSchedule(tenantId, integrationId) {
      const row = await db
        .selectFrom('poll_schedule')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('integration_id', '=', integrationId)
        .executeTakeFirst();
      return (
        row && {
          nextRunAt: toIso(row.next_run_at),
          leaseOwner: row.lease_owner,
          consecutiveFailures: row.consecutive_failures,
          consecutiveSuccesses: row.consecutive_successes,
        }
      );
    },

    async setHealth(tenantId, integrationId, health, status) {
      await forgetAfter(cache, integrationId, () =>
        db
          .updateTable('integrations')
          .set({
            health_status: health.status,
            health_checked_at: health.checkedAt,
            health_latency_ms: health.latencyMs,
            health_message: health.message,
            // A user may have disabled it while the check ran; that choice wins.
            status: sql<string>`case when status = 'disabled' then 'disabled' else ${status} end`,
          })
          .where('tenant_id', '=', tenantId)
          .where('id', '=', integrationId)
          .execute(),
      );
    },

    async appendCheck(record, keep) {
      await db.insertInto('health_checks').values(checkRow(record)).execute();
      // Bounded retention: keep the newest `keep` records of this integration.
      const cutoff = await db
        .selectFrom('health_checks')
        .select('id')
        .where('integration_id', '=', record.integrationId)
        .orderBy('id', 'desc')
        .offset(keep)
        .limit(1)
        .executeTakeFirst();
      if (cutoff) {
        await db
          .deleteFrom('health_checks')
          .where('integration_id', '=', record.integrationId)
          .where('id', '<=', cutoff.id)
          .execute();
      }
    },

    async recordResults(writes, keep) {
      if (writes.length === 0) return [];
      // The rows travel as one JSON parameter: `jsonb_to_recordset` on PostgreSQL, `json_each` with
      // `->>` on SQLite (3.38+, bundled with better-sqlite3).
      // complete(): next run and counters, fenced by the lease version, one statement for all.
      const schedules = JSON.stringify(
        writes.map(({ check, next }) => ({
          integration_id: check.integrationId,
          lease_version: check.leaseVersion,
          next_run_at: next.nextRunAt,
          consecutive_failures: next.consecutiveFailures,
          consecutive_successes: next.consecutiveSuccesses,
        })),
      );
      const completed =
        dialect === 'postgres'
          ? sql<{ integration_id: string }>`
              update poll_schedule as s
              set next_run_at = v.next_run_at, lease_owner = null, lease_until = null,
                  consecutive_failures = v.consecutive_failures,
                  consecutive_successes = v.consecutive_successes
              from jsonb_to_recordset(${schedules}::jsonb) as v(
                integration_id uuid, lease_version integer, next_run_at timestamptz,
                consecutive_failures integer, consecutive_successes integer)
              where s.integration_id = v.integration_id and s.lease_version = v.lease_version
              returning s.integration_id`
          : sql<{ integration_id: string }>`
              update poll_schedule
              set next_run_at = v.next_run_at, lease_owner = null, lease_until = null,
                  consecutive_failures = v.consecutive_failures,
                  consecutive_successes = v.consecutive_successes
              from (select value ->> 'integration_id' as integration_id,
                           value ->> 'lease_version' as lease_version,
                           value ->> 'next_run_at' as next_run_at,
                           value ->> 'consecutive_failures' as consecutive_failures,
                           value ->> 'consecutive_successes' as consecutive_successes
                    from json_each(${schedules})) as v
              where poll_schedule.integration_id = v.integration_id
                and poll_schedule.lease_version = v.lease_version
              returning poll_schedule.integration_id`;
      const ours = new Set((await completed.execute(db)).rows.map((row) => String(row.integration_id)));
      const kept = writes.map((write) => ours.has(write.check.integrationId));
      const written = writes.filter((_, index) => kept[index]);
      if (written.length === 0) return kept;

      // setHealth(): a user's 'disabled' wins over the status the check gives.
      const healths = JSON.stringify(
        written.map(({ record, health, status }) => ({
          tenant_id: record.tenantId,
          id: record.integrationId,
          health_status: health.status,
          health_checked_at: health.checkedAt,
          health_latency_ms: health.latencyMs,
          health_message: health.message,
          status,
        })),
      );
      const healthUpdate =
        dialect === 'postgres'
          ? sql`
            update integrations as i
            set health_status = v.health_status, health_checked_at = v.health_checked_at,
                health_latency_ms = v.health_latency_ms, health_message = v.health_message,
                status = case when i.status = 'disabled' then 'disabled' else v.status end
            from jsonb_to_recordset(${healths}::jsonb) as v(
              tenant_id text, id uuid, health_status text, health_checked_at timestamptz,
              health_latency_ms integer, health_message text, status text)
            where i.tenant_id = v.tenant_id and i.id = v.id`
          : sql`
            update integrations
            set health_status = v.health_status, health_checked_at = v.health_checked_at,
                health_latency_ms = v.health_latency_ms, health_message = v.health_message,
                status = case when integrations.status = 'disabled' then 'disabled' else v.status end
            from (select value ->> 'tenant_id' as tenant_id, value ->> 'id' as id,
                         value ->> 'health_status' as health_status,
                         value ->> 'health_checked_at' as health_checked_at,
                         value ->> 'health_latency_ms' as health_latency_ms,
                         value ->> 'health_message' as health_message, value ->> 'status' as status
                  from json_each(${healths})) as v
            where integrations.tenant_id = v.tenant_id and integrations.id = v.id`;
      await forgetAfter(
        cache,
        written.map(({ record }) => record.integrationId),
        () => healthUpdate.execute(db),
      );

      // appendCheck(): the records, then the same bounded retention (newest `keep` per integration).
      for (let start = 0; start < written.length; start += INSERT_CHUNK) {
        await db
          .insertInto('health_checks')
          .values(written.slice(start, start + INSERT_CHUNK).map(({ record }) => checkRow(record)))
          .execute();
      }
      const ranked = db
        .selectFrom('health_checks')
        .select([
          'id',
          sql<number>`row_number() over (partition by integration_id order by id desc)`.as('newest'),
        ])
        .where(
          'integration_id',
          'in',
          written.map(({ record }) => record.integrationId),
        )
        .as('ranked');
      await db
        .deleteFrom('health_checks')
        .where('id', 'in', db.selectFrom(ranked).select('ranked.id').where('ranked.newest', '>', keep))
        .execute();
      return kept;
    },

    async listChecks(tenantId, integrationId, limit) {
      const rows = await db
        .selectFrom('health_checks')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('integration_id', '=', integrationId)
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map((row) => ({
        id: row.id,
        tenantId: row.tenant_id,
        integrationId: row.integration_id,
        kind: row.kind as CheckRecord['kind'],
        status: row.status as CheckRecord['status'],
        message: row.message,
        latencyMs: row.latency_ms,
        checks: row.checks === null ? null : fromJson<CheckRecord['checks']>(row.checks),
        checkedAt: toIso(row.checked_at),
        instance: row.instance,
      }));
    },

    async countByHealth() {
      const rows = await db
        .selectFrom('integrations')
        .select(['health_status', (eb) => eb.fn.countAll<number | string>().as('n')])
        .groupBy('health_status')
        .execute();
      return Object.fromEntries(rows.map((row) => [row.health_status, Number(row.n)]));
    },
  };
}

function checkRow(record: CheckRecord) {
  return {
    id: record.id,
    tenant_id: record.tenantId,
    integration_id: record.integrationId,
    kind: record.kind,
    status: record.status,
    message: record.message,
    latency_ms: record.latencyMs,
    checks: record.checks === null ? null : JSON.stringify(record.checks),
    checked_at: record.checkedAt,
    instance: record.instance,
  };
}

import { type CompiledQuery, type Kysely, sql } from 'kysely';
import type { Health, HealthStatus, IntegrationStatus } from '../core/integration.js';
import type { Dialect } from './database.js';
import { forgetAfter, type IntegrationCache, NO_INTEGRATION_CACHE } from './integration-cache.js';
import { fromJson, toIso } from './rows.js';
import { eachRow } from './sqlite-thread.js';
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
      // Each statement writes only the rows whose lease is still the version claimed (`complete`
      // does not change it; a lost lease has moved on), so none depends on another's result: they
      // are sent together and the database runs them in order.
      const ids = writes.map(({ check }) => check.integrationId);
      const statements =
        dialect === 'postgres' ? postgresResultStatements(db, writes) : sqliteResultStatements(writes);
      // complete(): next run and counters, fenced by the lease version.
      const completed = db.executeQuery(statements.complete);
      // setHealth(): a user's 'disabled' wins over the status the check gives.
      const healthUpdated = forgetAfter(cache, ids, () => db.executeQuery(statements.setHealth));
      // appendCheck(): the records, then the same bounded retention (newest `keep` per integration).
      const appended = db.executeQuery(statements.appendChecks);
      const ranked = db
        .selectFrom('health_checks')
        .select([
          'id',
          sql<number>`row_number() over (partition by integration_id order by id desc)`.as('newest'),
        ])
        .where('integration_id', 'in', statements.integrationIds)
        .as('ranked');
      const trimmed = db
        .deleteFrom('health_checks')
        .where('id', 'in', db.selectFrom(ranked).select('ranked.id').where('ranked.newest', '>', keep))
        .execute();
      const [{ rows: done }] = await Promise.all([completed, healthUpdated, appended, trimmed]);
      const ours = new Set(done.map((row) => String(row.integration_id)));
      return ids.map((id) => ours.has(id));
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

/** A record's values in the column order of `checkRow`. */
function checkValues(record: CheckRecord): unknown[] {
  return Object.values(checkRow(record));
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

/** Whether the schedule row still holds the lease version a result was claimed with. */
const LEASE_HELD =
  'exists (select 1 from poll_schedule as s where s.integration_id = ? and s.lease_version = ?)';

/**
 * The statements of `recordResults` on SQLite: each prepared once and run for every result on the
 * SQLite thread (`eachRow`), which costs less than reading the rows out of one JSON parameter.
 */
function sqliteResultStatements(writes: readonly CheckResultWrite[]) {
  const held = (check: ClaimedCheck) => [check.integrationId, check.leaseVersion];
  return {
    complete: eachRow(
      `update poll_schedule
       set next_run_at = ?, lease_owner = null, lease_until = null,
           consecutive_failures = ?, consecutive_successes = ?
       where integration_id = ? and lease_version = ?
       returning integration_id`,
      writes.map(({ check, next }) => [
        next.nextRunAt,
        next.consecutiveFailures,
        next.consecutiveSuccesses,
        ...held(check),
      ]),
    ) as CompiledQuery<{ integration_id: string }>,
    setHealth: eachRow(
      `update integrations
       set health_status = ?, health_checked_at = ?, health_latency_ms = ?, health_message = ?,
           status = case when status = 'disabled' then 'disabled' else ? end
       where tenant_id = ? and id = ? and ${LEASE_HELD}`,
      writes.map(({ check, health, status, record }) => [
        health.status,
        health.checkedAt,
        health.latencyMs,
        health.message,
        status,
        record.tenantId,
        record.integrationId,
        ...held(check),
      ]),
    ),
    appendChecks: eachRow(
      `insert into health_checks
         (id, tenant_id, integration_id, kind, status, message, latency_ms, checks, checked_at, instance)
       select ?, ?, ?, ?, ?, ?, ?, ?, ?, ? where ${LEASE_HELD}`,
      writes.map(({ check, record }) => [...checkValues(record), ...held(check)]),
    ),
    integrationIds: sql<string>`(select value from json_each(${JSON.stringify(writes.map(({ check }) => check.integrationId))}))`,
  };
}

/**
 * The statements of `recordResults` on PostgreSQL: the rows travel as one JSON parameter per
 * statement (`jsonb_to_recordset`), so each statement's text is the same whatever their number.
 */
function postgresResultStatements(db: Kysely<Tables>, writes: readonly CheckResultWrite[]) {
  const lease = ({ check }: CheckResultWrite) => ({
    integration_id: check.integrationId,
    lease_version: check.leaseVersion,
  });
  const schedules = JSON.stringify(
    writes.map((write) => ({
      ...lease(write),
      next_run_at: write.next.nextRunAt,
      consecutive_failures: write.next.consecutiveFailures,
      consecutive_successes: write.next.consecutiveSuccesses,
    })),
  );
  const healths = JSON.stringify(
    writes.map((write) => ({
      ...lease(write),
      tenant_id: write.record.tenantId,
      health_status: write.health.status,
      health_checked_at: write.health.checkedAt,
      health_latency_ms: write.health.latencyMs,
      health_message: write.health.message,
      status: write.status,
    })),
  );
  const records = JSON.stringify(writes.map((write) => ({ ...lease(write), ...checkRow(write.record) })));
  const held =
    'exists (select 1 from poll_schedule as s where s.integration_id = v.integration_id and s.lease_version = v.lease_version)';
  return {
    complete: sql<{ integration_id: string }>`
      update poll_schedule as s
      set next_run_at = v.next_run_at, lease_owner = null, lease_until = null,
          consecutive_failures = v.consecutive_failures,
          consecutive_successes = v.consecutive_successes
      from jsonb_to_recordset(${schedules}::jsonb) as v(
        integration_id uuid, lease_version integer, next_run_at timestamptz,
        consecutive_failures integer, consecutive_successes integer)
      where s.integration_id = v.integration_id and s.lease_version = v.lease_version
      returning s.integration_id`.compile(db),
    setHealth: sql`
      update integrations as i
      set health_status = v.health_status, health_checked_at = v.health_checked_at,
          health_latency_ms = v.health_latency_ms, health_message = v.health_message,
          status = case when i.status = 'disabled' then 'disabled' else v.status end
      from jsonb_to_recordset(${healths}::jsonb) as v(
        integration_id uuid, lease_version integer, tenant_id text, health_status text,
        health_checked_at timestamptz, health_latency_ms integer, health_message text, status text)
      where i.tenant_id = v.tenant_id and i.id = v.integration_id and ${sql.raw(held)}`.compile(db),
    appendChecks: sql`
      insert into health_checks
        (id, tenant_id, integration_id, kind, status, message, latency_ms, checks, checked_at, instance)
      select v.id, v.tenant_id, v.integration_id, v.kind, v.status, v.message, v.latency_ms,
             v.checks::jsonb, v.checked_at, v.instance
      from jsonb_to_recordset(${records}::jsonb) as v(
        integration_id uuid, lease_version integer, id uuid, tenant_id text, kind text, status text,
        message text, latency_ms integer, checks text, checked_at timestamptz, instance text)
      where ${sql.raw(held)}`.compile(db),
    integrationIds: sql<string>`(select unnest(${writes.map(({ check }) => check.integrationId)}::uuid[]))`,
  };
}

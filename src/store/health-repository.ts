import { type Kysely, sql } from 'kysely';
import type { Health, HealthStatus, IntegrationStatus } from '../core/integration.js';
import type { Dialect } from './database.js';
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
  listChecks(tenantId: string, integrationId: string, limit: number): Promise<CheckRecord[]>;
  countByHealth(): Promise<Record<string, number>>;
}

export function createHealthRepository(db: Kysely<Tables>, dialect: Dialect): HealthRepository {
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
      await db
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
        .execute();
    },

    async appendCheck(record, keep) {
      await db
        .insertInto('health_checks')
        .values({
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
        })
        .execute();
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

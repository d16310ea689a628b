import type { Kysely, Selectable } from 'kysely';
import { fromJson, toIso, toIsoOrNull } from './rows.js';
import type { AnnotationQueueTable, Tables } from './tables.js';

/** The SCM operations a queue entry can hold, named as the annotate request names them. */
export const QUEUED_OPERATIONS = ['comment', 'status', 'checkRun', 'inline'] as const;
export type QueuedOperation = (typeof QUEUED_OPERATIONS)[number];

/** Why a payload was kept: the service was offline, the SCM refused it, or retries ran out. */
export const QUEUE_REASON_KINDS = ['offline', 'permanent', 'retries_exhausted'] as const;
export type QueueReasonKind = (typeof QUEUE_REASON_KINDS)[number];

/**
 * `pending` until replayed with success (`replayed`); `superseded` when a later payload for the same
 * target (the same comment marker, status context or check run name) was kept or posted, so replaying
 * this one would put stale results back.
 */
export const QUEUE_STATUSES = ['pending', 'replayed', 'superseded'] as const;
export type QueueStatus = (typeof QUEUE_STATUSES)[number];

/** A kept payload. `payload` is the exact SCM request; it never holds a credential. */
export interface QueueEntry {
  readonly id: string;
  readonly tenantId: string;
  readonly integrationId: string;
  readonly operation: QueuedOperation;
  readonly owner: string;
  readonly repository: string;
  readonly pullRequestNumber: number | null;
  readonly commitSha: string | null;
  /** What the payload writes to, e.g. `comment acme/app#7 <marker>`: newer entries supersede older. */
  readonly targetKey: string;
  readonly payload: Record<string, unknown>;
  /** `offline`, `permanent: <message>` or `retries exhausted: <message>`. */
  readonly reason: string;
  readonly reasonKind: QueueReasonKind;
  readonly status: QueueStatus;
  /** The entry that superseded this one; null when a later post succeeded directly. */
  readonly supersededBy: string | null;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly replayAttempts: number;
  readonly lastReplayAt: string | null;
  /** The result of the latest replay attempt (an `ScmOperationResult`). */
  readonly replayResult: Record<string, unknown> | null;
  /** When a replay posted it. */
  readonly replayedAt: string | null;
}

export type NewQueueEntry = Omit<
  QueueEntry,
  'status' | 'supersededBy' | 'replayAttempts' | 'lastReplayAt' | 'replayResult' | 'replayedAt'
>;

export interface QueueFilter {
  readonly tenantId: string;
  readonly integrationId?: string;
  readonly operation?: QueuedOperation;
  readonly status?: QueueStatus;
  readonly reasonKind?: QueueReasonKind;
}

export interface AnnotationQueueRepository {
  insert(entry: NewQueueEntry): Promise<void>;
  /**
   * Marks the pending entries of one target superseded (all but `except`), by `supersededBy` (null: a
   * later post succeeded). Returns how many.
   */
  supersede(
    key: { tenantId: string; integrationId: string; targetKey: string },
    supersededBy: string | null,
    except?: string,
  ): Promise<number>;
  get(tenantId: string, id: string): Promise<QueueEntry | undefined>;
  /** Oldest first (the order to replay in); `afterId` continues from the previous page. */
  list(filter: QueueFilter, page: { limit: number; afterId?: string }): Promise<QueueEntry[]>;
  /** Records a replay attempt; `posted` marks the entry replayed. */
  recordReplay(tenantId: string, id: string, at: string, result: unknown, posted: boolean): Promise<void>;
}

export function createAnnotationQueueRepository(db: Kysely<Tables>): AnnotationQueueRepository {
  return {
    async insert(entry) {
      await db
        .insertInto('annotation_queue')
        .values({
          id: entry.id,
          tenant_id: entry.tenantId,
          integration_id: entry.integrationId,
          operation: entry.operation,
          owner: entry.owner,
          repository: entry.repository,
          pull_request_number: entry.pullRequestNumber,
          commit_sha: entry.commitSha,
          target_key: entry.targetKey,
          payload: JSON.stringify(entry.payload),
          reason: entry.reason,
          reason_kind: entry.reasonKind,
          status: 'pending',
          superseded_by: null,
          created_at: entry.createdAt,
          created_by: entry.createdBy,
          replay_attempts: 0,
          last_replay_at: null,
          replay_result: null,
          replayed_at: null,
        })
        .execute();
    },

    async supersede(key, supersededBy, except) {
      let query = db
        .updateTable('annotation_queue')
        .set({ status: 'superseded', superseded_by: supersededBy })
        .where('tenant_id', '=', key.tenantId)
        .where('integration_id', '=', key.integrationId)
        .where('target_key', '=', key.targetKey)
        .where('status', '=', 'pending');
      if (except !== undefined) query = query.where('id', '<>', except);
      const result = await query.executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async get(tenantId, id) {
      const row = await db
        .selectFrom('annotation_queue')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row && fromRow(row);
    },

    async list(filter, page) {
      let query = db.selectFrom('annotation_queue').selectAll().where('tenant_id', '=', filter.tenantId);
      if (filter.integrationId) query = query.where('integration_id', '=', filter.integrationId);
      if (filter.operation) query = query.where('operation', '=', filter.operation);
      if (filter.status) query = query.where('status', '=', filter.status);
      if (filter.reasonKind) query = query.where('reason_kind', '=', filter.reasonKind);
      if (page.afterId) query = query.where('id', '>', page.afterId);
      const rows = await query.orderBy('id').limit(page.limit).execute();
      return rows.map(fromRow);
    },

    async recordReplay(tenantId, id, at, result, posted) {
      await db
        .updateTable('annotation_queue')
        .set((eb) => ({
          replay_attempts: eb('replay_attempts', '+', 1),
          last_replay_at: at,
          replay_result: JSON.stringify(result),
          ...(posted ? { status: 'replayed', replayed_at: at } : {}),
        }))
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .execute();
    },
  };
}

function fromRow(row: Selectable<AnnotationQueueTable>): QueueEntry {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    integrationId: row.integration_id,
    operation: row.operation as QueuedOperation,
    owner: row.owner,
    repository: row.repository,
    pullRequestNumber: row.pull_request_number === null ? null : Number(row.pull_request_number),
    commitSha: row.commit_sha,
    targetKey: row.target_key,
    payload: fromJson<Record<string, unknown>>(row.payload),
    reason: row.reason,
    reasonKind: row.reason_kind as QueueReasonKind,
    status: row.status as QueueStatus,
    supersededBy: row.superseded_by,
    createdAt: toIso(row.created_at),
    createdBy: row.created_by,
    replayAttempts: Number(row.replay_attempts),
    lastReplayAt: toIsoOrNull(row.last_replay_at),
    replayResult: row.replay_result === null ? null : fromJson<Record<string, unknown>>(row.replay_result),
    replayedAt: toIsoOrNull(row.replayed_at),
  };
}

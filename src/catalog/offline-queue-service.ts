import { NotFoundError } from '../core/errors.js';
import { isUuid } from '../core/ids.js';
import type { Principal } from '../core/scopes.js';
import type {
  QueuedOperation,
  QueueEntry,
  QueueReasonKind,
  QueueStatus,
} from '../store/annotation-queue-repository.js';
import type { Store } from '../store/store.js';
import { type AnnotationLock, lockKeyOf } from './annotation-lock.js';
import { annotationEventData } from './offline-queue.js';
import { decodePageToken, encodePageToken } from './page-token.js';
import type { AnyScmResult, ScmOperationRunner, ScmPayload } from './scm-operation.js';
import type { ScmTargets } from './scm-target.js';

export {
  QUEUE_REASON_KINDS,
  QUEUE_STATUSES,
  type QueueEntry,
  type QueueReasonKind,
  type QueueStatus,
} from '../store/annotation-queue-repository.js';

export interface OfflineQueueQuery {
  readonly integrationId?: string;
  readonly operation?: QueuedOperation;
  readonly status?: QueueStatus;
  readonly reasonKind?: QueueReasonKind;
  readonly pageSize: number;
  readonly pageToken?: string;
}

export interface OfflineQueuePage {
  readonly items: QueueEntry[];
  readonly nextPageToken: string | null;
}

/** What a replay did. */
export interface ReplayOutcome {
  /** The entry after the replay. */
  readonly entry: QueueEntry;
  /** True when this call posted the payload. */
  readonly posted: boolean;
  /**
   * True when nothing was sent because the entry was replayed before (its stored result is returned)
   * or superseded by a later payload for the same target.
   */
  readonly alreadySettled: boolean;
  /** This call's result, or the stored one when `alreadySettled`. */
  readonly result: AnyScmResult | Record<string, unknown> | null;
}

/** The offline queue: payloads that were not posted, to list, export and replay. */
export interface OfflineQueueService {
  list(principal: Principal, query: OfflineQueueQuery): Promise<OfflineQueuePage>;
  get(principal: Principal, id: string): Promise<QueueEntry>;
  /**
   * Posts a pending entry's payload through its integration, under the same per-PR lock as annotate.
   * Idempotent: an entry that was replayed is not posted again (the stored result comes back), and two
   * replays at once post once. A replay that fails leaves the entry pending, with the attempt recorded.
   */
  replay(principal: Principal, id: string): Promise<ReplayOutcome>;
}

export interface OfflineQueueServiceDeps {
  readonly store: Store;
  readonly targets: ScmTargets;
  readonly runner: ScmOperationRunner;
  readonly lock: AnnotationLock;
  readonly newId: () => string;
  readonly now: () => Date;
  readonly operationTimeoutMs: number;
}

export function createOfflineQueueService(deps: OfflineQueueServiceDeps): OfflineQueueService {
  const { store } = deps;

  async function load(principal: Principal, id: string): Promise<QueueEntry> {
    const entry = isUuid(id) ? await store.annotationQueue.get(principal.tenantId, id) : undefined;
    if (!entry) throw new NotFoundError('offline queue entry', id);
    return entry;
  }

  const settled = (entry: QueueEntry): ReplayOutcome => ({
    entry,
    posted: false,
    alreadySettled: true,
    result: entry.replayResult,
  });

  return {
    async list(principal, query) {
      const afterId = query.pageToken ? decodePageToken(query.pageToken) : undefined;
      const { pageSize, pageToken: _token, ...filter } = query;
      const rows = await store.annotationQueue.list(
        { tenantId: principal.tenantId, ...filter },
        { limit: pageSize + 1, afterId },
      );
      const items = rows.slice(0, pageSize);
      return { items, nextPageToken: rows.length > pageSize ? encodePageToken(items.at(-1)!.id) : null };
    },

    get: load,

    async replay(principal, id) {
      const entry = await load(principal, id);
      if (entry.status !== 'pending') return settled(entry);
      const target = await deps.targets.load(principal, entry.integrationId);
      const key = lockKeyOf(entry.tenantId, entry.integrationId, {
        owner: entry.owner,
        repository: entry.repository,
        pullRequestNumber: entry.pullRequestNumber ?? undefined,
        commitSha: entry.commitSha ?? '',
      });
      return deps.lock.withLock(key, entry.tenantId, async () => {
        // Read again under the lock: a replay that ran while we waited has settled it.
        const fresh = await load(principal, id);
        if (fresh.status !== 'pending') return settled(fresh);
        // The payload is the exact request this service built and stored.
        const payload = { operation: fresh.operation, request: fresh.payload } as unknown as ScmPayload;
        const result = await deps.runner.run({
          principal,
          target,
          payload,
          signal: AbortSignal.timeout(deps.operationTimeoutMs),
          prNumber: fresh.pullRequestNumber,
          commitSha: fresh.commitSha,
        });
        const at = deps.now().toISOString();
        await store.transaction(async (tx) => {
          await tx.annotationQueue.recordReplay(fresh.tenantId, fresh.id, at, result, result.success);
          if (fresh.commitSha !== null) {
            await tx.outbox.append({
              id: deps.newId(),
              tenantId: fresh.tenantId,
              subject: fresh.integrationId,
              type: 'scm.annotation.completed',
              data: annotationEventData(
                { ...fresh, commitSha: fresh.commitSha },
                [{ payload, result }],
                principal.actor,
              ),
              createdAt: at,
            });
          }
        });
        return { entry: await load(principal, id), posted: result.success, alreadySettled: false, result };
      });
    },
  };
}

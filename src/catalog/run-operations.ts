import type { SeverityCounts } from '../annotations/index.js';
import type { Principal } from '../core/scopes.js';
import type { Store } from '../store/store.js';
import type { AnnotationLock } from './annotation-lock.js';
import {
  annotationEventData,
  type KeptPayload,
  type OperationsTarget,
  recordOutcomes,
} from './offline-queue.js';
import type { AnyScmResult, ScmOperationRunner, ScmPayload } from './scm-operation.js';
import type { ScmOperation, ScmTarget } from './scm-target.js';

/** What happened to one operation of an annotate call. */
export interface AnnotateOperationOutcome {
  readonly operation: ScmOperation;
  /** A summary of the payload: what was (or, on a dry run, would be) posted. */
  readonly posted: Record<string, unknown>;
  /** The provider's answer; absent on a dry run. */
  readonly result?: AnyScmResult;
  /** Set when the payload was not posted and is kept in the offline queue. */
  readonly queued?: KeptPayload;
}

export interface RunOperationsDeps {
  readonly store: Store;
  readonly runner: ScmOperationRunner;
  readonly lock: AnnotationLock;
  readonly newId: () => string;
  readonly now: () => Date;
  readonly operationTimeoutMs: number;
}

export interface RunOperationsInput {
  readonly principal: Principal;
  readonly target: ScmTarget;
  readonly payloads: readonly ScmPayload[];
  readonly lockKey: string;
  readonly where: OperationsTarget;
  /** Given by annotate: the run is recorded as an `scm.annotation.completed` event with it. */
  readonly verdict?: { readonly outcome: 'pass' | 'warn' | 'fail'; readonly counts: SeverityCounts };
}

/**
 * Posts payloads while holding the lock, then, in one transaction, keeps the ones that failed in the
 * offline queue (superseding older entries of the same targets) and appends the event. The lock is
 * held until that transaction commits, so the next caller sees the queue as this one left it.
 */
export async function runOperations(
  deps: RunOperationsDeps,
  input: RunOperationsInput,
): Promise<AnnotateOperationOutcome[]> {
  const { principal, target, payloads, where } = input;
  return deps.lock.withLock(input.lockKey, where.tenantId, async () => {
    const signal = AbortSignal.timeout(deps.operationTimeoutMs);
    const results = await Promise.all(
      payloads.map((payload) =>
        deps.runner.run({
          principal,
          target,
          payload,
          signal,
          prNumber: where.pullRequestNumber,
          commitSha: where.commitSha,
        }),
      ),
    );
    const outcomes = payloads.map((payload, index) => ({ payload, result: results[index]! }));
    const at = deps.now().toISOString();
    const kept = await deps.store.transaction(async (tx) => {
      const kept = await recordOutcomes(tx, where, outcomes, {
        actor: principal.actor,
        at,
        newId: deps.newId,
      });
      if (input.verdict && where.commitSha !== null) {
        await tx.outbox.append({
          id: deps.newId(),
          tenantId: where.tenantId,
          subject: where.integrationId,
          type: 'scm.annotation.completed',
          data: annotationEventData(
            { ...where, commitSha: where.commitSha },
            outcomes,
            principal.actor,
            input.verdict,
          ),
          createdAt: at,
        });
      }
      return kept;
    });
    return outcomes.map(({ payload, result }, index) => {
      const queued = kept[index];
      return {
        operation: payload.operation,
        posted: summarise(payload),
        result,
        ...(queued ? { queued } : {}),
      };
    });
  });
}

/** The short form of a payload for responses and the CLI: never the whole comment body. */
export function summarise(payload: ScmPayload): Record<string, unknown> {
  switch (payload.operation) {
    case 'comment':
      return {
        pullRequestNumber: payload.request.pullRequestNumber,
        bodyChars: payload.request.body.length,
      };
    case 'status':
      return {
        commitSha: payload.request.commitSha,
        state: payload.request.state,
        context: payload.request.context,
        description: payload.request.description ?? null,
      };
    case 'checkRun':
      return {
        headSha: payload.request.headSha,
        name: payload.request.name,
        conclusion: payload.request.conclusion ?? null,
        annotations: payload.request.annotations?.length ?? 0,
      };
    case 'inline':
      return {
        pullRequestNumber: payload.request.pullRequestNumber,
        commitSha: payload.request.commitSha,
        findings: payload.request.findings.length,
      };
  }
}

import type { SeverityCounts } from '../annotations/index.js';
import type { QueueReasonKind } from '../store/annotation-queue-repository.js';
import type { Repositories } from '../store/store.js';
import type { AnyScmResult, ScmPayload } from './scm-operation.js';
import { OPERATION_LABEL } from './scm-target.js';

/**
 * Writing down what a batch of SCM operations left behind, in the caller's transaction: a payload that
 * was not posted is kept in the offline queue with the reason; one that was posted supersedes the older
 * entries of its target, so a later replay cannot put stale results back.
 */

/** Where a batch of operations went. */
export interface OperationsTarget {
  readonly tenantId: string;
  readonly integrationId: string;
  readonly owner: string;
  readonly repository: string;
  readonly pullRequestNumber: number | null;
  readonly commitSha: string | null;
}

/** The queue entry a payload was kept as. */
export interface KeptPayload {
  readonly entryId: string;
  readonly reason: string;
  readonly reasonKind: QueueReasonKind;
}

export interface Outcome {
  readonly payload: ScmPayload;
  readonly result: AnyScmResult;
}

/** Keeps the failed payloads and supersedes what the posted ones replace; returns, in order, what was kept. */
export async function recordOutcomes(
  tx: Repositories,
  target: OperationsTarget,
  outcomes: readonly Outcome[],
  info: { readonly actor: string; readonly at: string; readonly newId: () => string },
): Promise<(KeptPayload | undefined)[]> {
  const kept: (KeptPayload | undefined)[] = [];
  for (const { payload, result } of outcomes) {
    const scope = { tenantId: target.tenantId, integrationId: target.integrationId };
    if (result.success) {
      await tx.annotationQueue.supersede({ ...scope, targetKey: targetKeyOf(payload) }, null);
      kept.push(undefined);
      continue;
    }
    const entryId = info.newId();
    const { reason, reasonKind } = reasonOf(result);
    const targetKey = targetKeyOf(payload, entryId);
    await tx.annotationQueue.insert({
      id: entryId,
      ...scope,
      operation: payload.operation,
      owner: target.owner,
      repository: target.repository,
      pullRequestNumber: target.pullRequestNumber,
      commitSha: target.commitSha,
      targetKey,
      payload: { ...payload.request },
      reason,
      reasonKind,
      createdAt: info.at,
      createdBy: info.actor,
    });
    await tx.annotationQueue.supersede({ ...scope, targetKey }, entryId, entryId);
    kept.push({ entryId, reason, reasonKind });
  }
  return kept;
}

/** `offline`, `permanent: …` or `retries exhausted: …`. */
export function reasonOf(result: AnyScmResult): { reason: string; reasonKind: QueueReasonKind } {
  if (result.skippedOffline) return { reason: 'offline', reasonKind: 'offline' };
  const message = result.errorMessage ?? 'no message';
  return result.isTransient
    ? { reason: `retries exhausted: ${message}`, reasonKind: 'retries_exhausted' }
    : { reason: `permanent: ${message}`, reasonKind: 'permanent' };
}

/**
 * What a payload writes to: a comment by pull request and marker line (or comment id), a status by
 * commit and context, a check run by commit and name, inline comments by pull request and marker key. A comment that must not update an existing one
 * (`updateExisting: false`) is its own target (`unique`).
 */
export function targetKeyOf(payload: ScmPayload, unique?: string): string {
  const { owner, repository } = payload.request;
  const repo = `${owner}/${repository}`.toLowerCase();
  switch (payload.operation) {
    case 'comment': {
      const request = payload.request;
      const which =
        request.commentId !== undefined
          ? `id:${request.commentId}`
          : request.updateExisting === false
            ? `new:${unique ?? 'posted'}`
            : (markerLine(request.body) ?? 'unmarked');
      return `comment ${repo}#${request.pullRequestNumber} ${which}`;
    }
    case 'status':
      return `status ${repo}@${payload.request.commitSha.toLowerCase()} ${payload.request.context}`;
    case 'checkRun':
      return `check_run ${repo}@${payload.request.headSha.toLowerCase()} ${payload.request.name}`;
    case 'inline':
      return `inline_comment ${repo}#${payload.request.pullRequestNumber} ${payload.request.markerKey ?? 'default'}`;
  }
}

/** The `scm.annotation.completed` event's data (see `src/events/schemas.ts`). Never a payload body. */
export function annotationEventData(
  target: OperationsTarget & { readonly commitSha: string },
  outcomes: readonly Outcome[],
  requestedBy: string,
  verdict?: { readonly outcome: 'pass' | 'warn' | 'fail'; readonly counts: SeverityCounts },
): Record<string, unknown> {
  return {
    integrationId: target.integrationId,
    owner: target.owner,
    repository: target.repository,
    pullRequestNumber: target.pullRequestNumber,
    commitSha: target.commitSha,
    operations: outcomes.map(({ payload, result }) => ({
      kind: OPERATION_LABEL[payload.operation],
      success: result.success,
      isTransient: result.isTransient,
      skippedOffline: result.skippedOffline,
      errorMessage: result.errorMessage ?? null,
    })),
    requestedBy,
    ...(verdict ? { outcome: verdict.outcome, counts: { ...verdict.counts } } : {}),
  };
}

const MARKER_PREFIX = '<!-- integrations-catalog:annotation key=';

function markerLine(body: string): string | undefined {
  const end = body.indexOf('\n');
  const first = (end === -1 ? body : body.slice(0, end)).replace(/\r$/, '').trim();
  return first.startsWith(MARKER_PREFIX) && first.length <= 200 ? first : undefined;
}

import {
  type Outcome as PolicyOutcome,
  type ResolvedPolicy,
  resolvePolicy,
  type SeverityCounts,
} from '../annotations/index.js';
import { InvalidInputError, NotFoundError } from '../core/errors.js';
import type { Principal } from '../core/scopes.js';
import { canInspectScm, type RecordedScm } from '../plugins/contracts.js';
import type { Store } from '../store/store.js';
import { type AnnotateRequest, prepareAnnotation } from './annotate-request.js';
import { type AnnotationLock, lockKeyOf } from './annotation-lock.js';
import type { PluginContextFactory } from './plugin-context.js';
import { type AnnotateOperationOutcome, runOperations, summarise } from './run-operations.js';
import type { AnyScmResult, ScmOperationRunner, ScmPayload } from './scm-operation.js';
import { OPERATION_CAPABILITY, type ScmOperation, type ScmTargets } from './scm-target.js';

export type { AnnotateRequest } from './annotate-request.js';
export type { AnnotateOperationOutcome } from './run-operations.js';

/** What an annotate call did (or, on a dry run, would do). */
export interface AnnotateResult {
  readonly integrationId: string;
  readonly provider: string;
  /** Whose limits the payloads respect. */
  readonly platform: string;
  readonly owner: string;
  readonly repository: string;
  readonly pullRequestNumber: number | null;
  readonly commitSha: string;
  readonly markerKey: string;
  readonly dryRun: boolean;
  /** The policy's verdict: `fail` is what CI pipelines gate on. */
  readonly outcome: PolicyOutcome;
  readonly reason: string;
  readonly policy: { failOn: ResolvedPolicy['failOn'][number][]; warnOn: ResolvedPolicy['warnOn'][number][] };
  /** Findings in scope, by severity. */
  readonly counts: SeverityCounts;
  /** Findings the scope left out, by severity. */
  readonly excluded: SeverityCounts;
  readonly findings: {
    readonly read: number;
    readonly inline: number;
    readonly fileLevel: number;
    readonly outsideRepository: number;
    readonly skipped: number;
    readonly scannerErrors: string[];
  };
  /** One per operation, in the order comment, status, check run. */
  readonly operations: AnnotateOperationOutcome[];
  /** True when every operation was posted (always false on a dry run). */
  readonly posted: boolean;
  /** How many payloads were kept in the offline queue. */
  readonly queued: number;
  /** The exact requests, on a dry run only. */
  readonly payloads?: Partial<Record<ScmOperation, ScmPayload['request']>>;
}

/** A single SCM operation sent directly (`POST …/scm/comments|statuses|check-runs`). */
export type DirectResult = AnyScmResult & { readonly queued?: AnnotateOperationOutcome['queued'] };

export interface AnnotateService {
  /**
   * Posts scan results to a pull request (or commit): reads the findings, builds the comment, status and
   * check run, and posts them through the integration's plugin while holding the per-PR lock. Payloads
   * that could not be posted are kept in the offline queue; an `scm.annotation.completed` event records
   * the outcome.
   */
  annotate(principal: Principal, integrationId: string, request: AnnotateRequest): Promise<AnnotateResult>;
  /** Sends one operation as given, with the same lock, metrics and offline queue as `annotate`. */
  send(principal: Principal, integrationId: string, payload: ScmPayload): Promise<DirectResult>;
  /** What a recording provider's SCM received (404 for providers that record nothing). */
  recorded(principal: Principal, integrationId: string): Promise<RecordedScm>;
}

export interface AnnotateServiceDeps {
  readonly store: Store;
  readonly targets: ScmTargets;
  readonly runner: ScmOperationRunner;
  readonly lock: AnnotationLock;
  readonly contexts: PluginContextFactory;
  readonly newId: () => string;
  readonly now: () => Date;
  /** The deadline of one annotate call's SCM operations. */
  readonly operationTimeoutMs: number;
}

/**
 * @example
 * const service = createAnnotateService(deps);
 * const result = await service.annotate(principal, integrationId, {
 *   owner: 'acme', repository: 'app', pullRequestNumber: 7, commitSha, sarif: sarifText,
 * });
 * result.operations.map((o) => o.result?.success); // [true, true, true]
 */
export function createAnnotateService(deps: AnnotateServiceDeps): AnnotateService {
  return {
    async annotate(principal, integrationId, request) {
      const target = await deps.targets.load(principal, integrationId, {
        allowDisabled: request.dryRun === true,
      });
      const prepared = prepareAnnotation(request, target);
      const { built, report } = prepared;
      const pullRequestNumber = request.pullRequestNumber ?? null;
      const base = {
        integrationId: target.integration.id,
        provider: target.integration.provider,
        platform: target.platform,
        owner: request.owner,
        repository: request.repository,
        pullRequestNumber,
        commitSha: prepared.commitSha,
        markerKey: prepared.markerKey,
        outcome: built.outcome,
        reason: built.decision.reason,
        policy: copyPolicy(resolvePolicy(target.policy, request.policy)),
        counts: built.counts,
        excluded: built.excluded,
        findings: {
          read: report.findings.length + report.outsideRepository.length,
          inline: built.inline.length,
          fileLevel: built.fileLevel.length,
          outsideRepository: report.outsideRepository.length,
          skipped: report.skipped.length,
          scannerErrors: [...report.scannerErrors],
        },
      };
      if (request.dryRun) {
        return {
          ...base,
          dryRun: true,
          operations: prepared.payloads.map((payload) => ({
            operation: payload.operation,
            posted: summarise(payload),
          })),
          posted: false,
          queued: 0,
          payloads: Object.fromEntries(prepared.payloads.map((p) => [p.operation, p.request])),
        };
      }

      const operations = await runOperations(deps, {
        principal,
        target,
        payloads: prepared.payloads,
        lockKey: lockKeyOf(target.integration.tenantId, target.integration.id, request),
        where: {
          tenantId: target.integration.tenantId,
          integrationId: target.integration.id,
          owner: request.owner,
          repository: request.repository,
          pullRequestNumber,
          commitSha: prepared.commitSha,
        },
        verdict: { outcome: built.outcome, counts: built.counts },
      });
      const queued = operations.filter((operation) => operation.queued !== undefined).length;
      return {
        ...base,
        dryRun: false,
        operations,
        posted: operations.every((operation) => operation.result?.success === true),
        queued,
      };
    },

    async send(principal, integrationId, payload) {
      const target = await deps.targets.load(principal, integrationId);
      if (!target.operations.includes(payload.operation)) {
        throw InvalidInputError.field(
          '/params/id',
          `provider '${target.integration.provider}' does not offer ${OPERATION_CAPABILITY[payload.operation]}`,
        );
      }
      const request = payload.request;
      const pullRequestNumber = 'pullRequestNumber' in request ? request.pullRequestNumber : null;
      const commitSha =
        'commitSha' in request
          ? request.commitSha.toLowerCase()
          : 'headSha' in request
            ? request.headSha.toLowerCase()
            : null;
      const [outcome] = await runOperations(deps, {
        principal,
        target,
        payloads: [payload],
        lockKey: lockKeyOf(target.integration.tenantId, target.integration.id, {
          owner: request.owner,
          repository: request.repository,
          pullRequestNumber: pullRequestNumber ?? undefined,
          commitSha: commitSha ?? '',
        }),
        where: {
          tenantId: target.integration.tenantId,
          integrationId: target.integration.id,
          owner: request.owner,
          repository: request.repository,
          pullRequestNumber,
          commitSha,
        },
      });
      return { ...outcome!.result!, ...(outcome!.queued ? { queued: outcome!.queued } : {}) };
    },

    async recorded(principal, integrationId) {
      const target = await deps.targets.load(principal, integrationId, { allowDisabled: true });
      const plugin = target.plugin.plugin;
      if (!canInspectScm(plugin)) {
        throw new NotFoundError(
          `recorded SCM state (provider '${target.integration.provider}' records nothing) of integration`,
          integrationId,
        );
      }
      return plugin.inspectScm(
        deps.contexts.create(target.config, AbortSignal.timeout(10_000), {
          operation: 'scm_recorded',
          purpose: 'api',
          actor: principal.actor,
        }),
      );
    },
  };
}

function copyPolicy(policy: ResolvedPolicy): AnnotateResult['policy'] {
  return { failOn: [...policy.failOn], warnOn: [...policy.warnOn] };
}

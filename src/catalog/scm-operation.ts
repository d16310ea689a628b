import type { Logger } from '../core/logger.js';
import type { Principal } from '../core/scopes.js';
import type {
  ScmAnnotationClient,
  ScmCheckRunRequest,
  ScmCheckRunResponse,
  ScmCommentRequest,
  ScmCommentResponse,
  ScmInlineCommentsRequest,
  ScmInlineCommentsResponse,
  ScmOperationResult,
  ScmStatusRequest,
  ScmStatusResponse,
} from '../plugins/contracts.js';
import type { AnnotationMetrics } from './annotation-metrics.js';
import type { PluginContextFactory } from './plugin-context.js';
import { OPERATION_CAPABILITY, OPERATION_LABEL, type ScmOperation, type ScmTarget } from './scm-target.js';

/** One SCM write, ready to send: which operation and its exact request. */
export type ScmPayload =
  | { readonly operation: 'comment'; readonly request: ScmCommentRequest }
  | { readonly operation: 'status'; readonly request: ScmStatusRequest }
  | { readonly operation: 'checkRun'; readonly request: ScmCheckRunRequest }
  | { readonly operation: 'inline'; readonly request: ScmInlineCommentsRequest };

/**
 * What the inline operation reports: counts, never the findings (those that fell back are already in
 * the check run's annotations). `action` is `created` when a comment was written, `updated` when only
 * threads were resolved, else `unchanged`.
 */
export interface ScmInlineCommentsSummary {
  readonly posted: number;
  readonly unchanged: number;
  readonly fallback: number;
  readonly reviewIds: readonly string[];
  /** Threads of earlier runs whose finding is gone, resolved now. */
  readonly resolved: number;
  readonly action: 'created' | 'updated' | 'unchanged';
}

export type ScmResponse =
  | ScmCommentResponse
  | ScmStatusResponse
  | ScmCheckRunResponse
  | ScmInlineCommentsSummary;
export type AnyScmResult = ScmOperationResult<ScmResponse>;

export interface OperationRun {
  readonly principal: Principal;
  readonly target: ScmTarget;
  readonly payload: ScmPayload;
  /** Aborted when the caller's deadline passes. */
  readonly signal: AbortSignal;
  /** For the log lines: the pull request and commit the write is about. */
  readonly prNumber: number | null;
  readonly commitSha: string | null;
}

/** Runs one SCM operation through the integration's plugin, with metrics and logs. Never throws. */
export interface ScmOperationRunner {
  run(run: OperationRun): Promise<AnyScmResult>;
}

export interface ScmOperationRunnerDeps {
  readonly contexts: PluginContextFactory;
  readonly metrics: AnnotationMetrics;
  readonly logger: Logger;
  /** Offline mode: nothing is sent; every operation reports `skippedOffline`. */
  readonly offline: boolean;
}

/** The longest error message kept from a plugin (they reach responses, logs and the offline queue). */
const MAX_ERROR_CHARS = 1000;

export function createScmOperationRunner(deps: ScmOperationRunnerDeps): ScmOperationRunner {
  return {
    async run({ principal, target, payload, signal, prNumber, commitSha }) {
      const provider = target.integration.provider;
      const operation = OPERATION_LABEL[payload.operation];
      const log = deps.logger.child({
        integrationId: target.integration.id,
        tenantId: target.integration.tenantId,
        provider,
        operation,
        prNumber,
        commitSha,
      });

      if (deps.offline) {
        deps.metrics.operations.inc({ provider, operation, status: 'skipped_offline' });
        log.warn({}, 'offline mode: the annotation was not posted; its payload is kept for manual posting');
        return {
          success: false,
          errorMessage: 'offline mode: nothing was sent; the payload is kept for manual posting',
          isTransient: false,
          skippedOffline: true,
        };
      }
      const refusal = refuse(target, payload.operation);
      if (refusal) {
        deps.metrics.operations.inc({ provider, operation, status: 'permanent_failure' });
        log.warn({ errorMessage: refusal }, 'annotation not posted');
        return { success: false, errorMessage: refusal, isTransient: false, skippedOffline: false };
      }

      const started = performance.now();
      let result: AnyScmResult;
      try {
        const client = target.plugin.plugin.scm!(
          deps.contexts.create(target.config, signal, {
            operation: 'annotate',
            purpose: 'annotate',
            actor: principal.actor,
          }),
        );
        result = normalise(await send(client, payload));
      } catch (error) {
        // Plugins classify outside failures themselves; a throw is a plugin fault or our deadline.
        const message = error instanceof Error ? error.message : String(error);
        result = {
          success: false,
          errorMessage: cut(
            signal.aborted ? `did not finish in time: ${message}` : `the provider failed: ${message}`,
          ),
          isTransient: signal.aborted,
          skippedOffline: false,
        };
      }
      const seconds = (performance.now() - started) / 1000;
      deps.metrics.duration.observe({ provider, operation }, seconds);
      deps.metrics.operations.inc({ provider, operation, status: statusLabel(result) });
      const fields = {
        success: result.success,
        action: (result.result as { action?: string } | undefined)?.action,
        isTransient: result.isTransient,
        skippedOffline: result.skippedOffline,
        errorMessage: result.errorMessage,
        durationMs: Math.round(seconds * 1000),
      };
      if (result.success) log.info(fields, 'annotation posted');
      else log.warn(fields, 'annotation not posted');
      return result;
    },
  };
}

function refuse(target: ScmTarget, operation: ScmOperation): string | undefined {
  const { plugin, integration } = target;
  if (!plugin.availability.available) {
    return `provider '${integration.provider}' is not available in this instance: ${plugin.availability.reason ?? 'no reason given'}`;
  }
  if (!target.operations.includes(operation)) {
    return `provider '${integration.provider}' does not offer ${OPERATION_CAPABILITY[operation]}`;
  }
  return undefined;
}

function send(client: ScmAnnotationClient, payload: ScmPayload): Promise<AnyScmResult> {
  switch (payload.operation) {
    case 'comment':
      return client.postComment(payload.request);
    case 'status':
      return client.postStatus(payload.request);
    case 'checkRun':
      return client.createCheckRun(payload.request);
    case 'inline':
      return postInline(client, payload.request);
  }
}

/** The inline comments, their answer cut to counts (a provider without the method refuses them). */
async function postInline(
  client: ScmAnnotationClient,
  request: ScmInlineCommentsRequest,
): Promise<AnyScmResult> {
  if (!client.postInlineComments) {
    return {
      success: false,
      errorMessage: 'the provider offers no inline comments',
      isTransient: false,
      skippedOffline: false,
    };
  }
  const answer = await client.postInlineComments(request);
  const { result, ...rest } = answer ?? ({} as ScmOperationResult<ScmInlineCommentsResponse>);
  if (result === undefined) return rest as AnyScmResult;
  const posted = Number(result.posted) || 0;
  const resolved = Number(result.resolved) || 0;
  return {
    ...rest,
    result: {
      posted,
      unchanged: Number(result.unchanged) || 0,
      fallback: Array.isArray(result.fallback) ? result.fallback.length : 0,
      reviewIds: Array.isArray(result.reviewIds) ? [...result.reviewIds] : [],
      resolved,
      action: posted > 0 ? 'created' : resolved > 0 ? 'updated' : 'unchanged',
    },
  };
}

/** Holds a plugin to the contract's shape, so a sloppy one cannot break responses or the queue. */
function normalise(result: AnyScmResult): AnyScmResult {
  const success = result?.success === true;
  const errorMessage =
    typeof result?.errorMessage === 'string'
      ? cut(result.errorMessage)
      : success
        ? undefined
        : 'the provider reported a failure without a message';
  return {
    success,
    ...(result?.result === undefined ? {} : { result: result.result }),
    ...(errorMessage === undefined ? {} : { errorMessage }),
    isTransient: result?.isTransient === true,
    skippedOffline: result?.skippedOffline === true,
  };
}

function statusLabel(result: AnyScmResult): string {
  if (result.success) return 'success';
  if (result.skippedOffline) return 'skipped_offline';
  return result.isTransient ? 'transient_failure' : 'permanent_failure';
}

function cut(text: string): string {
  return text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS - 1)}…` : text;
}

import type { Dispatcher } from 'undici';
import type { Logger } from '../core/logger.js';
import type { AnswerRules } from './answers.js';
import type { CallStop } from './call-stop.js';
import type { CircuitBreakers } from './circuit-breaker.js';
import { CircuitOpenError } from './errors.js';
import { exchange, type WireRequest, type WireResponse } from './exchange.js';
import { classifyFailure } from './failures.js';
import { codeForStatus, HttpError, type HttpErrorInit } from './http-error.js';
import { type CallMetrics, statusClassOf } from './metrics.js';
import { redactUrl } from './redact.js';
import {
  decideRetry,
  isRateLimited,
  isTransientResponse,
  type ResponseFacts,
  type RetryDecision,
  type RetryOptions,
  retryHint,
} from './retry-policy.js';

/** What the retry loop needs from the client. */
export interface RetryLoopDeps {
  readonly dispatcher: Dispatcher;
  readonly breakers: CircuitBreakers;
  readonly logger: Logger;
  readonly retry: RetryOptions;
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly now: () => number;
  readonly random: () => number;
}

/** One hop of a request (one URL), with everything the loop decides by. */
export interface Hop {
  readonly wire: WireRequest;
  readonly provider: string;
  readonly operation: string;
  /** The metrics of this provider and operation (none without a registry). */
  readonly metrics: CallMetrics | undefined;
  /** Idempotent method or marked `retryable` by the caller. */
  readonly repeatable: boolean;
  /** The call's timeout and the caller's signal; it aborts the exchange in flight. */
  readonly stop: CallStop;
  /** Milliseconds since the epoch (on `now`) after which no wait may end. */
  readonly deadline: number;
  /** Which statuses go back to the caller (2xx, okStatuses, 304, redirects), and how bodies are read. */
  readonly answers: AnswerRules;
  readonly secrets: readonly string[];
  /** The caller's own "nothing was done, try again" answers (see `HttpRequest.tryAgainWhen`). */
  readonly tryAgainWhen?: (answer: ResponseFacts) => boolean;
}

const TEXT_TYPES = /^(text\/|application\/([\w.+-]*\+)?(json|xml)|application\/x-www-form-urlencoded)/i;

/**
 * Sends one hop, trying again per the retry policy, through the origin's circuit breaker. Returns
 * an accepted answer or throws `HttpError`.
 */
export async function sendWithRetries(deps: RetryLoopDeps, hop: Hop): Promise<WireResponse> {
  const origin = hop.wire.url.origin;
  const { metrics } = hop;

  for (let attempt = 1; ; attempt++) {
    try {
      deps.breakers.admit(origin);
    } catch (error) {
      if (!(error instanceof CircuitOpenError)) throw error;
      metrics?.count('circuit_open');
      throw fail(hop, {
        code: 'circuit_open',
        isTransient: true,
        reason: error.message,
        attempts: attempt - 1,
        cause: error,
      });
    }

    const started = performance.now();
    let response: WireResponse;
    try {
      response = await exchange(deps.dispatcher, hop.wire, hop.stop, hop.answers);
    } catch (error) {
      const failure = classifyFailure(error, hop.stop);
      deps.breakers.record(origin, failure.breaker);
      metrics?.count(failure.statusClass);
      if (failure.rule) metrics?.denied(failure.rule);
      else metrics?.observe((performance.now() - started) / 1000);
      const decision = withinDeadline(
        decideRetry({
          attempt,
          transient: failure.transient && failure.retryable,
          repeatable: hop.repeatable || failure.beforeSending,
          random: deps.random,
          options: deps.retry,
        }),
        deps.now(),
        hop.deadline,
      );
      if (decision.retry) {
        if (await pause(deps, hop, decision.delayMs, attempt, failure.code)) continue;
        throw stopped(hop, error, attempt);
      }
      throw fail(hop, {
        code: failure.code,
        isTransient: failure.transient,
        reason: failure.reason,
        attempts: attempt,
        cause: error,
      });
    }

    metrics?.observe((performance.now() - started) / 1000);
    metrics?.count(statusClassOf(response.status));
    const accepted = hop.answers.accepts(response.status, response.headers);
    // An accepted body may be large; only failures are read as text (rate-limit messages, the excerpt).
    const bodyText =
      !accepted && TEXT_TYPES.test(response.headers['content-type'] ?? 'text/plain')
        ? response.body.toString('utf8')
        : undefined;
    const facts = { status: response.status, headers: response.headers, ...(bodyText ? { bodyText } : {}) };
    const serverTrouble = isTransientResponse(facts);
    // Only the host's own trouble counts for its breaker. A rate limit is one caller's quota (one
    // token, one account), and a busy record one request's: neither may close the host to the others.
    deps.breakers.record(origin, serverTrouble && !isRateLimited(facts) ? 'failure' : 'success');
    if (accepted) return response;

    const busy = !serverTrouble && hop.tryAgainWhen?.(facts) === true;
    const transient = serverTrouble || busy;
    const hintMs = transient ? retryHint(facts, deps.now()) : undefined;
    const decision = withinDeadline(
      decideRetry({
        attempt,
        transient,
        repeatable: hop.repeatable || busy,
        hintMs,
        random: deps.random,
        options: deps.retry,
      }),
      deps.now(),
      hop.deadline,
    );
    if (decision.retry) {
      if (await pause(deps, hop, decision.delayMs, attempt, `HTTP ${response.status}`)) continue;
      throw stopped(hop, undefined, attempt);
    }
    const wait = decision.retryAfterMs;
    throw fail(hop, {
      code: codeForStatus(response.status),
      isTransient: transient,
      status: response.status,
      reason: `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}${waitAdvice(decision, deps)}`,
      attempts: attempt,
      ...(wait === undefined ? {} : { retryAfterMs: wait }),
      ...(bodyText ? { body: bodyText } : {}),
    });
  }
}

/** The error of a hop that failed for good, with what the hop knows filled in. */
function fail(hop: Hop, init: Omit<HttpErrorInit, 'method' | 'url' | 'secrets'>): HttpError {
  return new HttpError({
    ...init,
    method: hop.wire.method,
    url: hop.wire.url,
    secrets: hop.secrets,
    provider: hop.provider,
    operation: hop.operation,
  });
}

/** The call was stopped (deadline, cancel) while waiting between tries. */
function stopped(hop: Hop, cause: unknown, attempts: number): HttpError {
  const failure = classifyFailure(cause ?? new Error('stopped'), hop.stop);
  return fail(hop, {
    code: failure.code,
    isTransient: failure.transient,
    reason: failure.reason,
    attempts,
    cause,
  });
}

/** A wait that would end after the deadline is not taken: the call fails now, saying when to retry. */
function withinDeadline(decision: RetryDecision, now: number, deadline: number): RetryDecision {
  if (!decision.retry || now + decision.delayMs <= deadline) return decision;
  return { retry: false, reason: 'wait_too_long', retryAfterMs: decision.delayMs };
}

function waitAdvice(decision: RetryDecision, deps: RetryLoopDeps): string {
  if (decision.retry || decision.reason !== 'wait_too_long' || decision.retryAfterMs === undefined) return '';
  const at = new Date(deps.now() + decision.retryAfterMs).toISOString();
  const seconds = Math.ceil(decision.retryAfterMs / 1000);
  return `; the server asks to retry after ${at} (in ${seconds} s), longer than this client waits, so it did not`;
}

/** Logs, counts and sleeps before the next try; false when the sleep was cut short by a stop. */
async function pause(
  deps: RetryLoopDeps,
  hop: Hop,
  delayMs: number,
  attempt: number,
  why: string,
): Promise<boolean> {
  deps.logger.debug(
    {
      provider: hop.provider,
      operation: hop.operation,
      method: hop.wire.method,
      url: redactUrl(hop.wire.url),
      attempt,
      delayMs,
      why,
    },
    'retrying outbound request',
  );
  hop.metrics?.retried();
  try {
    await deps.sleep(delayMs, hop.stop.signal);
    return true;
  } catch {
    return false;
  }
}

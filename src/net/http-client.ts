import { setTimeout as delay } from 'node:timers/promises';
import type { Registry } from 'prom-client';
import { type Logger, silentLogger } from '../core/logger.js';
import { AnswerRules } from './answers.js';
import { CaDispatchers } from './ca-dispatchers.js';
import { CallStop } from './call-stop.js';
import { type CircuitBreakerOptions, createCircuitBreakers } from './circuit-breaker.js';
import { createDispatcher } from './dispatcher.js';
import type { EgressPolicy } from './egress-policy.js';
import { EgressDeniedError, OfflineError } from './errors.js';
import type { WireRequest } from './exchange.js';
import { findCause } from './failures.js';
import { createGuardedLookup, type Resolver, systemResolver } from './guarded-lookup.js';
import { HttpError } from './http-error.js';
import { type HttpResponse, toHttpResponse } from './http-response.js';
import { type CallMetrics, callMetricsOf, createOutboundMetrics } from './metrics.js';
import { secretsOf } from './redact.js';
import { followRedirect, isFollowableRedirect, MAX_REDIRECTS } from './redirects.js';
import { buildBody, buildHeaders, secretsOfInput } from './request-parts.js';
import {
  DEFAULT_RETRY_OPTIONS,
  IDEMPOTENT_METHODS,
  type ResponseFacts,
  type RetryOptions,
} from './retry-policy.js';
import { type RetryLoopDeps, sendWithRetries } from './send-with-retries.js';

/** One outbound request. */
export interface HttpRequest {
  readonly method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
  readonly url: string | URL;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
  /** Sent as JSON with `content-type: application/json` (unless set). Not with `body`. */
  readonly json?: unknown;
  /** A POST or PATCH the caller knows is safe to repeat (an idempotency key, an `ensure` write). */
  readonly retryable?: boolean;
  /** Budget of the whole call: tries, waits between them and redirects (default: the client's). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** A larger body is a permanent 'too_large' failure (default: the client's, 10 MiB). */
  readonly maxResponseBytes?: number;
  readonly redirect?: 'follow' | 'manual';
  /** Statuses returned instead of thrown, e.g. `[404]` for a lookup that may find nothing. */
  readonly okStatuses?: readonly number[];
  /**
   * A vendor's answer that says nothing was done and the same request may succeed shortly (GitLab's
   * 409 "Resource lock"): tried again by the client's one retry policy, even for a POST.
   */
  readonly tryAgainWhen?: (answer: ResponseFacts) => boolean;
  /** Metric and log labels: a provider id and a fixed operation name, never an id or a URL. */
  readonly provider?: string;
  readonly operation?: string;
  /**
   * PEM certificates trusted for this request (and its redirects) besides Node's roots and the
   * client's `caBundle`: an integration's private CA. Never a way to turn verification off.
   */
  readonly ca?: string;
}

/** The only way out of the process: see README.md in this folder. */
export interface HttpClient {
  request(request: HttpRequest): Promise<HttpResponse>;
  /** Closes the pooled connections; waits for requests in flight. */
  close(): Promise<void>;
}

export interface HttpClientOptions {
  readonly policy: EgressPolicy;
  /** Send nothing: every request throws `OfflineError`. A function is asked at each request. */
  readonly offline?: boolean | (() => boolean);
  /** Where the outbound metrics are registered; none are kept without it. */
  readonly registry?: Registry;
  readonly logger?: Logger;
  /** PEM certificates trusted in addition to Node's bundled roots (a private CA of an on-prem system). */
  readonly caBundle?: string;
  /** Default 5 s. */
  readonly connectTimeoutMs?: number;
  /** Time to the response headers, per try (default 10 s). */
  readonly headersTimeoutMs?: number;
  /** Longest silence while the body arrives, per try (default 10 s). */
  readonly bodyTimeoutMs?: number;
  /** Budget of a whole call when the request gives none (default 120 s). */
  readonly timeoutMs?: number;
  /** Default 10 MiB. */
  readonly maxResponseBytes?: number;
  readonly retry?: Partial<RetryOptions>;
  readonly circuitBreaker?: Omit<CircuitBreakerOptions, 'now'>;
  /** Sent when the request sets none (default `integrations-catalog`). */
  readonly userAgent?: string;
  readonly connectionsPerOrigin?: number;
  /** Where `HTTP(S)_PROXY` and `NO_PROXY` are read (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Test seams. */
  readonly lookup?: Resolver;
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly now?: () => number;
  readonly random?: () => number;
}

export const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

/**
 * Creates the client every provider, token endpoint, secret store and webhook uses to reach out.
 *
 * @example
 * const http = createHttpClient({ policy, registry: metrics.registry, logger });
 * const response = await http.request({ method: 'GET', url: `${base}/user`, headers: { authorization }, provider: 'github_app', operation: 'test_connection' });
 * const user = response.json<{ login: string }>();
 */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const { policy } = options;
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;
  const metricsFor = options.registry ? callMetricsOf(createOutboundMetrics(options.registry)) : undefined;
  const dispatcherOptions = {
    lookup: createGuardedLookup(policy, options.lookup ?? systemResolver),
    connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
    headersTimeoutMs: options.headersTimeoutMs ?? 10_000,
    bodyTimeoutMs: options.bodyTimeoutMs ?? 10_000,
    caBundle: options.caBundle,
    connectionsPerOrigin: options.connectionsPerOrigin,
    env: options.env,
  };
  const { dispatcher, proxy } = createDispatcher(dispatcherOptions);
  // A request's own CA gets a pool of its own, built the same way (guarded lookup, proxy, timeouts).
  const caDispatchers = new CaDispatchers(
    (ca) =>
      createDispatcher({
        ...dispatcherOptions,
        caBundle: options.caBundle ? `${options.caBundle}\n${ca}` : ca,
      }).dispatcher,
  );
  if (proxy)
    logger.info({ proxy }, 'outbound requests go through a proxy, which must enforce the egress policy');
  const deps: RetryLoopDeps = {
    dispatcher,
    breakers: createCircuitBreakers({ ...options.circuitBreaker, now }),
    logger,
    retry: { ...DEFAULT_RETRY_OPTIONS, ...options.retry },
    sleep: options.sleep ?? ((ms, signal) => delay(ms, undefined, { signal })),
    now,
    random: options.random ?? Math.random,
  };
  const isOffline = () =>
    typeof options.offline === 'function' ? options.offline() : options.offline === true;

  const userAgent = options.userAgent ?? 'integrations-catalog';
  const defaultLimit = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  // Most calls change none of the answer rules; they share one object.
  const defaultAnswers = new AnswerRules(true, [], defaultLimit);

  function answersOf(input: HttpRequest): AnswerRules {
    if (
      input.redirect === undefined &&
      input.okStatuses === undefined &&
      input.maxResponseBytes === undefined
    )
      return defaultAnswers;
    return new AnswerRules(
      (input.redirect ?? 'follow') === 'follow',
      input.okStatuses ?? [],
      input.maxResponseBytes ?? defaultLimit,
    );
  }

  /** Counts, logs and throws a request the egress policy refused, before or between hops. */
  function refused(
    error: unknown,
    from: { method: string; url: string | URL },
    labels: { provider: string; operation: string },
    metrics: CallMetrics | undefined,
    secrets: readonly string[],
  ): never {
    if (!(error instanceof EgressDeniedError)) throw error;
    metrics?.count('egress_denied');
    metrics?.denied(error.rule);
    throw new HttpError({
      code: 'egress_denied',
      isTransient: false,
      reason: error.message,
      attempts: 0,
      cause: error,
      secrets,
      ...from,
      ...labels,
    });
  }

  async function request(input: HttpRequest): Promise<HttpResponse> {
    const method = input.method.toUpperCase();
    const provider = input.provider ?? 'unknown';
    const operation = input.operation ?? 'request';
    const labels = { provider, operation };
    const metrics = metricsFor?.(provider, operation);
    if (isOffline()) {
      metrics?.count('offline');
      const error = new OfflineError(method, input.url);
      logger.debug({ ...labels, url: error.url }, 'offline: outbound request not sent');
      throw error;
    }
    const headers = buildHeaders(input, userAgent);
    let stop: CallStop | undefined;
    try {
      let wire: WireRequest;
      let secrets: readonly string[];
      try {
        const url = policy.parseUrl(input.url);
        secrets = secretsOf(url, headers);
        policy.checkUrl(url);
        wire = { method, url, headers, body: buildBody(input) };
      } catch (error) {
        return refused(
          error,
          { method, url: input.url },
          labels,
          metrics,
          secretsOfInput(input.url, headers),
        );
      }
      const timeoutMs = input.timeoutMs ?? options.timeoutMs ?? 120_000;
      const deadline = now() + timeoutMs;
      stop = new CallStop(timeoutMs, input.signal);
      const answers = answersOf(input);
      const loop = input.ca ? { ...deps, dispatcher: caDispatchers.for(input.ca) } : deps;
      for (let hops = 0; ; hops++) {
        const repeatable = IDEMPOTENT_METHODS.has(wire.method) || input.retryable === true;
        const hop = {
          wire,
          provider,
          operation,
          metrics,
          repeatable,
          stop,
          deadline,
          answers,
          secrets,
          ...(input.tryAgainWhen ? { tryAgainWhen: input.tryAgainWhen } : {}),
        };
        const response = await sendWithRetries(loop, hop);
        const location = response.headers.location;
        if (
          !answers.follows ||
          location === undefined ||
          !isFollowableRedirect(response.status, response.headers)
        ) {
          return toHttpResponse(response, {
            method: wire.method,
            url: wire.url,
            secrets,
            provider,
            operation,
          });
        }
        if (hops >= MAX_REDIRECTS) {
          throw new HttpError({
            code: 'too_many_redirects',
            isTransient: false,
            method: wire.method,
            url: wire.url,
            status: response.status,
            reason: `more than ${MAX_REDIRECTS} redirects`,
            attempts: 1,
            secrets,
            ...labels,
          });
        }
        try {
          wire = followRedirect(policy, wire, response.status, location);
        } catch (error) {
          refused(error, { method: wire.method, url: wire.url }, labels, metrics, secrets);
        }
      }
    } catch (error) {
      if (error instanceof HttpError) {
        const denied = findCause(error, EgressDeniedError);
        const rule = denied ? { rule: denied.rule } : {};
        const fields = {
          ...labels,
          url: error.url,
          status: error.status,
          attempt: error.attempts,
          code: error.code,
        };
        logger.warn({ ...fields, ...rule }, 'outbound request failed');
      }
      throw error;
    } finally {
      stop?.dispose();
    }
  }

  return {
    request,
    close: async () => {
      await Promise.all([dispatcher.close(), caDispatchers.close()]);
    },
  };
}

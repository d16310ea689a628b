/**
 * The only way out of the process: every provider, token endpoint, secret store and webhook sends
 * through an `HttpClient` made here. See README.md in this folder.
 *
 * @example
 * import { createEgressPolicy, createHttpClient } from '../net/index.js';
 * const policy = createEgressPolicy({ allowPrivateNetworks: false, allowlist: [] });
 * const http = createHttpClient({ policy, registry, logger });
 */

export { MAX_ALLOWLIST_ENTRIES } from './allowlist.js';
export {
  type CircuitBreakerOptions,
  type CircuitBreakers,
  type CircuitOutcome,
  type CircuitState,
  createCircuitBreakers,
} from './circuit-breaker.js';
export {
  createEgressPolicy,
  EGRESS_SETTINGS,
  type EgressPolicy,
  type EgressPolicyOptions,
} from './egress-policy.js';
export {
  CircuitOpenError,
  EGRESS_RULES,
  EgressDeniedError,
  type EgressRule,
  OfflineError,
} from './errors.js';
export {
  checkEgressTarget,
  createGuardedLookup,
  type Resolver,
  resolveChecked,
  systemResolver,
} from './guarded-lookup.js';
export {
  createHttpClient,
  DEFAULT_MAX_RESPONSE_BYTES,
  type HttpClient,
  type HttpClientOptions,
  type HttpRequest,
} from './http-client.js';
export { BODY_EXCERPT_CHARS, HttpError, type HttpErrorCode } from './http-error.js';
export type { HttpResponse } from './http-response.js';
export { type BlockedRange, classifyAddress, isIpLiteral, parseAddress } from './ip-ranges.js';
export { nextLink } from './link-header.js';
export { createOutboundMetrics, type OutboundMetrics, type StatusClass } from './metrics.js';
export { redactUrl } from './redact.js';
export { CREDENTIAL_HEADERS, MAX_REDIRECTS } from './redirects.js';
export {
  DEFAULT_RETRY_OPTIONS,
  decideRetry,
  fullJitter,
  IDEMPOTENT_METHODS,
  isRateLimited,
  isTransientNetworkError,
  isTransientResponse,
  parseRateLimitReset,
  parseRetryAfter,
  type ResponseFacts,
  type RetryDecision,
  type RetryOptions,
  retryHint,
} from './retry-policy.js';

import type { CircuitOutcome } from './circuit-breaker.js';
import { EgressDeniedError, type EgressRule } from './errors.js';
import { ResponseTooLargeError } from './exchange.js';
import type { HttpErrorCode } from './http-error.js';
import type { StatusClass } from './metrics.js';
import { failedBeforeSending, isTimeoutError, isTransientNetworkError } from './retry-policy.js';

/** A thrown failure of one try, sorted for the retry decision, the breaker, metrics and the error. */
export interface Failure {
  readonly code: HttpErrorCode;
  readonly transient: boolean;
  /** Whether another try may help at all (a spent deadline or a cancelled call says no). */
  readonly retryable: boolean;
  /** Nothing was sent, so even a non-idempotent request may be repeated. */
  readonly beforeSending: boolean;
  readonly statusClass: StatusClass;
  readonly breaker: CircuitOutcome;
  /** Words for the error message; no secret (error codes and undici's fixed messages only). */
  readonly reason: string;
  readonly rule?: EgressRule;
}

/** Why the whole call stopped, when it did, so an abort is told apart from a failure. */
export interface StopState {
  readonly timedOut: boolean;
  readonly cancelled: boolean;
  readonly timeoutMs: number;
}

/** Finds the first error of a type along the `cause` chain (undici and net may wrap). */
export function findCause<T extends Error>(
  error: unknown,
  type: abstract new (...args: never[]) => T,
): T | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    if (current instanceof type) return current;
    current = current.cause;
  }
  return undefined;
}

/**
 * Sorts a thrown error: refused by policy, too large, deadline, cancelled, timeout, transient network
 * failure, or another network failure (DNS name not found, TLS verification) that will not pass.
 */
export function classifyFailure(error: unknown, stop: StopState): Failure {
  const denied = findCause(error, EgressDeniedError);
  if (denied) {
    return {
      code: 'egress_denied',
      transient: false,
      retryable: false,
      beforeSending: true,
      statusClass: 'egress_denied',
      breaker: 'ignore',
      reason: denied.message,
      rule: denied.rule,
    };
  }
  const tooLarge = findCause(error, ResponseTooLargeError);
  if (tooLarge) {
    const reason = tooLarge.message;
    return { ...permanent('too_large', reason), statusClass: '2xx', breaker: 'success' };
  }
  if (stop.timedOut) {
    const reason = `no complete answer within the ${stop.timeoutMs} ms request timeout`;
    return { ...transientFailure('timeout', reason), retryable: false };
  }
  if (stop.cancelled) {
    return {
      ...transientFailure('aborted', 'the caller cancelled the request'),
      retryable: false,
      breaker: 'ignore',
    };
  }
  const code = errorCode(error);
  const hint = TLS_HINTS[code];
  const reason = hint
    ? `TLS: ${hint.what} (${code}): ${shortMessage(error)}; ${hint.fix}`
    : `${describe(code)} (${code}): ${shortMessage(error)}`;
  if (isTimeoutError(error))
    return { ...transientFailure('timeout', reason), beforeSending: failedBeforeSending(error) };
  if (isTransientNetworkError(error)) {
    return { ...transientFailure('network_error', reason), beforeSending: failedBeforeSending(error) };
  }
  return { ...permanent('network_error', reason), breaker: 'ignore' };
}

function transientFailure(code: HttpErrorCode, reason: string): Failure {
  return {
    code,
    transient: true,
    retryable: true,
    beforeSending: false,
    statusClass: 'network_error',
    breaker: 'failure',
    reason,
  };
}

function permanent(code: HttpErrorCode, reason: string): Failure {
  return {
    code,
    transient: false,
    retryable: false,
    beforeSending: false,
    statusClass: 'network_error',
    breaker: 'ignore',
    reason,
  };
}

function errorCode(error: unknown): string {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = current.cause;
  }
  return error instanceof Error ? error.name : 'UNKNOWN';
}

const UNKNOWN_ISSUER = {
  what: "the server's certificate is not issued by a trusted CA",
  fix: "if a private CA issued it, set the integration's config.caCertificate to the CA that issued it (PEM)",
};

/**
 * The TLS verification failures Node reports (OpenSSL's names), in words a user can act on. None will
 * pass by trying again, and none is ever answered by turning verification off.
 */
const TLS_HINTS: Readonly<Record<string, { readonly what: string; readonly fix: string }>> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: UNKNOWN_ISSUER,
  UNABLE_TO_GET_ISSUER_CERT: UNKNOWN_ISSUER,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: UNKNOWN_ISSUER,
  SELF_SIGNED_CERT_IN_CHAIN: UNKNOWN_ISSUER,
  DEPTH_ZERO_SELF_SIGNED_CERT: {
    what: "the server's certificate is self-signed and not trusted",
    fix: "set the integration's config.caCertificate to that certificate, or better to the CA that issued a proper one",
  },
  ERR_TLS_CERT_ALTNAME_INVALID: {
    what: "the server's certificate does not name this host",
    fix: 'use the hostname the certificate names in the endpoint, or have the certificate reissued for this one',
  },
  CERT_HAS_EXPIRED: {
    what: "the server's certificate has expired",
    fix: 'the certificate must be renewed on the server',
  },
  CERT_NOT_YET_VALID: {
    what: "the server's certificate is not valid yet",
    fix: "check the server's and this machine's clocks",
  },
};

function describe(code: string): string {
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return 'connect timeout';
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return 'no response headers in time';
  if (code === 'UND_ERR_BODY_TIMEOUT') return 'the response body stalled';
  if (code === 'ENOTFOUND') return 'the hostname does not resolve';
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection closed by the other side';
  return 'network error';
}

/** The message of the innermost error, one line, cut short: socket and TLS messages carry no secrets. */
function shortMessage(error: unknown): string {
  let innermost = error;
  for (let depth = 0; innermost instanceof Error && innermost.cause instanceof Error && depth < 5; depth++) {
    innermost = innermost.cause;
  }
  const message = innermost instanceof Error ? innermost.message : String(innermost);
  return message.split('\n')[0]!.slice(0, 200);
}

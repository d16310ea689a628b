/**
 * When to try an outbound request again, and after how long. Pure functions: the HTTP client calls
 * them and does the waiting. Full jitter after "Exponential Backoff and Jitter" (AWS Architecture
 * Blog); GitHub's rate-limit rules from docs.github.com ("Rate limits for the REST API").
 */

/** How hard to try. Attempts count every try, the first included. */
export interface RetryOptions {
  /** Total tries (default 3). */
  readonly attempts: number;
  /** Full-jitter base (default 250 ms). */
  readonly baseDelayMs: number;
  /** Full-jitter cap (default 20 s). */
  readonly maxDelayMs: number;
  /** A server-requested wait longer than this fails at once instead of sleeping (default 60 s). */
  readonly maxWaitMs: number;
}

export const DEFAULT_RETRY_OPTIONS: RetryOptions = {
  attempts: 3,
  baseDelayMs: 250,
  maxDelayMs: 20_000,
  maxWaitMs: 60_000,
};

/** Methods that may be repeated without the caller saying so (RFC 9110 §9.2.2). */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set([
  'GET',
  'HEAD',
  'PUT',
  'DELETE',
  'OPTIONS',
  'TRACE',
]);

/** Statuses that say "try again later". 403 joins them when it is a rate limit. */
export const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([408, 425, 429, 500, 502, 503, 504]);

/** GitHub's secondary-limit wait when it sends no header: "wait at least one minute". */
export const SECONDARY_RATE_LIMIT_WAIT_MS = 60_000;

const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EPIPE',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);
/** Failures before anything was sent: safe to repeat even for a POST. */
const BEFORE_SEND_CODES = new Set([
  'ECONNREFUSED',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);
const SECONDARY_LIMIT = /secondary rate limit|abuse detection mechanism/i;
const PRIMARY_LIMIT = /rate limit exceeded/i;

/** What the retry decision needs from a response. Header names are lower case. */
export interface ResponseFacts {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The start of the body, when it is text. */
  readonly bodyText?: string;
}

/** The error codes along the `cause` chain (undici wraps socket errors). */
function codesOf(error: unknown): string[] {
  const codes: string[] = [];
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    if (current.name === 'TimeoutError') codes.push('ETIMEDOUT');
    if (/socket hang up|other side closed/i.test(current.message)) codes.push('ECONNRESET');
    current = current.cause;
  }
  return codes;
}

/** A network failure that may pass: resets, refusals, DNS hiccups, timeouts. */
export function isTransientNetworkError(error: unknown): boolean {
  return codesOf(error).some((code) => TRANSIENT_NETWORK_CODES.has(code));
}

/** A failure before any byte of the request left, so repeating it cannot duplicate a write. */
export function failedBeforeSending(error: unknown): boolean {
  return codesOf(error).some((code) => BEFORE_SEND_CODES.has(code));
}

/** A timeout of any phase (connect, headers, body, the whole attempt). */
export function isTimeoutError(error: unknown): boolean {
  return codesOf(error).some((code) => TIMEOUT_CODES.has(code));
}

/** 429, or a 403 that GitHub uses for its primary and secondary rate limits. */
export function isRateLimited(facts: ResponseFacts): boolean {
  if (facts.status === 429) return true;
  if (facts.status !== 403) return false;
  const { headers, bodyText = '' } = facts;
  return (
    headers['x-ratelimit-remaining'] === '0' ||
    headers['retry-after'] !== undefined ||
    SECONDARY_LIMIT.test(bodyText) ||
    PRIMARY_LIMIT.test(bodyText)
  );
}

/** Whether a failed status may succeed later. Everything else (other 4xx, 501, 505…) is permanent. */
export function isTransientResponse(facts: ResponseFacts): boolean {
  return TRANSIENT_STATUSES.has(facts.status) || (facts.status === 403 && isRateLimited(facts));
}

/**
 * `Retry-After` as milliseconds from `now`: delta-seconds or an HTTP-date (a past date is 0).
 *
 * @example
 * parseRetryAfter('7', Date.now()); // 7000
 * parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.now()); // 0 (in the past)
 */
export function parseRetryAfter(header: string | undefined, now: number): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Time until a rate-limit window resets: GitHub's `x-ratelimit-reset` (epoch seconds) or GitLab's
 * `ratelimit-reset` (epoch seconds; a small value is read as delta seconds).
 */
export function parseRateLimitReset(
  headers: Readonly<Record<string, string>>,
  now: number,
): number | undefined {
  const github = Number(headers['x-ratelimit-reset']);
  if (headers['x-ratelimit-reset'] && Number.isFinite(github)) return Math.max(0, github * 1000 - now);
  const gitlab = Number(headers['ratelimit-reset']);
  if (!headers['ratelimit-reset'] || !Number.isFinite(gitlab)) return undefined;
  // Anything before 2001-09-09 cannot be an epoch reset time; it is a number of seconds to wait.
  return gitlab < 1_000_000_000 ? gitlab * 1000 : Math.max(0, gitlab * 1000 - now);
}

/**
 * How long the server asked us to wait, in GitHub's order: `retry-after`, then the rate-limit reset
 * when the window is used up, then one minute for a secondary limit that sent no header.
 */
export function retryHint(facts: ResponseFacts, now: number): number | undefined {
  const retryAfter = parseRetryAfter(facts.headers['retry-after'], now);
  if (retryAfter !== undefined) return retryAfter;
  const exhausted =
    facts.headers['x-ratelimit-remaining'] === '0' || facts.headers['ratelimit-remaining'] === '0';
  if (exhausted) {
    const reset = parseRateLimitReset(facts.headers, now);
    if (reset !== undefined) return reset;
  }
  if ((facts.status === 403 || facts.status === 429) && SECONDARY_LIMIT.test(facts.bodyText ?? '')) {
    return SECONDARY_RATE_LIMIT_WAIT_MS;
  }
  return undefined;
}

/** Full jitter: uniform in [0, min(cap, base · 2^(attempt−1))], `attempt` being the try that failed (1-based). */
export function fullJitter(attempt: number, random: () => number, baseMs: number, capMs: number): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/** The outcome of one failed try. */
export type RetryDecision =
  | { readonly retry: true; readonly delayMs: number }
  | {
      readonly retry: false;
      readonly reason: 'permanent' | 'not_idempotent' | 'attempts_exhausted' | 'wait_too_long';
      /** What the server asked for, when it did; callers may schedule the retry themselves. */
      readonly retryAfterMs?: number;
    };

/**
 * Decides whether to try again: `delay = max(hint, fullJitter(attempt))`; a hint beyond `maxWaitMs`
 * fails at once instead of sleeping.
 *
 * @example
 * decideRetry({ attempt: 1, transient: true, repeatable: true, hintMs: 1000, random: Math.random });
 * // { retry: true, delayMs: 1000 } (or more, by jitter)
 */
export function decideRetry(input: {
  readonly attempt: number;
  readonly transient: boolean;
  /** The request may be sent again: idempotent, marked retryable, or nothing was sent. */
  readonly repeatable: boolean;
  readonly hintMs?: number | undefined;
  readonly random: () => number;
  readonly options?: RetryOptions;
}): RetryDecision {
  const options = input.options ?? DEFAULT_RETRY_OPTIONS;
  const retryAfterMs = input.hintMs;
  const withHint = retryAfterMs === undefined ? {} : { retryAfterMs };
  if (!input.transient) return { retry: false, reason: 'permanent' };
  if (retryAfterMs !== undefined && retryAfterMs > options.maxWaitMs) {
    return { retry: false, reason: 'wait_too_long', ...withHint };
  }
  if (!input.repeatable) return { retry: false, reason: 'not_idempotent', ...withHint };
  if (input.attempt >= options.attempts) return { retry: false, reason: 'attempts_exhausted', ...withHint };
  const jitter = fullJitter(input.attempt, input.random, options.baseDelayMs, options.maxDelayMs);
  return { retry: true, delayMs: Math.max(retryAfterMs ?? 0, jitter) };
}

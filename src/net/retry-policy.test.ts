import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETRY_OPTIONS,
  decideRetry,
  failedBeforeSending,
  fullJitter,
  isTransientNetworkError,
  isTransientResponse,
  parseRateLimitReset,
  parseRetryAfter,
  retryHint,
} from './retry-policy.js';

const NOW = Date.parse('2025-06-01T12:00:00Z');
const facts = (status: number, headers: Record<string, string> = {}, bodyText?: string) => ({
  status,
  headers,
  ...(bodyText === undefined ? {} : { bodyText }),
});

describe('isTransientResponse', () => {
  it.each([408, 425, 429, 500, 502, 503, 504])('treats %i as transient', (status) => {
    expect(isTransientResponse(facts(status))).toBe(true);
  });

  it.each([400, 401, 403, 404, 405, 409, 410, 422, 451, 501, 505])('treats %i as permanent', (status) => {
    expect(isTransientResponse(facts(status))).toBe(false);
  });

  it.each([
    ['x-ratelimit-remaining: 0', facts(403, { 'x-ratelimit-remaining': '0' })],
    ['a retry-after header', facts(403, { 'retry-after': '30' })],
    [
      'a secondary rate limit message',
      facts(403, {}, '{"message":"You have exceeded a secondary rate limit."}'),
    ],
    ['an abuse detection message', facts(403, {}, 'You have triggered an abuse detection mechanism')],
    ['a primary rate limit message', facts(403, {}, 'API rate limit exceeded for installation')],
  ])('treats a 403 with %s as a transient rate limit', (_name, response) => {
    expect(isTransientResponse(response)).toBe(true);
  });

  it('treats a 403 permission failure as permanent', () => {
    expect(
      isTransientResponse(
        facts(403, { 'x-ratelimit-remaining': '4999' }, 'Resource not accessible by integration'),
      ),
    ).toBe(false);
  });
});

describe('network errors', () => {
  const coded = (code: string) => Object.assign(new Error(code), { code });

  it.each([
    'ECONNRESET',
    'ECONNREFUSED',
    'ETIMEDOUT',
    'EAI_AGAIN',
    'UND_ERR_SOCKET',
    'UND_ERR_HEADERS_TIMEOUT',
    'UND_ERR_BODY_TIMEOUT',
    'UND_ERR_CONNECT_TIMEOUT',
  ])('treats %s as transient', (code) => {
    expect(isTransientNetworkError(coded(code))).toBe(true);
  });

  it('finds the code along the cause chain and knows "socket hang up"', () => {
    expect(isTransientNetworkError(new Error('fetch failed', { cause: coded('ECONNRESET') }))).toBe(true);
    expect(isTransientNetworkError(new Error('socket hang up'))).toBe(true);
  });

  it.each(['ENOTFOUND', 'CERT_HAS_EXPIRED', 'egress_denied'])('treats %s as permanent', (code) => {
    expect(isTransientNetworkError(coded(code))).toBe(false);
  });

  it('knows which failures happened before anything was sent', () => {
    expect(failedBeforeSending(coded('ECONNREFUSED'))).toBe(true);
    expect(failedBeforeSending(coded('ECONNRESET'))).toBe(false);
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['7', 7000],
    [' 0 ', 0],
    ['Sun, 01 Jun 2025 12:00:05 GMT', 5000],
    ['Sun, 01 Jun 2025 11:00:00 GMT', 0],
    ['soon', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('reads %j as %j ms', (header, expected) => {
    expect(parseRetryAfter(header, NOW)).toBe(expected);
  });
});

describe('parseRateLimitReset and retryHint', () => {
  it('reads GitHub epoch seconds and GitLab epoch or delta seconds', () => {
    expect(parseRateLimitReset({ 'x-ratelimit-reset': String(NOW / 1000 + 42) }, NOW)).toBe(42_000);
    expect(parseRateLimitReset({ 'ratelimit-reset': String(NOW / 1000 + 9) }, NOW)).toBe(9_000);
    expect(parseRateLimitReset({ 'ratelimit-reset': '30' }, NOW)).toBe(30_000);
    expect(parseRateLimitReset({}, NOW)).toBeUndefined();
  });

  it('prefers retry-after, then the reset of a used-up window, then a minute for a silent secondary limit', () => {
    const reset = String(NOW / 1000 + 120);

    expect(
      retryHint(
        facts(429, { 'retry-after': '3', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset }),
        NOW,
      ),
    ).toBe(3000);
    expect(retryHint(facts(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset }), NOW)).toBe(
      120_000,
    );
    expect(
      retryHint(facts(403, { 'x-ratelimit-remaining': '10', 'x-ratelimit-reset': reset }), NOW),
    ).toBeUndefined();
    expect(retryHint(facts(403, {}, 'You have exceeded a secondary rate limit'), NOW)).toBe(60_000);
    expect(retryHint(facts(503), NOW)).toBeUndefined();
  });
});

describe('decideRetry', () => {
  const base = { transient: true, repeatable: true, random: () => 0.5 };

  it('retries a transient failure with full jitter until the attempts are spent', () => {
    expect(decideRetry({ ...base, attempt: 1 })).toEqual({ retry: true, delayMs: 125 });
    expect(decideRetry({ ...base, attempt: 2 })).toEqual({ retry: true, delayMs: 250 });
    expect(decideRetry({ ...base, attempt: 3 })).toEqual({ retry: false, reason: 'attempts_exhausted' });
  });

  it('never retries a permanent failure or an unmarked non-idempotent request', () => {
    expect(decideRetry({ ...base, attempt: 1, transient: false })).toEqual({
      retry: false,
      reason: 'permanent',
    });
    expect(decideRetry({ ...base, attempt: 1, repeatable: false })).toEqual({
      retry: false,
      reason: 'not_idempotent',
    });
  });

  it('fails at once, keeping the hint, when the server asks for more than maxWaitMs', () => {
    expect(decideRetry({ ...base, attempt: 1, hintMs: 3_600_000 })).toEqual({
      retry: false,
      reason: 'wait_too_long',
      retryAfterMs: 3_600_000,
    });
  });

  it('honours the configured number of attempts', () => {
    const options = { ...DEFAULT_RETRY_OPTIONS, attempts: 5 };

    expect(decideRetry({ ...base, attempt: 4, options }).retry).toBe(true);
    expect(decideRetry({ ...base, attempt: 5, options }).retry).toBe(false);
  });

  it('waits at least the hint and at most max(hint, cap)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.option(fc.integer({ min: 0, max: 60_000 }), { nil: undefined }),
        fc.double({ min: 0, max: 0.999_999, noNaN: true }),
        (attempt, hintMs, random) => {
          const options = { ...DEFAULT_RETRY_OPTIONS, attempts: 100 };
          const decision = decideRetry({
            attempt,
            transient: true,
            repeatable: true,
            hintMs,
            random: () => random,
            options,
          });

          expect(decision.retry).toBe(true);
          if (!decision.retry) return;
          expect(decision.delayMs).toBeGreaterThanOrEqual(hintMs ?? 0);
          expect(decision.delayMs).toBeLessThanOrEqual(Math.max(hintMs ?? 0, options.maxDelayMs));
        },
      ),
    );
  });

  it('caps full jitter at 20 s', () => {
    expect(fullJitter(40, () => 0.999, 250, 20_000)).toBeLessThan(20_000);
  });
});

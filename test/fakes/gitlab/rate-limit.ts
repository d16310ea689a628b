/**
 * GitLab's request throttle as a client sees it: every answer carries `RateLimit-Limit`,
 * `RateLimit-Observed`, `RateLimit-Remaining`, `RateLimit-Reset` (epoch seconds) and `RateLimit-ResetTime`
 * (an HTTP date); once the window's budget is spent, 429 "Retry later" with `Retry-After` until it resets.
 * https://docs.gitlab.com/ee/administration/settings/user_and_ip_rate_limits.html#response-headers
 */

/** The current window of the throttle. */
export interface RateLimitState {
  limit: number;
  /** Set it to test a client that slows down before the limit. */
  remaining: number;
  /** Epoch seconds at which the window starts again. */
  reset: number;
}

/** Counts requests against the window. */
export interface RateLimiter {
  readonly state: RateLimitState;
  /** Counts one request: its headers, and whether the budget was already spent. */
  take(): { readonly headers: Record<string, string>; readonly exhausted: boolean };
}

/**
 * @example
 * const limiter = createRateLimiter({ limit: 2000, remaining: 2000 }, Date.now);
 * const { headers, exhausted } = limiter.take();
 */
export function createRateLimiter(
  initial: { readonly limit: number; readonly remaining: number; readonly windowSeconds?: number },
  now: () => number,
): RateLimiter {
  const windowSeconds = initial.windowSeconds ?? 60;
  const state: RateLimitState = {
    limit: initial.limit,
    remaining: initial.remaining,
    reset: Math.floor(now() / 1000) + windowSeconds,
  };
  return {
    state,
    take() {
      const seconds = Math.floor(now() / 1000);
      if (seconds >= state.reset) {
        state.remaining = state.limit;
        state.reset = seconds + windowSeconds;
      }
      const exhausted = state.remaining <= 0;
      if (!exhausted) state.remaining -= 1;
      const headers: Record<string, string> = {
        'ratelimit-limit': String(state.limit),
        'ratelimit-observed': String(state.limit - state.remaining),
        'ratelimit-remaining': String(state.remaining),
        'ratelimit-reset': String(state.reset),
        'ratelimit-resettime': new Date(state.reset * 1000).toUTCString(),
      };
      if (exhausted) headers['retry-after'] = String(Math.max(1, state.reset - seconds));
      return { headers, exhausted };
    },
  };
}

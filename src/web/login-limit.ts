import { BoundedMap } from '../core/bounded-map.js';

/**
 * Failed console logins per client address in a fixed window: past the limit, an address is turned
 * away (429) without its token being checked, until the window ends. Successful logins do not count.
 * Each instance counts its own; the limit slows guessing, tokens' 256 bits make it hopeless anyway.
 */
export interface LoginLimiter {
  /** Milliseconds until `address` may try again, or 0 when it may now. */
  blockedFor(address: string): number;
  /** Counts a failed login of `address`. */
  failed(address: string): void;
}

export const LOGIN_FAILURES_ALLOWED = 10;
export const LOGIN_WINDOW_MS = 5 * 60_000;

/**
 * @example
 * const limiter = createLoginLimiter();
 * if (limiter.blockedFor(request.ip) > 0) return tooMany();
 */
export function createLoginLimiter(
  options: { max?: number; windowMs?: number; now?: () => number } = {},
): LoginLimiter {
  const max = options.max ?? LOGIN_FAILURES_ALLOWED;
  const windowMs = options.windowMs ?? LOGIN_WINDOW_MS;
  const now = options.now ?? Date.now;
  const windows = new BoundedMap<{ start: number; failures: number }>(10_000);
  const current = (address: string) => {
    const window = windows.get(address);
    return window && now() - window.start < windowMs ? window : undefined;
  };
  return {
    blockedFor(address) {
      const window = current(address);
      return window && window.failures >= max ? window.start + windowMs - now() : 0;
    },
    failed(address) {
      const window = current(address);
      windows.set(
        address,
        window ? { ...window, failures: window.failures + 1 } : { start: now(), failures: 1 },
      );
    },
  };
}

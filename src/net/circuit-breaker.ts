import { CircuitOpenError } from './errors.js';

/**
 * Consecutive-failure circuit breakers, one per target origin (cockatiel's `ConsecutiveBreaker`).
 * Closed: requests pass; `threshold` transient failures in a row open it. Open: requests fail fast
 * until `halfOpenAfterMs` has passed. Half-open: one probe passes; its success closes the breaker,
 * its failure opens it again. One breaker per target origin.
 */

export interface CircuitBreakerOptions {
  /** Consecutive transient failures that open a breaker (default 5). */
  readonly threshold?: number;
  /** How long a breaker stays open before it lets one probe through (default 30 s). */
  readonly halfOpenAfterMs?: number;
  /** Milliseconds since the epoch; injectable for tests. */
  readonly now?: () => number;
}

export type CircuitState = 'closed' | 'open' | 'half_open';

/** What happened to a request the breaker let through. */
export type CircuitOutcome =
  /** The origin answered sensibly (2xx–4xx other than "try later"). */
  | 'success'
  /** A transient failure: 5xx, 429, timeout, reset. */
  | 'failure'
  /** Says nothing about the origin (refused by policy, cancelled by the caller); only frees a probe. */
  | 'ignore';

/** The breakers of one HTTP client. */
export interface CircuitBreakers {
  /** Lets a request to `origin` through or throws `CircuitOpenError` naming when it will try again. */
  admit(origin: string): void;
  /** Records the outcome of a request that `admit` let through. */
  record(origin: string, outcome: CircuitOutcome): void;
  /** The current state, for health pages and tests. */
  state(origin: string): CircuitState;
}

interface Breaker {
  failures: number;
  openedAt: number | undefined;
  probing: boolean;
}

/**
 * @example
 * const breakers = createCircuitBreakers({ now: () => clock });
 * breakers.admit('https://api.github.com'); // throws CircuitOpenError while open
 * breakers.record('https://api.github.com', 'failure');
 */
export function createCircuitBreakers(options: CircuitBreakerOptions = {}): CircuitBreakers {
  const threshold = options.threshold ?? 5;
  const halfOpenAfterMs = options.halfOpenAfterMs ?? 30_000;
  const now = options.now ?? Date.now;
  // Only origins with recent failures have an entry; a success removes it, so the map stays small.
  const breakers = new Map<string, Breaker>();

  function stateOf(breaker: Breaker | undefined): CircuitState {
    if (!breaker || breaker.openedAt === undefined) return 'closed';
    return now() - breaker.openedAt >= halfOpenAfterMs ? 'half_open' : 'open';
  }

  return {
    admit(origin) {
      const breaker = breakers.get(origin);
      const state = stateOf(breaker);
      if (state === 'closed' || !breaker) return;
      if (state === 'half_open' && !breaker.probing) {
        breaker.probing = true;
        return;
      }
      const retryAt = new Date(Math.max(now(), (breaker.openedAt ?? 0) + halfOpenAfterMs));
      throw new CircuitOpenError(origin, retryAt, breaker.failures);
    },

    record(origin, outcome) {
      const breaker = breakers.get(origin);
      if (outcome === 'ignore') {
        if (breaker) breaker.probing = false;
        return;
      }
      if (outcome === 'success') {
        breakers.delete(origin);
        return;
      }
      const current = breaker ?? { failures: 0, openedAt: undefined, probing: false };
      current.failures += 1;
      if (current.probing || current.failures >= threshold) current.openedAt = now();
      current.probing = false;
      breakers.set(origin, current);
    },

    state: (origin) => stateOf(breakers.get(origin)),
  };
}

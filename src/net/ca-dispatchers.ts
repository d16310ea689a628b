import { createHash } from 'node:crypto';
import type { Dispatcher } from 'undici';

/** Distinct private CAs kept open at once; an integration's CA rarely changes, integrations are few. */
export const MAX_CA_DISPATCHERS = 32;

/**
 * The connection pools of requests that carry their own CA (`HttpRequest.ca`): one per distinct PEM,
 * keyed by its hash, so requests of the same integration reuse their connections and two integrations
 * with different CAs never share a pool (a CA trusted for one is not trusted for the other). Past
 * `max` pools, the least recently used one is closed; requests in flight on it finish first.
 */
export class CaDispatchers {
  readonly #pools = new Map<string, Dispatcher>();
  readonly #make: (ca: string) => Dispatcher;
  readonly #max: number;

  /** `make` builds a pool trusting `ca` besides the client's roots (the same egress guard). */
  constructor(make: (ca: string) => Dispatcher, max = MAX_CA_DISPATCHERS) {
    this.#make = make;
    this.#max = max;
  }

  /** How many pools are open. */
  get size(): number {
    return this.#pools.size;
  }

  /** The pool trusting `ca`, made at first use; marked most recently used. */
  for(ca: string): Dispatcher {
    const key = createHash('sha256').update(ca).digest('base64url');
    let pool = this.#pools.get(key);
    if (pool) this.#pools.delete(key);
    else pool = this.#make(ca);
    this.#pools.set(key, pool);
    while (this.#pools.size > this.#max) {
      const [oldest, evicted] = this.#pools.entries().next().value as [string, Dispatcher];
      this.#pools.delete(oldest);
      void evicted.close().catch(() => {});
    }
    return pool;
  }

  /** Closes every pool; waits for requests in flight. */
  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((pool) => pool.close()));
  }
}

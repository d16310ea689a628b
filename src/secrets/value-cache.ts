import type { SecretValue } from './secret.js';

/** A resolved value as the resolver keeps it. */
export interface CachedValue {
  readonly value: SecretValue;
  readonly version: string | null;
  readonly fingerprint: string;
  /** Served from the cache until then (ms). */
  readonly expiresAt: number;
  /** Served while the store fails transiently until then (ms). */
  readonly staleUntil: number;
}

/**
 * The resolver's cache: at most `maxEntries` values (least recently used dropped first), each
 * zeroed when dropped or replaced, and one load in flight per key (singleflight). Values are never
 * handed out as they are; the resolver gives callers copies.
 */
export interface ValueCache {
  /** The value if still within its TTL (and marks it recently used). */
  fresh(key: string, now: number): CachedValue | undefined;
  /** The value whatever its age (for stale serving). */
  get(key: string): CachedValue | undefined;
  inFlight(key: string): boolean;
  /** Runs `load` unless a load for `key` is running (then waits on that one); keeps the result. */
  load(key: string, load: () => Promise<CachedValue>): Promise<CachedValue>;
  drop(key: string): void;
  /** Drops `base` and every key that continues it with `?` or `#`. */
  dropVariants(base: string): void;
  clear(): void;
}

export function createValueCache(maxEntries: number): ValueCache {
  const entries = new Map<string, CachedValue>();
  const flights = new Map<string, Promise<CachedValue>>();

  const drop = (key: string) => {
    entries.get(key)?.value.dispose();
    entries.delete(key);
  };

  return {
    fresh(key, now) {
      const entry = entries.get(key);
      if (!entry || now >= entry.expiresAt) return undefined;
      entries.delete(key);
      entries.set(key, entry);
      return entry;
    },
    get: (key) => entries.get(key),
    inFlight: (key) => flights.has(key),
    load(key, load) {
      const running = flights.get(key);
      if (running) return running;
      const flight = load()
        .then((entry) => {
          drop(key);
          entries.set(key, entry);
          while (entries.size > maxEntries) drop(entries.keys().next().value!);
          return entry;
        })
        .finally(() => flights.delete(key));
      flights.set(key, flight);
      return flight;
    },
    drop,
    dropVariants(base) {
      for (const key of [...entries.keys()]) {
        if (key === base || key.startsWith(`${base}?`) || key.startsWith(`${base}#`)) drop(key);
      }
    },
    clear() {
      for (const key of [...entries.keys()]) drop(key);
    },
  };
}

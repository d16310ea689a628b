import type { Integration } from '../core/integration.js';

/**
 * Integrations by id, kept in memory in front of the embedded SQLite database, which one instance
 * serves: reading one by id is the catalog's most frequent query, and answering it from memory takes
 * less than a tenth of what the query and the row conversion take.
 *
 * It stays right by these rules:
 * - Every repository write to the `integrations` table forgets the ids it wrote, once the statement
 *   has run (in a transaction too: a reader outside waits for the connection until it ends, and a
 *   rollback leaves nothing behind because nothing read inside a transaction is kept).
 * - A read keeps what it found only if nothing was forgotten since it began (`stamp`), so a read that
 *   overlapped a write never stores the value from before it.
 * - A commit by any other connection to the file (another process, the sqlite3 shell) empties the
 *   cache within `externalCheckMs`: `externalVersion` is SQLite's `PRAGMA data_version`. It is asked
 *   at most that often, not on every lookup, because asking starts a read transaction, whose file locks
 *   cost more than the lookup saves. The service writes integrations through this process alone (the
 *   CLI's writes go through its API), so that bound only matters to someone editing the file by hand.
 * - What it hands out is frozen, so no caller can change what the next one reads.
 */
export interface IntegrationCache {
  /** The integration if it is cached and belongs to `tenantId`. */
  get(tenantId: string, id: string): Integration | undefined;
  /** A mark to take before reading the database, for `remember`. */
  stamp(): number;
  /** Keeps what a read found (frozen), unless something was forgotten since `stamp`. */
  remember(integration: Integration, stamp: number): Integration;
  /** Forgets these integrations; every write to them calls it. */
  forget(ids: string | readonly string[]): void;
  /** The view for work inside a transaction: it forgets, but neither reads nor keeps. */
  forWrites(): IntegrationCache;
}

export interface IntegrationCacheOptions {
  /** A value that changes when another connection commits to the database; a change empties the cache. */
  readonly externalVersion: () => number;
  /** How often `externalVersion` is asked at most, in milliseconds. */
  readonly externalCheckMs?: number;
  /** Entries kept at most; past it the oldest goes first. */
  readonly maxEntries?: number;
  /** A monotonic clock in milliseconds (tests). */
  readonly now?: () => number;
}

/** About 1 KiB an integration: 16 MiB at most. */
const DEFAULT_MAX_ENTRIES = 16_384;
const DEFAULT_EXTERNAL_CHECK_MS = 100;

/** Stands in where there is no cache (PostgreSQL: several instances write, none could see the others). */
export const NO_INTEGRATION_CACHE: IntegrationCache = {
  get: () => undefined,
  stamp: () => 0,
  remember: (integration) => integration,
  forget: () => {},
  forWrites: () => NO_INTEGRATION_CACHE,
};

/**
 * @example
 * const cache = createIntegrationCache({ externalVersion: () => dataVersion.get() as number });
 */
export function createIntegrationCache(options: IntegrationCacheOptions): IntegrationCache {
  const {
    externalVersion,
    externalCheckMs = DEFAULT_EXTERNAL_CHECK_MS,
    maxEntries = DEFAULT_MAX_ENTRIES,
    now = () => performance.now(),
  } = options;
  const entries = new Map<string, Integration>();
  let generation = 0;
  let seenVersion = externalVersion();
  let checkedAt = now();

  function checkExternal(): void {
    const at = now();
    if (at - checkedAt < externalCheckMs) return;
    checkedAt = at;
    const version = externalVersion();
    if (version === seenVersion) return;
    seenVersion = version;
    entries.clear();
    generation += 1;
  }

  function forget(ids: string | readonly string[]): void {
    generation += 1;
    if (typeof ids === 'string') entries.delete(ids);
    else for (const id of ids) entries.delete(id);
  }

  const writesOnly: IntegrationCache = { ...NO_INTEGRATION_CACHE, forget, forWrites: () => writesOnly };

  return {
    get(tenantId, id) {
      checkExternal();
      const integration = entries.get(id);
      return integration?.tenantId === tenantId ? integration : undefined;
    },
    stamp() {
      checkExternal();
      return generation;
    },
    remember(integration, stamp) {
      const frozen = deepFreeze(integration);
      if (stamp !== generation) return frozen;
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
      entries.set(integration.id, frozen);
      return frozen;
    },
    forget,
    forWrites: () => writesOnly,
  };
}

/** Runs a write to `integrations`, then forgets those ids in the cache, whether it worked or not. */
export async function forgetAfter<T>(
  cache: IntegrationCache,
  ids: string | readonly string[],
  write: () => Promise<T>,
): Promise<T> {
  try {
    return await write();
  } finally {
    cache.forget(ids);
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

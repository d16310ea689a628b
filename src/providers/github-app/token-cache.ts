import type { Secret } from '../../secrets/index.js';

/**
 * Installation tokens, kept in the plugin instance per (tenant, integration, API, installation) until
 * shortly before they expire: GitHub's tokens live one hour; we stop using one 5 minutes before its
 * `expires_at` (or half its life, if shorter). One token is made at a time per key; callers asking
 * meanwhile wait for it.
 */

export interface InstallationToken {
  readonly token: Secret;
  /** Epoch milliseconds. */
  readonly expiresAt: number;
  /** Epoch milliseconds, on our clock. */
  readonly obtainedAt: number;
  /** As GitHub granted them, e.g. `{ checks: 'write' }`. */
  readonly permissions: Readonly<Record<string, string>>;
}

export interface InstallationTokenCache {
  /** A usable token for `key`, made with `load` when none is cached. */
  get(key: string, load: () => Promise<InstallationToken>): Promise<InstallationToken>;
  /** Forgets `token` for `key` (after GitHub refused it); a newer token stays. */
  invalidate(key: string, token: InstallationToken): void;
  size(): number;
}

export interface TokenCacheOptions {
  readonly now?: () => number;
  /** Default 5 minutes. */
  readonly refreshMarginMs?: number;
  /** Default 10,000 installations; the least recently stored are dropped first. */
  readonly maxEntries?: number;
}

export const DEFAULT_REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * @example
 * const tokens = createInstallationTokenCache();
 * const { token } = await tokens.get(`${tenant}|${integration}|${api}|${installationId}`, mint);
 */
export function createInstallationTokenCache(options: TokenCacheOptions = {}): InstallationTokenCache {
  const now = options.now ?? Date.now;
  const margin = options.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS;
  const max = options.maxEntries ?? 10_000;
  const entries = new Map<string, InstallationToken>();
  const pending = new Map<string, Promise<InstallationToken>>();

  const usable = (entry: InstallationToken) => {
    const life = entry.expiresAt - entry.obtainedAt;
    return entry.expiresAt - Math.min(margin, life / 2) > now();
  };

  return {
    async get(key, load) {
      const cached = entries.get(key);
      if (cached && usable(cached)) return cached;
      const inFlight = pending.get(key);
      if (inFlight) return inFlight;
      const loading = load()
        .then((entry) => {
          entries.delete(key);
          entries.set(key, entry);
          while (entries.size > max) {
            const oldest = entries.keys().next().value;
            if (oldest === undefined) break;
            entries.delete(oldest);
          }
          return entry;
        })
        .finally(() => pending.delete(key));
      pending.set(key, loading);
      return loading;
    },
    invalidate(key, token) {
      if (entries.get(key) === token) entries.delete(key);
    },
    size: () => entries.size,
  };
}

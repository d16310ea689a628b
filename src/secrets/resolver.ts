import { AppError, InvalidInputError, NotFoundError, UpstreamError } from '../core/errors.js';
import { type Logger, silentLogger } from '../core/logger.js';
import type { AuditTrail } from './audit-trail.js';
import { type AuthRef, parseAuthRef } from './authref.js';
import type { Fingerprinter } from './crypto/fingerprint.js';
import type { SecretValue } from './secret.js';
import type { SecretStore } from './stores/contract.js';
import type { SecretStoreRegistry } from './stores/registry.js';
import { type CachedValue, createValueCache } from './value-cache.js';

/** Why a credential is needed; recorded with every resolution. */
export const RESOLVE_PURPOSES = [
  'test',
  'health',
  'annotate',
  'registry',
  'events',
  'api',
  'bootstrap',
] as const;
export type ResolvePurpose = (typeof RESOLVE_PURPOSES)[number];

/** Who resolves, for what: scopes the cache, authorises the store and fills the audit record. */
export interface ResolveContext {
  readonly tenantId: string;
  /** `token:<name>` of an API caller, or `system` for the poller and other background work. */
  readonly actor: string;
  readonly integrationId: string | null;
  readonly purpose: ResolvePurpose;
  /** Gives up waiting (the shared fetch goes on for the others waiting on it). */
  readonly signal?: AbortSignal;
}

/** A resolved credential: the value (a copy of its own, free to dispose) and what is known about it. */
export interface ResolvedCredential {
  /** The canonical reference. */
  readonly ref: string;
  readonly store: string;
  readonly value: SecretValue;
  readonly version: string | null;
  /** Keyed fingerprint of the value (not secret): equal fingerprints mean equal values. */
  readonly fingerprint: string;
  /** `store`: fetched now; `cache`: within the TTL; `stale`: past the TTL, served because the store failed. */
  readonly source: 'store' | 'cache' | 'stale';
}

export interface SecretResolver {
  /**
   * Resolves a reference for a tenant: authorises the store, answers from the cache within the TTL
   * (one fetch in flight per tenant and reference), serves a stale value for a bounded time when the
   * store fails transiently, and audits every call. Errors: `InvalidInputError` (bad reference,
   * unknown or forbidden store, a parameter the store does not take), `NotFoundError`,
   * `UpstreamError` (store failed), `UnprocessableError` (the value is not usable as asked).
   */
  resolve(ref: string, context: ResolveContext): Promise<ResolvedCredential>;
  /**
   * Checks a reference before it is saved (an integration's `authRef`): it parses, and names a store
   * this tenant may use that takes its parameters. Returns the parsed reference (save `canonical`);
   * throws the `InvalidInputError` `resolve` would. Reads nothing and audits nothing.
   */
  check(ref: string, tenantId: string, options?: { field?: string }): AuthRef;
  /** Drops the cached value (an outside system rejected it); the next resolve asks the store. */
  invalidate(ref: string, context: Pick<ResolveContext, 'tenantId'>): void;
  /** Drops every cached value of a tenant whose reference is `canonical` with any params or key. */
  forget(tenantId: string, canonical: string): void;
  /** Drops everything (and zeroes the cached values). */
  clear(): void;
}

export interface SecretResolverDeps {
  readonly stores: SecretStoreRegistry;
  readonly audit: AuditTrail;
  readonly fingerprints: Fingerprinter;
  readonly logger?: Logger;
  /** Milliseconds; the cache's clock. */
  readonly now?: () => number;
  /** Default 5 minutes (`secretCacheTtlSeconds`); 0 turns the cache off (stale values still help). */
  readonly ttlMs?: number;
  /** How long past the TTL a value may be served while the store fails (default 10 minutes). */
  readonly staleMs?: number;
  /** Cached values at most (least recently used dropped first, zeroed). Default 1024. */
  readonly maxEntries?: number;
}

/** Distinct reference spellings whose parse is kept. */
const PARSED_REFS = 4096;

/**
 * @example
 * const resolver = createSecretResolver({ stores, audit, fingerprints, logger });
 * const { value } = await resolver.resolve(integration.authRef, {
 *   tenantId, actor: 'system', integrationId: integration.id, purpose: 'health',
 * });
 */
export function createSecretResolver(deps: SecretResolverDeps): SecretResolver {
  const now = deps.now ?? Date.now;
  const logger = deps.logger ?? silentLogger;
  const ttlMs = deps.ttlMs ?? 300_000;
  const staleMs = deps.staleMs ?? 600_000;
  const cache = createValueCache(deps.maxEntries ?? 1024);
  // References repeat (an integration's authRef on every poll): parse each spelling once.
  const parsed = new Map<string, AuthRef>();
  const parse = (input: string): AuthRef => {
    let ref = parsed.get(input);
    if (!ref) {
      ref = parseAuthRef(input);
      if (parsed.size >= PARSED_REFS) parsed.delete(parsed.keys().next().value!);
      parsed.set(input, ref);
    }
    return ref;
  };

  const keyOf = (tenantId: string, canonical: string) => `${tenantId}\u0000${canonical}`;

  /** The store the reference names, if this tenant may use it and it takes the reference's parameters. */
  function authorize(ref: AuthRef, tenantId: string): SecretStore {
    const store = deps.stores.forTenant(ref.store, tenantId);
    // The same answer for a store that does not exist and one this tenant may not use.
    if (!store) throw InvalidInputError.field('/authRef', `names an unknown secret store '${ref.store}'`);
    for (const name of Object.keys(ref.params)) {
      if (name !== 'encoding' && !(store.params as readonly string[]).includes(name)) {
        throw InvalidInputError.field(
          '/authRef',
          `has the parameter '${name}', which the ${store.type} store '${store.name}' does not take`,
        );
      }
    }
    return store;
  }

  /** The one fetch for a key; everyone asking meanwhile waits on it. */
  function fetch(key: string, store: SecretStore, ref: AuthRef, tenantId: string): Promise<CachedValue> {
    return cache.load(key, async () => {
      const result = await store.resolve(ref, { tenantId });
      const at = now();
      return {
        value: result.value,
        version: result.version,
        fingerprint: deps.fingerprints.fingerprint(result.value),
        expiresAt: at + ttlMs,
        staleUntil: at + ttlMs + staleMs,
      };
    });
  }

  return {
    async resolve(input, context) {
      const started = performance.now();
      const audit = (fields: {
        ref: AuthRef | null;
        outcome: string;
        cache: string | null;
        entry?: CachedValue;
        detail?: string | null;
      }) =>
        deps.audit.record({
          tenantId: context.tenantId,
          actor: context.actor,
          integrationId: context.integrationId,
          purpose: context.purpose,
          action: 'resolve',
          store: fields.ref?.store ?? null,
          reference: fields.ref?.canonical ?? null,
          version: fields.entry?.version ?? null,
          outcome: fields.outcome,
          cache: fields.cache,
          latencyMs: performance.now() - started,
          fingerprint: fields.entry?.fingerprint ?? null,
          detail: fields.detail ?? null,
        });
      const answer = (
        ref: AuthRef,
        entry: CachedValue,
        source: ResolvedCredential['source'],
      ): ResolvedCredential => ({
        ref: ref.canonical,
        store: ref.store,
        value: entry.value.clone(),
        version: entry.version,
        fingerprint: entry.fingerprint,
        source,
      });

      let ref: AuthRef;
      try {
        ref = parse(input);
      } catch (error) {
        audit({ ref: null, outcome: 'invalid', cache: null, detail: describe(error) });
        throw error;
      }
      let store: SecretStore;
      try {
        store = authorize(ref, context.tenantId);
      } catch (error) {
        const denied = !deps.stores.forTenant(ref.store, context.tenantId);
        audit({ ref, outcome: denied ? 'denied' : 'invalid', cache: null, detail: describe(error) });
        throw error;
      }

      const key = keyOf(context.tenantId, ref.canonical);
      const cached = cache.fresh(key, now());
      if (cached) {
        audit({ ref, outcome: 'success', cache: 'hit', entry: cached });
        return answer(ref, cached, 'cache');
      }
      const shared = cache.inFlight(key);
      try {
        const entry = await abortable(fetch(key, store, ref, context.tenantId), context.signal);
        audit({ ref, outcome: 'success', cache: shared ? 'shared' : 'miss', entry });
        return answer(ref, entry, 'store');
      } catch (error) {
        const stale = cache.get(key);
        if (isTransient(error) && stale && now() < stale.staleUntil) {
          logger.warn(
            {
              store: ref.store,
              reference: ref.canonical,
              tenantId: context.tenantId,
              error: describe(error),
            },
            'secret store failed; serving the last value it gave',
          );
          audit({ ref, outcome: 'stale', cache: 'stale', entry: stale, detail: describe(error) });
          return answer(ref, stale, 'stale');
        }
        audit({ ref, outcome: outcomeOf(error), cache: shared ? 'shared' : 'miss', detail: describe(error) });
        throw error;
      }
    },

    check(input, tenantId, options = {}) {
      const ref = parseAuthRef(input, options);
      try {
        authorize(ref, tenantId);
      } catch (error) {
        if (options.field && error instanceof InvalidInputError) {
          throw InvalidInputError.field(options.field, error.message.replace(/^\/authRef /, ''));
        }
        throw error;
      }
      return ref;
    },

    invalidate(input, context) {
      let canonical: string;
      try {
        canonical = parseAuthRef(input).canonical;
      } catch {
        return;
      }
      cache.drop(keyOf(context.tenantId, canonical));
    },

    forget(tenantId, canonical) {
      cache.dropVariants(keyOf(tenantId, canonical));
    },

    clear() {
      cache.clear();
    },
  };
}

function isTransient(error: unknown): boolean {
  return error instanceof UpstreamError && error.isTransient;
}

/** The audit outcome of a failed resolution. */
function outcomeOf(error: unknown): string {
  if (error instanceof NotFoundError) return 'not_found';
  if (error instanceof InvalidInputError) return 'invalid';
  return 'error';
}

/** An error as a short audit detail: its code and message (ours never carry values). */
function describe(error: unknown): string {
  if (error instanceof AppError) return `${error.code}: ${error.message}`.slice(0, 500);
  return error instanceof Error ? `${error.name}` : 'unknown error';
}

/** Waits for `promise` unless `signal` aborts first (the promise itself goes on). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

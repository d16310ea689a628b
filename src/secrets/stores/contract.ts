import type { AuthRef, AuthRefParamName } from '../authref.js';
import type { SecretValue } from '../secret.js';

/**
 * The contract every secret store meets. A store is configured by the admin under a name
 * (`authref://<name>/…`), serves the tenants its configuration names, and turns a parsed reference
 * into a value. Authorisation, caching and audit are the resolver's: a store only reads (or writes).
 */

export const SECRET_STORE_TYPES = ['local', 'env', 'file', 'vault'] as const;
export type SecretStoreType = (typeof SECRET_STORE_TYPES)[number];

/** The tenant a store reads for (it scopes paths and rows), and the caller's abort signal. */
export interface StoreContext {
  readonly tenantId: string;
  readonly signal?: AbortSignal;
}

/** What a store hands back: the value (`#key` already applied) and the version it read, if it has one. */
export interface StoreResult {
  readonly value: SecretValue;
  /** The store's version (`3` in Vault or local, a file's mtime); null when the store has none. */
  readonly version: string | null;
}

export interface SecretStore {
  readonly name: string;
  readonly type: SecretStoreType;
  /** Reference parameters this store understands besides `encoding`; others are refused. */
  readonly params: readonly AuthRefParamName[];
  /**
   * Reads the value. Throws `InvalidInputError` for a reference this store cannot serve (wrong path
   * shape), `NotFoundError` when there is nothing there, `UpstreamError` when the store failed
   * (`isTransient` when trying again may help: the resolver then serves a stale value if it has one).
   */
  resolve(ref: AuthRef, context: StoreContext): Promise<StoreResult>;
}

/** A value users hand us: a string, or named strings such as `{ appId, privateKey }`. */
export type SecretInput = string | Readonly<Record<string, string>>;

/** Who writes, for `created_by` and the audit trail. */
export interface WriteContext extends StoreContext {
  readonly actor: string;
}

/** What a write made: the canonical reference to hand back, and the new version. */
export interface WriteResult {
  readonly authRef: string;
  readonly id: string;
  readonly version: number;
  /** Keyed fingerprint of the value written (for the audit trail). */
  readonly fingerprint: string;
}

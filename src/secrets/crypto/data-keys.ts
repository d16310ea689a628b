import { randomBytes } from 'node:crypto';
import { AppError } from '../../core/errors.js';
import { createIdGenerator, isUuid } from '../../core/ids.js';
import type { SecretRepository } from '../../store/secret-repository.js';
import type { MasterKeyring } from '../master-key.js';
import {
  DecryptionError,
  KEY_BYTES,
  openRecord,
  type RecordBinding,
  recordKeyId,
  sealRecord,
  unwrapDataKey,
  wrapDataKey,
} from './envelope.js';

/** Unwrapped data keys stay in memory at most this long (Grafana's DEK cache: 15 min). */
export const MAX_DATA_KEY_CACHE_MS = 15 * 60_000;

/** A data key names a master key this instance does not have. */
export class MasterKeyUnavailableError extends AppError {
  constructor(masterKeyId: string) {
    super(
      'master_key_unavailable',
      `a data key is wrapped by master key ${masterKeyId}, which is not configured here: ` +
        'add it to INTEGRATIONS_MASTER_KEY (after the active key) or to master.key',
    );
  }
}

/**
 * Per-tenant data keys: created on first use (32 random bytes, wrapped by the active master key),
 * unwrapped on demand and cached for at most 15 minutes, zeroed when dropped. The key bytes never
 * leave this module: callers seal and open through it.
 */
export interface DataKeys {
  /** Seals a record under the tenant's active data key (creating it on first use). */
  seal(
    binding: RecordBinding,
    plaintext: Buffer,
    repository?: SecretRepository,
  ): Promise<{ blob: string; dataKeyId: string }>;
  /** Opens a record blob with the data key it names. */
  open(binding: RecordBinding, blob: string, repository?: SecretRepository): Promise<Buffer>;
  /** Makes sure the tenant's active key exists and is cached (before a transaction, say). */
  prepare(tenantId: string): Promise<void>;
  /** Drops and zeroes every cached key. */
  clear(): void;
}

export interface DataKeysDeps {
  /** The repository outside any transaction; keys found or made through it are cached. */
  readonly repository: SecretRepository;
  readonly masterKeys: MasterKeyring;
  readonly now?: () => Date;
  /** Default and upper bound 15 minutes. */
  readonly cacheMs?: number;
  /** Bound on cached keys (least recently used dropped first). Default 10,000. */
  readonly maxCached?: number;
}

interface CachedKey {
  readonly tenantId: string;
  readonly key: Buffer;
  readonly expiresAt: number;
}

/**
 * @example
 * const dataKeys = createDataKeys({ repository: store.secrets, masterKeys });
 * const { blob } = await dataKeys.seal({ tenantId, secretId, version: 1 }, Buffer.from('"value"'));
 */
export function createDataKeys(deps: DataKeysDeps): DataKeys {
  const now = deps.now ?? (() => new Date());
  const cacheMs = Math.min(deps.cacheMs ?? MAX_DATA_KEY_CACHE_MS, MAX_DATA_KEY_CACHE_MS);
  const maxCached = deps.maxCached ?? 10_000;
  const newId = createIdGenerator(() => now().getTime());
  const keys = new Map<string, CachedKey>();
  const activeIds = new Map<string, { id: string; expiresAt: number }>();

  const drop = (id: string) => {
    keys.get(id)?.key.fill(0);
    keys.delete(id);
  };

  function cached(tenantId: string, id: string): Buffer | undefined {
    const entry = keys.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt <= now().getTime() || entry.tenantId !== tenantId) {
      if (entry.expiresAt <= now().getTime()) drop(id);
      return undefined;
    }
    keys.delete(id);
    keys.set(id, entry);
    return entry.key;
  }

  function remember(tenantId: string, id: string, key: Buffer): void {
    drop(id);
    keys.set(id, { tenantId, key, expiresAt: now().getTime() + cacheMs });
    while (keys.size > maxCached) drop(keys.keys().next().value!);
  }

  function masterFor(id: string): Buffer {
    const master = deps.masterKeys.get(id);
    if (!master) throw new MasterKeyUnavailableError(id);
    return master.secret.use((bytes) => bytes);
  }

  /**
   * Runs `use` with the unwrapped key `id` of `tenantId`. `use` runs synchronously right after the key
   * is found, so no other call can drop (and zero) a cached key while it is in use. Keys read through
   * a caller's transaction are not cached: that transaction may still roll back.
   */
  async function withKey<T>(
    tenantId: string,
    id: string,
    repository: SecretRepository,
    use: (key: Buffer) => T,
  ): Promise<T> {
    const hit = cached(tenantId, id);
    if (hit) return use(hit);
    if (!isUuid(id)) throw new DecryptionError('the secret');
    const row = await repository.findDataKey(tenantId, id);
    if (!row) throw new DecryptionError('the secret');
    const again = cached(tenantId, id);
    if (again) return use(again);
    const key = unwrapDataKey(masterFor, tenantId, id, row.wrappedKey);
    try {
      return use(key);
    } finally {
      if (repository === deps.repository) remember(tenantId, id, key);
      else key.fill(0);
    }
  }

  /** The id of the tenant's active data key, made (and wrapped by the active master key) on first use. */
  async function activeKeyId(tenantId: string, repository: SecretRepository): Promise<string> {
    const known = activeIds.get(tenantId);
    if (known && known.expiresAt > now().getTime()) return known.id;
    let row = await repository.findActiveDataKey(tenantId);
    if (!row) {
      const id = newId();
      const key = randomBytes(KEY_BYTES);
      const master = deps.masterKeys.active();
      await repository.insertDataKey({
        id,
        tenantId,
        masterKeyId: master.id,
        wrappedKey: master.secret.use((bytes) =>
          wrapDataKey({ id: master.id, key: bytes }, tenantId, id, key),
        ),
        active: true,
        createdAt: now().toISOString(),
        rewrappedAt: null,
      });
      key.fill(0);
      // Another instance may have made the tenant's key at the same moment: whichever row won is the key.
      row = await repository.findActiveDataKey(tenantId);
      if (!row) throw new AppError('data_key_unavailable', `no active data key for tenant '${tenantId}'`);
    }
    if (repository === deps.repository) {
      activeIds.set(tenantId, { id: row.id, expiresAt: now().getTime() + cacheMs });
    }
    return row.id;
  }

  return {
    async seal(binding, plaintext, repository = deps.repository) {
      const id = await activeKeyId(binding.tenantId, repository);
      const blob = await withKey(binding.tenantId, id, repository, (key) =>
        sealRecord({ id, key }, binding, plaintext),
      );
      return { blob, dataKeyId: id };
    },

    async open(binding, blob, repository = deps.repository) {
      const id = recordKeyId(blob);
      return withKey(binding.tenantId, id, repository, (key) => openRecord(() => key, binding, blob));
    },

    async prepare(tenantId) {
      const id = await activeKeyId(tenantId, deps.repository);
      await withKey(tenantId, id, deps.repository, () => undefined);
    },

    clear() {
      for (const id of [...keys.keys()]) drop(id);
      activeIds.clear();
    },
  };
}

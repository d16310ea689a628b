import { ConfigError } from '../core/errors.js';
import { type Logger, silentLogger } from '../core/logger.js';
import type { Store } from '../store/store.js';
import type { AuditTrail } from './audit-trail.js';
import { MasterKeyUnavailableError } from './crypto/data-keys.js';
import { unwrapDataKey, wrapDataKey } from './crypto/envelope.js';
import { generateMasterKey, type MasterKeyring, masterKeyId, writeKeyFile } from './master-key.js';
import { SYSTEM_TENANT } from './stores/registry.js';

/** What a rotation did, for the CLI to print. */
export interface RotationReport {
  /** The master key that now wraps every data key it could. */
  readonly activeKeyId: string;
  /** A key was generated and put first in master.key (file source). */
  readonly introduced: boolean;
  readonly rewrapped: number;
  /** Data keys whose master key is missing here (they stay as they are; add the key and run again). */
  readonly failed: number;
  /** Data keys per master key after the run. */
  readonly dataKeysByMasterKey: Readonly<Record<string, number>>;
  /** Configured master keys that wrap no data key any more: safe to remove. */
  readonly unusedKeyIds: readonly string[];
}

export interface RotationDeps {
  readonly store: Store;
  readonly masterKeys: MasterKeyring;
  readonly audit: AuditTrail;
  /** Recorded as the audit actor (default `system`). */
  readonly actor?: string;
  readonly logger?: Logger;
  readonly now?: () => Date;
  readonly batchSize?: number;
}

/**
 * Introduces a new master key and rewraps every data key under it, without downtime:
 *
 * - With the key file (`<dataDir>/master.key`), a new key is generated and written first in the
 *   file, the old keys kept after it (they still unwrap). Instances reading the same file pick the
 *   new key up the first time they meet a data key it wraps (`MasterKeyring.get` re-reads the file).
 * - With `INTEGRATIONS_MASTER_KEY`, the operator brings the new key (`new,old`, see README.md § Key
 *   rotation) and this rewraps every data key still under an older key (`generate` is refused).
 *
 * Only the wrapping of each data key changes; the data keys themselves and every sealed secret stay
 * as they are, so a value sealed before, during or after the run keeps decrypting. Each row is
 * swapped only if still wrapped by the key it was read with, so two runs at once are harmless, and
 * a second run finds nothing to do. An audit record is written before (fail closed: no audit, no
 * rotation) and after.
 *
 * @example
 * const report = await rotateMasterKey({ store, masterKeys, audit, actor: 'cli' });
 */
export async function rotateMasterKey(
  deps: RotationDeps,
  options: { generate?: boolean } = {},
): Promise<RotationReport> {
  const logger = deps.logger ?? silentLogger;
  const now = deps.now ?? (() => new Date());
  const batchSize = deps.batchSize ?? 200;
  const generate = options.generate ?? deps.masterKeys.source === 'file';
  const started = performance.now();
  const record = (outcome: string, detail: string) => ({
    tenantId: SYSTEM_TENANT,
    actor: deps.actor ?? 'system',
    integrationId: null,
    purpose: 'admin',
    action: 'rotate_master_key',
    store: null,
    reference: null,
    version: deps.masterKeys.active().id,
    outcome,
    cache: null,
    latencyMs: performance.now() - started,
    fingerprint: null,
    detail,
  });

  if (generate && deps.masterKeys.source !== 'file') {
    throw new ConfigError(
      'the master key comes from INTEGRATIONS_MASTER_KEY: put the new key first (new,old), restart, then rotate',
    );
  }
  await deps.audit.write(
    [record('started', generate ? 'generating a new master key' : 'rewrapping')],
    deps.store.audit,
  );

  let introduced = false;
  if (generate) {
    const path = deps.masterKeys.path!;
    const fresh = generateMasterKey();
    const existing = deps.masterKeys.all().map((key) => key.secret.revealBytes());
    writeKeyFile(path, [fresh, ...existing]);
    for (const bytes of existing) bytes.fill(0);
    deps.masterKeys.reload();
    if (deps.masterKeys.active().id !== masterKeyId(fresh)) {
      throw new ConfigError(`the master key file ${path} changed while the new key was written; run again`);
    }
    fresh.fill(0);
    introduced = true;
    logger.warn({ keyId: deps.masterKeys.active().id, path }, 'new master key written; back up the key file');
  }

  const active = deps.masterKeys.active();
  let rewrapped = 0;
  let failed = 0;
  let afterId: string | null = null;
  for (;;) {
    const batch = await deps.store.secrets.listDataKeysNotWrappedBy(active.id, afterId, batchSize);
    if (batch.length === 0) break;
    for (const row of batch) {
      afterId = row.id;
      const old = deps.masterKeys.get(row.masterKeyId);
      if (!old) {
        failed += 1;
        logger.error(
          { dataKeyId: row.id, masterKeyId: row.masterKeyId },
          new MasterKeyUnavailableError(row.masterKeyId).message,
        );
        continue;
      }
      const key = old.secret.use((bytes) => unwrapDataKey(() => bytes, row.tenantId, row.id, row.wrappedKey));
      const wrappedKey = active.secret.use((bytes) =>
        wrapDataKey({ id: active.id, key: bytes }, row.tenantId, row.id, key),
      );
      key.fill(0);
      const swapped = await deps.store.secrets.rewrapDataKey(row.id, row.masterKeyId, {
        masterKeyId: active.id,
        wrappedKey,
        at: now().toISOString(),
      });
      if (swapped) rewrapped += 1;
    }
  }

  const dataKeysByMasterKey = await deps.store.secrets.countDataKeysByMasterKey();
  const unusedKeyIds = deps.masterKeys
    .all()
    .map((key) => key.id)
    .filter((id) => id !== active.id && !dataKeysByMasterKey[id]);
  await deps.audit.write(
    [
      record(
        failed === 0 ? 'success' : 'error',
        `rewrapped ${rewrapped} data keys to ${active.id}; ${failed} failed`,
      ),
    ],
    deps.store.audit,
  );
  logger.info({ activeKeyId: active.id, rewrapped, failed }, 'master key rotation finished');
  return { activeKeyId: active.id, introduced, rewrapped, failed, dataKeysByMasterKey, unusedKeyIds };
}

/**
 * Removes master keys that wrap no data key from `master.key` (file source), after a rotation.
 * Returns the ids removed. With `INTEGRATIONS_MASTER_KEY`, drop them from the variable instead
 * (`RotationReport.unusedKeyIds` lists them).
 */
export async function retireUnusedMasterKeys(
  deps: Pick<RotationDeps, 'store' | 'masterKeys'>,
): Promise<string[]> {
  if (deps.masterKeys.source !== 'file') {
    throw new ConfigError('the master keys come from INTEGRATIONS_MASTER_KEY: remove unused ones there');
  }
  const used = await deps.store.secrets.countDataKeysByMasterKey();
  const [active, ...rest] = deps.masterKeys.all();
  const keep = rest.filter((key) => used[key.id]);
  const removed = rest.filter((key) => !used[key.id]).map((key) => key.id);
  if (removed.length === 0) return [];
  const bytes = [active!, ...keep].map((key) => key.secret.revealBytes());
  writeKeyFile(deps.masterKeys.path!, bytes);
  for (const key of bytes) key.fill(0);
  deps.masterKeys.reload();
  return removed;
}

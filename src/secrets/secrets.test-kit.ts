import { NotFoundError } from '../core/errors.js';
import type { AuditRecord, AuditRepository } from '../store/audit-repository.js';
import type { AuthRef } from './authref.js';
import { generateMasterKey, loadMasterKeys, type MasterKeyring } from './master-key.js';
import { Secret } from './secret.js';
import type { SecretStore, StoreResult } from './stores/contract.js';
import { selectValue } from './stores/select-value.js';

/** An audit repository in memory: what was appended, and a switch to make appends fail. */
export function memoryAuditRepository(): AuditRepository & { records: AuditRecord[]; failing: boolean } {
  const repository = {
    records: [] as AuditRecord[],
    failing: false,
    async append(records: readonly AuditRecord[]) {
      if (repository.failing) throw new Error('database is down');
      repository.records.push(...records);
    },
    async list() {
      return [...repository.records].reverse();
    },
  };
  return repository;
}

/** A keyring from a fresh random key (environment source). */
export function testMasterKeys(): MasterKeyring {
  return loadMasterKeys({ masterKey: generateMasterKey().toString('base64'), dataDir: '/nonexistent' });
}

/**
 * A store answering from a map of path → JSON text, counting reads; `gate` holds reads until opened,
 * `failWith` makes them throw.
 */
export function fakeStore(name = 'mem', type: SecretStore['type'] = 'vault') {
  const values = new Map<string, { json: string; version: string }>();
  let gate: Promise<void> | undefined;
  let open: (() => void) | undefined;
  const state = {
    reads: 0,
    failWith: undefined as Error | undefined,
    set(path: string, value: unknown, version = '1') {
      values.set(path, { json: JSON.stringify(value), version });
    },
    hold() {
      gate = new Promise<void>((resolve) => {
        open = resolve;
      });
    },
    release() {
      open?.();
      gate = undefined;
    },
    store: {
      name,
      type,
      params: ['version'],
      async resolve(ref: AuthRef): Promise<StoreResult> {
        state.reads += 1;
        if (gate) await gate;
        if (state.failWith) throw state.failWith;
        const found = values.get(ref.path.join('/'));
        if (!found) throw new NotFoundError('secret', ref.canonical);
        return {
          value: selectValue({ content: Secret.from(found.json), format: 'json' }, ref),
          version: found.version,
        };
      },
    } satisfies SecretStore as SecretStore,
  };
  return state;
}

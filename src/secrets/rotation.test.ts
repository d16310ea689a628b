import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testDatabaseTargets } from '../../test/support/databases.js';
import { testHttpClient } from '../../test/support/http.js';
import { ConfigError } from '../core/errors.js';
import type { Database } from '../store/database.js';
import { createStore, type Store } from '../store/store.js';
import { generateMasterKey, loadMasterKeys, MASTER_KEY_FILE, masterKeyId } from './master-key.js';
import { retireUnusedMasterKeys } from './rotation.js';
import type { Secret } from './secret.js';
import { createSecrets, type SecretsConfig, type SecretsInternals } from './secrets.js';

const targets = await testDatabaseTargets();
const TENANTS = ['acme', 'globex', 'initech'];
const reveal = (value: unknown) => (value as Secret).reveal();
const ctx = (tenantId: string) => ({
  tenantId,
  actor: 'system',
  integrationId: null,
  purpose: 'health' as const,
});

describe.each(targets)('master key rotation on $dialect', (target) => {
  let database: Database;
  let store: Store;
  let dispose: () => Promise<void>;
  const dirs: string[] = [];

  beforeAll(async () => {
    if (!target.available) return;
    ({ database, dispose } = await openTestDatabase(target));
    store = createStore(database);
  });
  afterAll(async () => {
    await dispose?.();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  function service(config: Partial<SecretsConfig>, clock?: () => Date): SecretsInternals {
    return createSecrets(
      {
        dataDir: '',
        masterKey: null,
        secretStores: [],
        secretCacheTtlSeconds: 300,
        secretStaleSeconds: 600,
        ...config,
      },
      { store, http: testHttpClient(), now: clock },
    );
  }

  /** Several tenants, several secrets each, some with several versions. */
  async function seed(secrets: SecretsInternals, prefix: string) {
    const written: { tenantId: string; authRef: string; value: string }[] = [];
    for (const tenant of TENANTS) {
      const tenantId = `${prefix}-${tenant}`;
      for (let i = 0; i < 3; i++) {
        const value = `${tenantId}-secret-${i}`;
        const { authRef, id } = await secrets.local.put(tenantId, 'token:test', null, `${value}-old`);
        await secrets.local.replace(tenantId, 'token:test', id, value);
        written.push({ tenantId, authRef, value });
      }
    }
    return written;
  }

  async function expectAllReadable(secrets: SecretsInternals, written: Awaited<ReturnType<typeof seed>>) {
    secrets.resolver.clear();
    secrets.dataKeys.clear();
    for (const { tenantId, authRef, value } of written) {
      expect(reveal((await secrets.resolver.resolve(authRef, ctx(tenantId))).value)).toBe(value);
      expect(reveal((await secrets.resolver.resolve(`${authRef}?version=1`, ctx(tenantId))).value)).toBe(
        `${value}-old`,
      );
    }
  }

  it.skipIf(!target.available)(
    'key file: adds a new key, rewraps every data key, old ciphertexts keep decrypting',
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'rotation-file-'));
      dirs.push(dataDir);
      let clock = Date.parse('2026-04-01T00:00:00Z');
      // The running service: loaded before the rotation, its key file changes under it.
      const running = service({ dataDir }, () => new Date(clock));
      const oldKeyId = running.masterKeys.active().id;
      const written = await seed(running, 'file');

      // The CLI: another process, same data directory and database.
      const cli = service({ dataDir });
      const report = await cli.rotateMasterKey({ actor: 'cli' });

      expect(report.introduced).toBe(true);
      expect(report.activeKeyId).not.toBe(oldKeyId);
      expect(report.rewrapped).toBe(TENANTS.length);
      expect(report.failed).toBe(0);
      expect(report.unusedKeyIds).toEqual([oldKeyId]);
      const rows = await database.db
        .selectFrom('data_keys')
        .select(['tenant_id', 'master_key_id', 'wrapped_key'])
        .where('tenant_id', 'like', 'file-%')
        .execute();
      expect(
        rows.every(
          (row) =>
            row.master_key_id === report.activeKeyId &&
            row.wrapped_key.startsWith(`w1.${report.activeKeyId}.`),
        ),
      ).toBe(true);
      expect(
        readFileSync(join(dataDir, MASTER_KEY_FILE), 'utf8')
          .trim()
          .split('\n')
          .filter((l) => !l.startsWith('#')),
      ).toHaveLength(2);

      // The running service reads everything, finds the new key in the file, and starts using it.
      clock += 11_000;
      await expectAllReadable(running, written);
      expect(running.masterKeys.active().id).toBe(report.activeKeyId);
      const late = await running.local.put('file-late', 'token:test', null, 'after rotation');
      const lateKey = await store.secrets.findActiveDataKey('file-late');
      expect(lateKey?.masterKeyId).toBe(report.activeKeyId);

      // Without the old key at all, everything still opens: every data key was rewrapped.
      expect(await retireUnusedMasterKeys({ store, masterKeys: cli.masterKeys })).toEqual([oldKeyId]);
      const fresh = service({ dataDir });
      expect(fresh.masterKeys.all().map((key) => key.id)).toEqual([report.activeKeyId]);
      await expectAllReadable(fresh, written);
      expect(reveal((await fresh.resolver.resolve(late.authRef, ctx('file-late'))).value)).toBe(
        'after rotation',
      );

      // A second run has nothing to do.
      const again = await fresh.rotateMasterKey({ generate: false });
      expect(again.rewrapped).toBe(0);
      await Promise.all([running.close(), cli.close(), fresh.close()]);
    },
  );

  it.skipIf(!target.available)(
    'environment: new,old rewraps everything to the new key; writes during the run stay readable',
    async () => {
      const [oldKey, newKey] = [generateMasterKey(), generateMasterKey()];
      const before = service({ masterKey: oldKey.toString('base64') });
      const written = await seed(before, 'env');

      const after = service({ masterKey: `${newKey.toString('base64')},${oldKey.toString('base64')}` });
      const [report, concurrent] = await Promise.all([
        after.rotateMasterKey({ actor: 'cli' }),
        Promise.all(
          TENANTS.map((tenant) =>
            after.local.put(`env-${tenant}`, 'token:test', null, 'written during rotation'),
          ),
        ),
      ]);

      expect(report.introduced).toBe(false);
      expect(report.activeKeyId).toBe(masterKeyId(newKey));
      expect(report.rewrapped).toBe(TENANTS.length);
      expect(report.unusedKeyIds).toEqual([masterKeyId(oldKey)]);
      const onlyNew = service({ masterKey: newKey.toString('base64') });
      await expectAllReadable(onlyNew, written);
      for (const [index, tenant] of TENANTS.entries()) {
        const value = await onlyNew.resolver.resolve(concurrent[index]!.authRef, ctx(`env-${tenant}`));
        expect(reveal(value.value)).toBe('written during rotation');
      }
      await expect(after.rotateMasterKey({ generate: true })).rejects.toBeInstanceOf(ConfigError);
      const audit = await store.audit.list(
        { tenantId: 'system', action: 'rotate_master_key' },
        { limit: 20 },
      );
      expect(audit.some((r) => r.outcome === 'started') && audit.some((r) => r.outcome === 'success')).toBe(
        true,
      );
      await Promise.all([before.close(), after.close(), onlyNew.close()]);
    },
  );

  it.skipIf(!target.available)(
    'reports data keys whose master key is missing instead of failing the run',
    async () => {
      const [lost, kept] = [generateMasterKey(), generateMasterKey()];
      const orphaned = service({ masterKey: lost.toString('base64') });
      await orphaned.local.put('orphan-tenant', 'token:test', null, 'x');

      const report = await service({ masterKey: kept.toString('base64') }).rotateMasterKey();

      expect(report.failed).toBeGreaterThanOrEqual(1);
      expect(report.dataKeysByMasterKey[masterKeyId(lost)]).toBe(1);
      await orphaned.close();
    },
  );

  it.skipIf(!target.available)(
    'a keyring without the key a data key names says which key is missing',
    async () => {
      const [a, b] = [generateMasterKey(), generateMasterKey()];
      const writer = service({ masterKey: a.toString('base64') });
      const { authRef } = await writer.local.put('missing-key-tenant', 'token:test', null, 'x');

      const reader = service({ masterKey: b.toString('base64') });
      const error = await reader.resolver
        .resolve(authRef, ctx('missing-key-tenant'))
        .catch((e: unknown) => e);

      expect((error as Error).message).toContain(
        `master key ${masterKeyId(a)}, which is not configured here`,
      );
      expect(
        loadMasterKeys({ masterKey: b.toString('base64'), dataDir: '' }).get(masterKeyId(a)),
      ).toBeUndefined();
      await Promise.all([writer.close(), reader.close()]);
    },
  );
});

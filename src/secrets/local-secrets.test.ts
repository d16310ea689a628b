import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testDatabaseTargets } from '../../test/support/databases.js';
import { testHttpClient } from '../../test/support/http.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../core/errors.js';
import type { Database } from '../store/database.js';
import { createStore, type Store } from '../store/store.js';
import { DecryptionError } from './crypto/envelope.js';
import type { ResolveContext } from './resolver.js';
import { type Secret, SecretBundle } from './secret.js';
import { createSecrets, type SecretsInternals } from './secrets.js';

const targets = await testDatabaseTargets();
const PLANTED = 'glpat-PLANTED-local-5d1f0a';
/** A PEM as it often arrives from a one-line form field: literal `\\n` instead of line breaks. */
const PLANTED_KEY = '-----BEGIN PRIVATE KEY-----\\nPLANTEDKEY\\n-----END PRIVATE KEY-----';

const ctx = (tenantId: string): ResolveContext => ({
  tenantId,
  actor: 'token:test',
  integrationId: null,
  purpose: 'test',
});
const reveal = (value: unknown) => (value as Secret).reveal();

describe.each(targets)('local secrets on $dialect', (target) => {
  let database: Database;
  let store: Store;
  let secrets: SecretsInternals;
  let dataDir: string;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    if (!target.available) return;
    ({ database, dispose } = await openTestDatabase(target));
    store = createStore(database);
    dataDir = mkdtempSync(join(tmpdir(), 'local-secrets-'));
    secrets = createSecrets(
      { dataDir, masterKey: null, secretStores: [], secretCacheTtlSeconds: 300, secretStaleSeconds: 600 },
      { store, http: testHttpClient() },
    );
  });
  afterAll(async () => {
    await secrets?.close();
    await dispose?.();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function audit(tenantId: string) {
    await secrets.audit.flush();
    return (await store.audit.list({ tenantId }, { limit: 100 })).reverse();
  }

  it.skipIf(!target.available)(
    'stores a string and hands back authref://local/<id>, which resolves to it',
    async () => {
      const { authRef, id, version } = await secrets.local.put('acme', 'token:test', 'gitlab-bot', PLANTED);

      const resolved = await secrets.resolver.resolve(authRef, ctx('acme'));

      expect(authRef).toBe(`authref://local/${id}`);
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(version).toBe(1);
      expect(reveal(resolved.value)).toBe(PLANTED);
      expect(resolved.version).toBe('1');
    },
  );

  it.skipIf(!target.available)(
    'stores an object of named strings: a bundle, or one field with #key',
    async () => {
      const { authRef } = await secrets.local.put('acme', 'token:test', null, {
        appId: '42',
        privateKey: PLANTED_KEY,
      });

      const whole = await secrets.resolver.resolve(authRef, ctx('acme'));
      const field = await secrets.resolver.resolve(`${authRef}?encoding=pem#privateKey`, ctx('acme'));

      expect(whole.value).toBeInstanceOf(SecretBundle);
      expect((whole.value as SecretBundle).require('appId').reveal()).toBe('42');
      expect(reveal(field.value)).toBe(
        '-----BEGIN PRIVATE KEY-----\nPLANTEDKEY\n-----END PRIVATE KEY-----\n',
      );
    },
  );

  it.skipIf(!target.available)(
    'keeps only ciphertext: no table and no database file holds the value',
    async () => {
      await secrets.local.put('acme', 'token:test', null, { token: PLANTED, privateKey: PLANTED_KEY });

      const tables = ['data_keys', 'secrets', 'secret_versions', 'audit_log'];
      for (const table of tables) {
        const rows = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(
          database.db,
        );
        const text = JSON.stringify(rows.rows);
        expect(text).not.toContain('PLANTED');
        expect(text).not.toContain(Buffer.from(PLANTED).toString('base64'));
      }
      if (target.dialect === 'sqlite') {
        const file = database.location;
        for (const path of [file, `${file}-wal`]) {
          if (existsSync(path)) expect(readFileSync(path).includes(Buffer.from('PLANTED'))).toBe(false);
        }
      }
    },
  );

  it.skipIf(!target.available)(
    'replace makes a new version; the floating reference follows at once, pinned ones stay',
    async () => {
      const { authRef, id } = await secrets.local.put('acme', 'token:test', null, 'first');
      await secrets.resolver.resolve(authRef, ctx('acme'));

      const replaced = await secrets.local.replace('acme', 'token:test', id, 'second');
      const floating = await secrets.resolver.resolve(authRef, ctx('acme'));
      const pinned = await secrets.resolver.resolve(`${authRef}?version=1`, ctx('acme'));

      expect(replaced).toEqual({ authRef, id, version: 2 });
      expect([reveal(floating.value), floating.version]).toEqual(['second', '2']);
      expect([reveal(pinned.value), pinned.version]).toEqual(['first', '1']);
    },
  );

  it.skipIf(!target.available)('keeps the newest 10 versions', async () => {
    const { authRef, id } = await secrets.local.put('acme', 'token:test', null, 'v1');
    for (let i = 2; i <= 12; i++) await secrets.local.replace('acme', 'token:test', id, `v${i}`);

    const oldest = await secrets.resolver.resolve(`${authRef}?version=3`, ctx('acme'));
    const pruned = await secrets.resolver
      .resolve(`${authRef}?version=2`, ctx('acme'))
      .catch((e: unknown) => e);

    expect(reveal(oldest.value)).toBe('v3');
    expect(pruned).toBeInstanceOf(NotFoundError);
  });

  it.skipIf(!target.available)('delete removes the secret; later reads and writes find nothing', async () => {
    const { authRef, id } = await secrets.local.put('acme', 'token:test', null, PLANTED);
    await secrets.resolver.resolve(authRef, ctx('acme'));

    await secrets.local.delete('acme', 'token:test', id);

    await expect(secrets.resolver.resolve(authRef, ctx('acme'))).rejects.toBeInstanceOf(NotFoundError);
    await expect(secrets.local.replace('acme', 'token:test', id, 'x')).rejects.toBeInstanceOf(NotFoundError);
    await expect(secrets.local.delete('acme', 'token:test', id)).rejects.toBeInstanceOf(NotFoundError);
    const rows = await database.db
      .selectFrom('secret_versions')
      .select('version')
      .where('secret_id', '=', id)
      .execute();
    expect(rows).toEqual([]);
  });

  it.skipIf(!target.available)(
    'audits create, replace and delete with fingerprints, and refused writes too',
    async () => {
      const { authRef, id } = await secrets.local.put('audited', 'token:alice', 'audited-secret', PLANTED);
      await secrets.local.replace('audited', 'token:alice', id, `${PLANTED}-2`);
      await secrets.local.delete('audited', 'token:alice', id);
      await secrets.local.replace('audited', 'token:alice', id, 'again').catch(() => undefined);

      const records = await audit('audited');

      expect(records.map((r) => [r.action, r.outcome, r.reference, r.version])).toEqual([
        ['create', 'success', authRef, '1'],
        ['replace', 'success', authRef, '2'],
        ['delete', 'success', authRef, null],
        ['replace', 'not_found', authRef, null],
      ]);
      expect(records[0]).toMatchObject({ actor: 'token:alice', purpose: 'api', store: 'local' });
      expect(records[0]?.fingerprint).toMatch(/^[0-9a-f]{8}:[0-9a-f]{32}$/);
      expect(records[1]?.fingerprint).not.toBe(records[0]?.fingerprint);
      expect(JSON.stringify(records)).not.toContain('PLANTED');
    },
  );

  it.skipIf(!target.available)('keeps tenants apart: another tenant’s id is not found', async () => {
    const { authRef, id } = await secrets.local.put('acme', 'token:test', null, PLANTED);

    const read = await secrets.resolver.resolve(authRef, ctx('intruder')).catch((e: unknown) => e);
    const write = await secrets.local.replace('intruder', 'token:x', id, 'mine').catch((e: unknown) => e);

    expect(read).toBeInstanceOf(NotFoundError);
    expect((read as Error).message).toBe(`secret '${authRef}' was not found`);
    expect(write).toBeInstanceOf(NotFoundError);
  });

  it.skipIf(!target.available)('refuses a sealed value moved to another row', async () => {
    const a = await secrets.local.put('acme', 'token:test', null, PLANTED);
    const b = await secrets.local.put('acme', 'token:test', null, 'other value');
    const blob = await database.db
      .selectFrom('secret_versions')
      .select('blob')
      .where('secret_id', '=', a.id)
      .executeTakeFirstOrThrow();

    await database.db
      .updateTable('secret_versions')
      .set({ blob: blob.blob })
      .where('secret_id', '=', b.id)
      .execute();
    secrets.resolver.clear();

    await expect(secrets.resolver.resolve(b.authRef, ctx('acme'))).rejects.toBeInstanceOf(DecryptionError);
  });

  it.skipIf(!target.available)('names are unique per tenant among live secrets', async () => {
    const first = await secrets.local.put('named', 'token:test', 'registry-robot', 'a');

    const duplicate = await secrets.local
      .put('named', 'token:test', 'registry-robot', 'b')
      .catch((e: unknown) => e);
    const elsewhere = await secrets.local.put('named-too', 'token:test', 'registry-robot', 'c');
    await secrets.local.delete('named', 'token:test', first.id);
    const reused = await secrets.local.put('named', 'token:test', 'registry-robot', 'd');

    expect(duplicate).toBeInstanceOf(ConflictError);
    expect(elsewhere.id).not.toBe(first.id);
    expect(reused.id).not.toBe(first.id);
  });

  it.skipIf(!target.available)(
    'writes through the caller’s transaction: a rollback leaves no secret and no audit record',
    async () => {
      const failed = await store
        .transaction(async (tx) => {
          await secrets.local.put('rolled-back', 'token:test', 'inline', PLANTED, {
            tx,
            integrationId: 'int-9',
          });
          throw new Error('the integration insert failed');
        })
        .catch((e: unknown) => e);

      expect((failed as Error).message).toBe('the integration insert failed');
      expect(await store.secrets.list('rolled-back', { limit: 10 })).toEqual([]);
      expect(await store.secrets.findActiveDataKey('rolled-back')).toBeUndefined();
      expect((await audit('rolled-back')).filter((r) => r.outcome === 'success')).toEqual([]);
      const after = await secrets.local.put('rolled-back', 'token:test', 'inline', PLANTED);
      expect(reveal((await secrets.resolver.resolve(after.authRef, ctx('rolled-back'))).value)).toBe(PLANTED);
    },
  );

  it.skipIf(!target.available)('commits with the caller’s transaction', async () => {
    const ref = await store.transaction((tx) =>
      secrets.local.put('committed', 'token:test', null, { token: PLANTED }, { tx, integrationId: 'int-7' }),
    );

    const records = await audit('committed');

    expect(reveal((await secrets.resolver.resolve(`${ref.authRef}#token`, ctx('committed'))).value)).toBe(
      PLANTED,
    );
    expect(records.map((r) => [r.action, r.integrationId])).toEqual([['create', 'int-7']]);
  });

  it.skipIf(!target.available)('makes one data key per tenant even when the first writes race', async () => {
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => secrets.local.put('racing', 'token:test', null, `v${i}`)),
    );

    const keys = await database.db
      .selectFrom('data_keys')
      .select('id')
      .where('tenant_id', '=', 'racing')
      .execute();

    expect(keys).toHaveLength(1);
  });

  it.skipIf(!target.available)('refuses malformed values without repeating them', async () => {
    const cases: unknown[] = [
      '',
      [],
      { '': 'x' },
      { token: '' },
      { token: 42 },
      { nested: { a: PLANTED } },
      'x'.repeat(70_000),
    ];

    for (const value of cases) {
      const error = await secrets.local
        .put('acme', 'token:test', null, value as string)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect(
        JSON.stringify({ m: (error as Error).message, d: (error as InvalidInputError).details }),
      ).not.toContain('PLANTED');
    }
    await expect(secrets.local.put('acme', 'token:test', '../etc', 'x')).rejects.toThrow(/\/name must be/);
  });
});

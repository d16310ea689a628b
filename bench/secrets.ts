/**
 * Credentials benchmark: resolutions per second from the resolver's cache and cold from the `local`
 * store on SQLite, each against a bare AES-256-GCM open of the same plaintext size measured in the
 * same run. Run with `npm run bench:secrets`; see bench/README.md for the knobs and how to read it.
 *
 * Every resolution goes through the real path: parse and canonicalise the reference, authorise the
 * store, cache lookup (or singleflight fetch), audit record (queued, written in batches to SQLite;
 * the time to write the last batch is counted).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, platform, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEgressPolicy, createHttpClient } from '../src/net/index.js';
import { createSecrets, type SecretsInternals } from '../src/secrets/secrets.js';
import { type Database, openDatabase } from '../src/store/database.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { createStore } from '../src/store/store.js';

const DURATION_S = positiveNumber('BENCH_DURATION', 3);
const SECRETS = positiveNumber('BENCH_SECRETS', 1000);
/** Plaintext sizes measured, in bytes of the value (the sealed JSON is 2 bytes longer). */
const SIZES = (process.env.BENCH_SIZES ?? '64,2048').split(',').map((text) => {
  const size = Number(text.trim());
  if (!Number.isInteger(size) || size <= 0)
    throw new Error(`BENCH_SIZES must list positive integers, not '${text}'`);
  return size;
});
const TENANT = 'bench';
const ctx = { tenantId: TENANT, actor: 'system', integrationId: null, purpose: 'health' as const };

function positiveNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} must be a positive number, not '${raw}'`);
  return value;
}

interface Measured {
  readonly ops: number;
  readonly seconds: number;
  readonly perSecond: number;
}

/** Runs `step` back to back for DURATION_S (after a short warm-up), then `settle` once, timed. */
async function measure(
  step: (i: number) => unknown,
  settle: () => Promise<void> = async () => {},
): Promise<Measured> {
  const warmUntil = performance.now() + 300;
  for (let i = 0; performance.now() < warmUntil; i++) await step(i);
  await settle();
  const started = performance.now();
  const until = started + DURATION_S * 1000;
  let ops = 0;
  while (performance.now() < until) {
    for (let j = 0; j < 64; j++) await step(ops++);
  }
  await settle();
  const seconds = (performance.now() - started) / 1000;
  return { ops, seconds, perSecond: ops / seconds };
}

/** The floor: AES-256-GCM open (decipher, AAD, tag, final) of `size` bytes, nothing else. */
function bareOpen(size: number): (i: number) => void {
  const key = randomBytes(32);
  const nonce = randomBytes(12);
  const aad = Buffer.from(`authref:v1|t=${TENANT}|r=0193a7b2-5c1e-7a3f-8d21-6b0c4e9f1a2d|v=1|k=x`);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 });
  cipher.setAAD(aad);
  const sealed = Buffer.concat([cipher.update(randomBytes(size)), cipher.final()]);
  const tag = cipher.getAuthTag();
  return () => {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    decipher.update(sealed);
    decipher.final();
  };
}

async function service(
  dataDir: string,
  ttlSeconds: number,
): Promise<{ secrets: SecretsInternals; database: Database; close(): Promise<void> }> {
  const database = openDatabase({ url: null, dataDir });
  await migrateToLatest(database);
  const http = createHttpClient({
    policy: createEgressPolicy({ allowPrivateNetworks: false, allowlist: [] }),
  });
  const secrets = createSecrets(
    { dataDir, masterKey: null, secretStores: [], secretCacheTtlSeconds: ttlSeconds, secretStaleSeconds: 0 },
    { store: createStore(database), http },
  );
  return {
    secrets,
    database,
    async close() {
      await secrets.close();
      await http.close();
      await database.close();
    },
  };
}

/** Audit rows in the database (every resolution above wrote one). */
async function auditRows(database: Database): Promise<number> {
  const row = await database.db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

function row(name: string, result: Measured, floor: Measured): string {
  const ratio = result.perSecond / floor.perSecond;
  return `  ${name.padEnd(44)} ${Math.round(result.perSecond).toLocaleString('en').padStart(12)} /s   ${ratio.toFixed(3).padStart(7)} × bare   ${(1e6 / result.perSecond).toFixed(1).padStart(8)} µs/op`;
}

async function main(): Promise<void> {
  console.log(
    'Credentials benchmark (resolutions per second; ratio to a bare AES-256-GCM open of the same size)',
  );
  console.log(
    `  node ${process.version}, ${platform()} ${release()}, ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}`,
  );
  console.log(
    `  ${SECRETS} secrets in the local store (SQLite), ${DURATION_S} s per scenario, one caller awaiting each resolution`,
  );
  console.log('');
  const dataDir = mkdtempSync(join(tmpdir(), 'integrations-bench-secrets-'));
  try {
    const cached = await service(dataDir, 300);
    const cold = await service(dataDir, 0);
    try {
      for (const size of SIZES) {
        const value = 'x'.repeat(size);
        const refs: string[] = [];
        for (let i = 0; i < SECRETS; i++) {
          refs.push((await cached.secrets.local.put(TENANT, 'bench', null, value)).authRef);
        }
        const floor = await measure(bareOpen(size + 2));
        const hit = await measure(
          (i) => cached.secrets.resolver.resolve(refs[i % refs.length]!, ctx).then((r) => r.value.dispose()),
          () => cached.secrets.audit.flush(),
        );
        const miss = await measure(
          (i) => cold.secrets.resolver.resolve(refs[i % refs.length]!, ctx).then((r) => r.value.dispose()),
          () => cold.secrets.audit.flush(),
        );
        const unwrapEvery = await measure(
          (i) => {
            cold.secrets.dataKeys.clear();
            return cold.secrets.resolver.resolve(refs[i % refs.length]!, ctx).then((r) => r.value.dispose());
          },
          () => cold.secrets.audit.flush(),
        );
        console.log(`value of ${size} bytes`);
        console.log(row('bare AES-256-GCM open (floor)', floor, floor));
        console.log(row('resolve from the cache', hit, floor));
        console.log(row('resolve cold from local (data key cached)', miss, floor));
        console.log(row('resolve cold from local, data key unwrapped', unwrapEvery, floor));
        const dropped = cached.secrets.audit.dropped() + cold.secrets.audit.dropped();
        await Promise.all([cached.secrets.audit.flush(), cold.secrets.audit.flush()]);
        const written = await auditRows(cached.database);
        console.log(`  audit records written so far: ${written.toLocaleString('en')}, dropped: ${dropped}`);
        console.log('');
      }
    } finally {
      await cached.close();
      await cold.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();

/**
 * HTTP API benchmark: the real service on SQLite and on PostgreSQL, against a bare Fastify route in the
 * same process. Run with `npm run bench:api`; see bench/README.md for the knobs and how to read the table.
 *
 * The load generator (autocannon) runs in a worker thread of this process, so that it does not share
 * the servers' event loop: on the main thread it would slow the bare route as much as the service and
 * squeeze every ratio towards 1.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventLoopUtilization } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import pg from 'pg';
import { type App, createApp } from '../src/app.js';
import { encodePageToken } from '../src/catalog/page-token.js';
import { loadConfig } from '../src/config/load-config.js';
import { createIdGenerator } from '../src/core/ids.js';
import type { Integration } from '../src/core/integration.js';
import { createLogger } from '../src/observability/logger.js';
import { createPostgresSchema, TEST_POSTGRES_URL } from '../test/support/services.js';
import { loadLine, machineLine, mainThreadCpuMs } from './support/machine.js';

// ---------------------------------------------------------------------------------------------------
// Settings (environment)

const DURATION_S = numberSetting('BENCH_DURATION', 10, { min: 1 });
const WARMUP_S = numberSetting('BENCH_WARMUP', 2, { min: 0 });
/**
 * The measured seconds of each scenario are split into this many slices, run in turns (bare, healthz,
 * by-id, list, bare, …), so that a machine that speeds up or slows down during the run moves every
 * scenario alike instead of skewing the ratios.
 */
const ROUNDS = numberSetting('BENCH_ROUNDS', 5, { min: 1, integer: true });
const CONNECTIONS = numberSetting('BENCH_CONNECTIONS', 10, { min: 1, integer: true });
const PIPELINING = numberSetting('BENCH_PIPELINING', 1, { min: 1, integer: true });
const SEED_COUNT = numberSetting('BENCH_SEED', 10_000, { min: 100, integer: true });
const SEED_BATCH = 500;
/** Which databases to run, e.g. BENCH_DATABASES=sqlite. */
const DATABASES = databasesSetting(process.env.BENCH_DATABASES ?? 'sqlite,postgres');
const PAGE_SIZE = 50;
/** Different list pages the list scenario rotates over (the first page plus this many later ones). */
const LIST_PAGES = 20;
const TARGET_RATIO = 0.5;
const ADMIN_TOKEN = `intg_${'b'.repeat(43)}`;
const TENANT = 'default';

function numberSetting(name: string, fallback: number, rule: { min: number; integer?: boolean }): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < rule.min || (rule.integer && !Number.isInteger(value))) {
    const kind = rule.integer ? 'an integer' : 'a number';
    throw new Error(`${name} must be ${kind} of at least ${rule.min}, not '${raw}'`);
  }
  return value;
}

function databasesSetting(raw: string): ('sqlite' | 'postgres')[] {
  const names = raw.split(',').map((name) => name.trim());
  for (const name of names) {
    if (name !== 'sqlite' && name !== 'postgres')
      throw new Error(`BENCH_DATABASES names sqlite and/or postgres, not '${name}'`);
  }
  return names as ('sqlite' | 'postgres')[];
}

// ---------------------------------------------------------------------------------------------------
// Load generator: runs in a worker thread, one scenario at a time.

/** One load run as the main thread describes it to the worker. */
interface LoadSpec {
  readonly url: string;
  readonly headers: Record<string, string>;
  /** Paths to pick from for every request. */
  readonly paths: readonly string[];
  /** `random`, or `in turn` (the warm-up: every path once before any twice). */
  readonly order: 'random' | 'in turn';
  readonly durationS: number;
  /** A number of requests to send instead of running for `durationS`. */
  readonly amount?: number;
  readonly connections: number;
  readonly pipelining: number;
}

/** What one load run gives back. */
interface LoadResult {
  readonly requests: number;
  readonly durationS: number;
  /** Exact response times of the 2xx responses, in milliseconds. */
  readonly latencies: Float64Array;
  /** Bytes of the 2xx responses, headers included. */
  readonly bytes: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly statusCodes: Record<string, number>;
}

/** The fields of autocannon's result as a worker thread receives it (see autocannon/lib/run.js). */
interface RawResult {
  readonly totalCompletedRequests: number;
  readonly duration: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly statusCodeStats: Record<string, { count: number }>;
}

function runAutocannon(spec: LoadSpec): Promise<LoadResult> {
  const { paths } = spec;
  let next = 0;
  const pick =
    spec.order === 'random'
      ? () => paths[Math.floor(Math.random() * paths.length)]!
      : () => paths[next++ % paths.length]!;
  const latencies: number[] = [];
  let bytes = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        pipelining: spec.pipelining,
        ...(spec.amount === undefined ? { duration: spec.durationS } : { amount: spec.amount }),
        headers: spec.headers,
        requests: [
          {
            method: 'GET',
            setupRequest: (request) => {
              request.path = pick();
              return request;
            },
          },
        ],
      },
      (error, aggregated) => {
        if (error) return reject(error);
        // Off the main thread autocannon hands back its raw, unaggregated result.
        const result = aggregated as unknown as RawResult;
        const statusCodes: Record<string, number> = {};
        for (const [code, stats] of Object.entries(result.statusCodeStats)) statusCodes[code] = stats.count;
        resolve({
          requests: result.totalCompletedRequests,
          durationS: result.duration,
          // autocannon's own latency histogram keeps whole milliseconds only; these are exact.
          latencies: Float64Array.from(latencies),
          bytes,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          statusCodes,
        });
      },
    );
    instance.on('response', (_client, statusCode, resBytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) {
        latencies.push(responseTime);
        bytes += resBytes;
      }
    });
  });
}

/** Adds up the slices of one scenario. */
function combine(slices: readonly Slice[]): Measured {
  const sum = (pick: (slice: Slice) => number) => slices.reduce((total, slice) => total + pick(slice), 0);
  const requests = sum((slice) => slice.requests);
  const durationS = sum((slice) => slice.durationS);
  const latencies = new Float64Array(sum((slice) => slice.latencies.length));
  let offset = 0;
  for (const slice of slices) {
    latencies.set(slice.latencies, offset);
    offset += slice.latencies.length;
  }
  latencies.sort();
  const statusCodes: Record<string, number> = {};
  for (const slice of slices) {
    for (const [code, count] of Object.entries(slice.statusCodes))
      statusCodes[code] = (statusCodes[code] ?? 0) + count;
  }
  const active = sum((slice) => slice.busy.active);
  const cpuMs = slices.some((slice) => slice.cpuMs === undefined) ? Number.NaN : sum((slice) => slice.cpuMs!);
  const idle = sum((slice) => slice.busy.idle);
  return {
    requests,
    durationS,
    reqPerSec: requests / durationS,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    non2xx: sum((slice) => slice.non2xx),
    errors: sum((slice) => slice.errors),
    timeouts: sum((slice) => slice.timeouts),
    statusCodes,
    bytesPerResponse: latencies.length ? Math.round(sum((slice) => slice.bytes) / latencies.length) : 0,
    serverBusy: active / (active + idle),
    serverUsPerRequest: requests > 0 ? (active * 1000) / requests : Number.NaN,
    serverCpuUsPerRequest: requests > 0 ? (cpuMs * 1000) / requests : Number.NaN,
  };
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}

// ---------------------------------------------------------------------------------------------------
// Main thread: servers, seeding, scenarios and the report.

/** A load result with how busy the servers' thread (this main thread) was meanwhile. */
interface Slice extends LoadResult {
  /** Event-loop utilisation of the main thread (where the servers run) meanwhile. */
  readonly busy: EventLoopUtilization;
  /** CPU time of the main thread meanwhile, in milliseconds (undefined off Linux). */
  readonly cpuMs: number | undefined;
}

/** A scenario's slices added up. */
interface Measured {
  readonly requests: number;
  readonly durationS: number;
  readonly reqPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly statusCodes: Record<string, number>;
  readonly bytesPerResponse: number;
  /** Event-loop utilisation of the main thread during the measured slices, 0 to 1. */
  readonly serverBusy: number;
  /** Main-thread busy time per completed request, in microseconds. */
  readonly serverUsPerRequest: number;
  /** Main-thread CPU time per completed request, in microseconds (NaN off Linux). */
  readonly serverCpuUsPerRequest: number;
}

interface LoadGenerator {
  run(spec: LoadSpec): Promise<Slice>;
  close(): Promise<void>;
}

/** Starts the worker thread and waits until it can take work. */
async function startLoadGenerator(): Promise<LoadGenerator> {
  // A worker thread does not inherit tsx's loader on Node 20: register tsx there, then import this file.
  const entry = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}); })`;
  const worker = new Worker(entry, { eval: true });
  let failure: Error | undefined;
  let pending: ((error: Error) => void) | undefined;
  worker.on('error', (error) => {
    failure = error;
    pending?.(error);
  });
  type Reply = { ok: true; result: LoadResult } | { ok: false; message: string };
  await new Promise<void>((resolve, reject) => {
    pending = reject;
    worker.once('message', () => resolve());
  });
  return {
    run(spec) {
      return new Promise((resolve, reject) => {
        if (failure) return reject(failure);
        pending = reject;
        const start = performance.eventLoopUtilization();
        const startCpu = mainThreadCpuMs();
        const onMessage = (message: Reply) => {
          worker.off('message', onMessage);
          pending = undefined;
          if (!message.ok) return reject(new Error(`load generator failed: ${message.message}`));
          const busy = performance.eventLoopUtilization(start);
          const endCpu = mainThreadCpuMs();
          const cpuMs = startCpu === undefined || endCpu === undefined ? undefined : endCpu - startCpu;
          resolve({ ...message.result, busy, cpuMs });
        };
        worker.on('message', onMessage);
        worker.postMessage(spec);
      });
    },
    async close() {
      await worker.terminate();
    },
  };
}

type ScenarioKey = 'bare' | 'healthz' | 'by-id' | 'list';

interface ScenarioRow {
  readonly key: ScenarioKey;
  readonly scenario: string;
  readonly result: Measured;
}

interface DatabaseReport {
  readonly database: 'sqlite' | 'postgres';
  readonly seedMs?: number;
  readonly rows?: ScenarioRow[];
  readonly skipped?: string;
  readonly failed?: string;
}

/** What a seeded integration varies on: name, endpoint, credentials reference and tags. */
function seedInput(index: number) {
  const n = String(index).padStart(5, '0');
  return {
    name: `bench-scm-${n}`,
    type: 'scm' as const,
    provider: 'in_memory',
    endpoint: `https://scm.bench.example.com/org-${index % 100}/repo-${n}`,
    authRef: `authref://local/01890a5d-ac96-774b-bcce-${String(n).padStart(12, '0')}`,
    tags: ['bench', `shard-${index % 16}`],
    owner: 'team-bench',
  };
}

/**
 * The bare route's fixed body: the shape and about the size of one seeded integration as the API
 * returns it (the table's bytes column shows both sizes).
 */
const BARE_BODY = {
  id: '0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b',
  tenantId: TENANT,
  ...seedInput(0),
  config: { health: 'healthy', delayMs: 0, scmFailure: 'none', images: [] },
  enabled: true,
  status: 'pending',
  health: { status: 'unknown', checkedAt: null, latencyMs: null, message: null },
  pollIntervalSeconds: null,
  version: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  createdBy: 'token:bench',
  updatedAt: '2026-01-01T00:00:00.000Z',
  updatedBy: 'token:bench',
};

async function main(): Promise<number> {
  printMachine();
  const bare = Fastify({ logger: false });
  bare.get('/integration', async () => BARE_BODY);
  await bare.listen({ host: '127.0.0.1', port: 0 });
  const bareUrl = `http://127.0.0.1:${portOf(bare.server.address())}`;
  const load = await startLoadGenerator();

  const reports: DatabaseReport[] = [];
  try {
    if (DATABASES.includes('sqlite')) reports.push(await benchSqlite(load, bareUrl));
    if (DATABASES.includes('postgres')) reports.push(await benchPostgres(load, bareUrl));
  } finally {
    await load.close();
    await bare.close();
  }
  return summarise(reports);
}

function printMachine(): void {
  console.log('API benchmark');
  console.log(machineLine());
  console.log(loadLine());
  console.log(
    `  load: autocannon in a worker thread, ${CONNECTIONS} connections, pipelining ${PIPELINING}, ` +
      `${WARMUP_S} s warm-up (not counted) + ${DURATION_S} s measured per scenario, ` +
      `in ${ROUNDS} rounds of ${(DURATION_S / ROUNDS).toFixed(1)} s taken in turns`,
  );
  console.log(`  data: ${SEED_COUNT} integrations (provider in_memory, type scm) of tenant ${TENANT}`);
  console.log('');
}

async function benchSqlite(load: LoadGenerator, bareUrl: string): Promise<DatabaseReport> {
  const dataDir = mkdtempSync(join(tmpdir(), 'integrations-bench-'));
  try {
    return await benchDatabase('sqlite', load, bareUrl, dataDir, null);
  } catch (error) {
    return { database: 'sqlite', failed: (error as Error).stack ?? String(error) };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function benchPostgres(load: LoadGenerator, bareUrl: string): Promise<DatabaseReport> {
  const problem = await postgresProblem();
  if (problem) {
    const reason = `PostgreSQL at ${TEST_POSTGRES_URL} does not answer (${problem}); set TEST_DATABASE_URL to run it`;
    console.log(`[postgres] skipped: ${reason}\n`);
    return { database: 'postgres', skipped: reason };
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'integrations-bench-'));
  let schema: Awaited<ReturnType<typeof createPostgresSchema>> | undefined;
  try {
    schema = await createPostgresSchema();
    return await benchDatabase('postgres', load, bareUrl, dataDir, schema.url);
  } catch (error) {
    return { database: 'postgres', failed: (error as Error).stack ?? String(error) };
  } finally {
    await schema?.drop().catch((error: unknown) => {
      console.error(`[postgres] could not drop the bench schema: ${(error as Error).message}`);
    });
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function postgresProblem(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    return (error as Error).message || String(error);
  } finally {
    await client.end().catch(() => {});
  }
}

async function benchDatabase(
  database: 'sqlite' | 'postgres',
  load: LoadGenerator,
  bareUrl: string,
  dataDir: string,
  databaseUrl: string | null,
): Promise<DatabaseReport> {
  const tag = `[${database}]`;
  const app = await createApp(
    loadConfig({}, { dataDir, databaseUrl, adminToken: ADMIN_TOKEN, logLevel: 'silent' }),
    { logger: createLogger('silent'), processMetrics: false },
  );
  try {
    await app.api.listen({ host: '127.0.0.1', port: 0 });
    const apiUrl = `http://127.0.0.1:${portOf(app.api.server.address())}`;

    const started = performance.now();
    const ids = await seed(app);
    const seedMs = performance.now() - started;
    console.log(
      `${tag} seeded ${ids.length} integrations in ${(seedMs / 1000).toFixed(2)} s ` +
        `(${Math.round(ids.length / (seedMs / 1000))}/s, batches of ${SEED_BATCH} in one transaction each)`,
    );

    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const byIdPaths = ids.map((id) => `/api/v1/integrations/${id}`);
    const listPaths = listPagePaths(ids);
    await checkScenarios(apiUrl, auth, byIdPaths, listPaths, ids);

    const scenarios: {
      key: ScenarioKey;
      name: string;
      url: string;
      headers: Record<string, string>;
      paths: string[];
    }[] = [
      { key: 'bare', name: 'bare fastify (fixed JSON)', url: bareUrl, headers: {}, paths: ['/integration'] },
      {
        key: 'healthz',
        name: 'GET /healthz (no auth, no db)',
        url: apiUrl,
        headers: {},
        paths: ['/healthz'],
      },
      { key: 'by-id', name: 'GET /integrations/{id}', url: apiUrl, headers: auth, paths: byIdPaths },
      {
        key: 'list',
        name: `GET /integrations?pageSize=${PAGE_SIZE}`,
        url: apiUrl,
        headers: auth,
        paths: listPaths,
      },
    ];
    // BENCH_SCENARIOS=by-id (for profiling one scenario); the bare route always runs, as the baseline.
    const only = process.env.BENCH_SCENARIOS?.split(',').map((key) => key.trim());
    const chosen = scenarios.filter((s) => !only || s.key === 'bare' || only.includes(s.key));
    const spec = (scenario: (typeof chosen)[number], durationS: number, order: LoadSpec['order']) => ({
      url: scenario.url,
      headers: scenario.headers,
      paths: scenario.paths,
      order,
      durationS,
      connections: CONNECTIONS,
      pipelining: PIPELINING,
    });
    if (WARMUP_S > 0) {
      // Every path once (each integration read before, as in a service that has been running), then
      // WARMUP_S seconds of the measured mix.
      process.stdout.write(`${tag} warming up: every path once, then ${WARMUP_S} s per scenario ... `);
      for (const scenario of chosen) {
        await load.run({
          ...spec(scenario, 0, 'in turn'),
          amount: Math.max(scenario.paths.length, CONNECTIONS),
        });
        await load.run(spec(scenario, WARMUP_S, 'random'));
      }
      console.log('done');
    }
    const slices = new Map(chosen.map((scenario) => [scenario.key, [] as Slice[]]));
    for (let round = 1; round <= ROUNDS; round += 1) {
      process.stdout.write(`${tag} round ${round}/${ROUNDS}:`);
      for (const scenario of chosen) {
        const slice = await load.run(spec(scenario, DURATION_S / ROUNDS, 'random'));
        slices.get(scenario.key)!.push(slice);
        process.stdout.write(` ${scenario.key} ${Math.round(slice.requests / slice.durationS)}/s`);
      }
      process.stdout.write('\n');
    }
    const rows: ScenarioRow[] = chosen.map((scenario) => ({
      key: scenario.key,
      scenario: scenario.name,
      result: combine(slices.get(scenario.key)!),
    }));
    printTable(database, rows);
    return { database, seedMs, rows };
  } finally {
    await app.close();
  }
}

/**
 * Seeds SEED_COUNT integrations; returns their ids in id order. The first goes through the service (so
 * it is complete and valid whatever fields an integration has); the rest are copies of it with their
 * own id, name, endpoint, credentials reference and tags, written through the repositories,
 * SEED_BATCH per transaction.
 */
async function seed(app: App): Promise<string[]> {
  const principal = {
    tenantId: TENANT,
    tokenId: 'bench',
    actor: 'bench',
    scopes: ['integrations:admin'] as const,
  };
  const template = await app.integrations.create(principal, seedInput(0));
  const newId = createIdGenerator();
  const ids = [template.id];
  for (let start = 1; start < SEED_COUNT; start += SEED_BATCH) {
    const batch: Integration[] = [];
    const at = new Date().toISOString();
    for (let index = start; index < Math.min(SEED_COUNT, start + SEED_BATCH); index += 1) {
      const { name, endpoint, authRef, tags } = seedInput(index);
      batch.push({ ...template, id: newId(), name, endpoint, authRef, tags, createdAt: at, updatedAt: at });
    }
    await app.store.transaction(async (tx) => {
      for (const integration of batch) await tx.integrations.insert(integration);
    });
    for (const integration of batch) ids.push(integration.id);
  }
  return ids.sort();
}

/** The first list page and LIST_PAGES - 1 later ones spread over the data, each a full page. */
function listPagePaths(sortedIds: readonly string[]): string[] {
  const base = `/api/v1/integrations?pageSize=${PAGE_SIZE}`;
  const paths = [base];
  const lastStart = sortedIds.length - PAGE_SIZE - 1;
  for (let page = 1; page < LIST_PAGES && lastStart > 0; page += 1) {
    const after = sortedIds[Math.floor((lastStart * page) / (LIST_PAGES - 1))]!;
    paths.push(`${base}&pageToken=${encodePageToken(after)}`);
  }
  return paths;
}

/** One request of each kind before the load, so a broken route stops the run with what it answered. */
async function checkScenarios(
  apiUrl: string,
  headers: Record<string, string>,
  byIdPaths: readonly string[],
  listPaths: readonly string[],
  ids: readonly string[],
): Promise<void> {
  const one = await fetch(apiUrl + byIdPaths[0], { headers });
  const body = (await one.json()) as { id?: string };
  if (one.status !== 200 || body.id !== ids[0]) {
    throw new Error(`GET ${byIdPaths[0]} answered ${one.status}: ${JSON.stringify(body).slice(0, 300)}`);
  }
  for (const path of listPaths) {
    const page = await fetch(apiUrl + path, { headers });
    const list = (await page.json()) as { items?: unknown[] };
    if (page.status !== 200 || list.items?.length !== PAGE_SIZE) {
      throw new Error(`GET ${path} answered ${page.status} with ${list.items?.length ?? 'no'} items`);
    }
  }
}

function printTable(database: string, rows: readonly ScenarioRow[]): void {
  const bare = rows.find((row) => row.key === 'bare')!.result.reqPerSec;
  const header = [
    'scenario',
    'req/s',
    'p50 ms',
    'p99 ms',
    'vs bare',
    'busy',
    'µs/req',
    'cpu µs/req',
    'bytes',
    'requests',
    'non-2xx',
    'errors',
  ];
  const lines = rows.map(({ scenario, result }) => [
    scenario,
    result.reqPerSec.toFixed(0),
    result.p50Ms.toFixed(2),
    result.p99Ms.toFixed(2),
    (result.reqPerSec / bare).toFixed(2),
    `${Math.round(result.serverBusy * 100)}%`,
    result.serverUsPerRequest.toFixed(0),
    Number.isNaN(result.serverCpuUsPerRequest) ? '-' : result.serverCpuUsPerRequest.toFixed(0),
    String(result.bytesPerResponse),
    String(result.requests),
    String(result.non2xx),
    String(result.errors),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => line[column]!.length)),
  );
  const format = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ');
  console.log('');
  console.log(`${database}:`);
  console.log(`  ${format(header)}`);
  console.log(`  ${widths.map((width) => '-'.repeat(width)).join('  ')}`);
  for (const line of lines) console.log(`  ${format(line)}`);
  for (const { scenario, result } of rows) {
    if (result.non2xx > 0 || result.errors > 0) {
      console.log(
        `  ! ${scenario}: ${result.non2xx} non-2xx, ${result.errors} errors (${result.timeouts} timeouts), ` +
          `status codes ${JSON.stringify(result.statusCodes)}`,
      );
    }
  }
  console.log('');
}

function summarise(reports: readonly DatabaseReport[]): number {
  let ok = true;
  console.log('Summary');
  for (const report of reports) {
    if (report.skipped) console.log(`  ${report.database}: skipped: ${report.skipped}`);
    if (report.failed) {
      ok = false;
      console.log(`  ${report.database}: FAILED: ${report.failed}`);
    }
    for (const { scenario, result } of report.rows ?? []) {
      if (result.non2xx > 0 || result.errors > 0) {
        ok = false;
        console.log(
          `  ${report.database}: ${scenario} had ${result.non2xx} non-2xx responses and ${result.errors} errors`,
        );
      }
    }
  }
  const sqlite = byIdRatio(reports, 'sqlite');
  const targetMet = sqlite !== undefined && sqlite >= TARGET_RATIO;
  console.log(
    `  target: get-by-id ≥ ${TARGET_RATIO} of bare on SQLite: ` +
      `${sqlite === undefined ? 'no SQLite figures' : sqlite.toFixed(2)} → ${targetMet ? 'PASS' : 'FAIL'}`,
  );
  const postgres = byIdRatio(reports, 'postgres');
  if (postgres !== undefined) {
    console.log(`  (PostgreSQL, for information: get-by-id is ${postgres.toFixed(2)} of bare)`);
  }
  return ok && targetMet ? 0 : 1;
}

/** get-by-id req/s over bare req/s on one database, if it ran. */
function byIdRatio(reports: readonly DatabaseReport[], database: string): number | undefined {
  const rows = reports.find((report) => report.database === database)?.rows ?? [];
  const byId = rows.find((row) => row.key === 'by-id')?.result.reqPerSec;
  const bare = rows.find((row) => row.key === 'bare')?.result.reqPerSec;
  return byId === undefined || bare === undefined ? undefined : byId / bare;
}

function portOf(address: string | AddressInfo | null): number {
  if (address && typeof address === 'object') return address.port;
  throw new Error(`server is not listening on a TCP port: ${String(address)}`);
}

// ---------------------------------------------------------------------------------------------------
// Entry point: the main thread runs the benchmark; the worker thread (this same file) is the load generator.

if (isMainThread) {
  try {
    process.exitCode = await main();
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  }
} else {
  parentPort!.postMessage({ ready: true });
  parentPort!.on('message', async (spec: LoadSpec) => {
    try {
      parentPort!.postMessage({ ok: true, result: await runAutocannon(spec) });
    } catch (error) {
      parentPort!.postMessage({ ok: false, message: (error as Error).stack ?? String(error) });
    }
  });
}

/**
 * Health poller benchmark: 10,000 due integrations checked by the real poller, through the real
 * outbound client, against a fake HTTP server on loopback that answers every request after 50 ms.
 * SQLite with one poller, then PostgreSQL with one poller and with three sharing the work through
 * leases. Run with `npm run bench:health`; see bench/README.md for the knobs and how to read the table.
 *
 * The fake server runs in a child process (this same file, started with `--fake-server`): on the
 * poller's thread its timers and sockets would share the event loop being measured, and its CPU time
 * would count in the poller's checks per CPU-second. The PostgreSQL pollers each run in a child
 * process too (`--poller`), as instances of the service do: pollers sharing one event loop could not
 * show what a second instance adds.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer as createNetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { Registry } from 'prom-client';
import { createHealthMetrics } from '../src/catalog/health-metrics.js';
import { createHealthPoller, type HealthPoller, type PollerSettings } from '../src/catalog/health-poller.js';
import { createPluginContextFactory } from '../src/catalog/plugin-context.js';
import { createIdGenerator } from '../src/core/ids.js';
import { type Integration, UNKNOWN_HEALTH } from '../src/core/integration.js';
import type { Logger } from '../src/core/logger.js';
import { createEgressPolicy, createHttpClient, type HttpClient } from '../src/net/index.js';
import { asConnectorPlugin } from '../src/plugins/contracts.js';
import { loadPlugins } from '../src/plugins/loader.js';
import type { PluginRegistry } from '../src/plugins/registry.js';
import { noCredentials } from '../src/secrets/index.js';
import { type Database, openDatabase } from '../src/store/database.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { createStore, type Store } from '../src/store/store.js';
import { createPostgresSchema, postgresAvailable, TEST_POSTGRES_URL } from '../test/support/services.js';
import { createHttpProbePlugin } from './http-probe-plugin.js';
import { forkChild } from './support/child-channel.js';
import { loadLine, machineLine } from './support/machine.js';

// ---------------------------------------------------------------------------------------------------
// Settings (environment)

const COUNT = positiveNumber('BENCH_HEALTH_COUNT', 10_000);
/** How long the fake takes to answer each request. */
const DELAY_MS = positiveNumber('BENCH_HEALTH_DELAY_MS', 50);
/** Checks in flight in the single-instance runs (and in the whole fleet of the same-total run). */
const CONCURRENCY = positiveNumber('BENCH_HEALTH_CONCURRENCY', 200);
const INSTANCES = positiveNumber('BENCH_HEALTH_INSTANCES', 3);
/** Which databases to run, e.g. BENCH_DATABASES=sqlite. */
const DATABASES = (process.env.BENCH_DATABASES ?? 'sqlite,postgres').split(',').map((name) => name.trim());
/** Pool size of each poller instance on PostgreSQL. */
const POOL_SIZE = 10;
const SEED_BATCH = 500;
const RSS_SAMPLE_MS = 50;
const TARGET_RATIO = 1.25;
const TARGET_RSS_MB = 300;
const TENANT = 'bench';

const SETTINGS: Omit<PollerSettings, 'concurrency' | 'perHostConcurrency'> = {
  intervalMs: 3_600_000,
  checkTimeoutMs: 10_000,
  historyLimit: 10,
  failureThreshold: 3,
  successThreshold: 2,
};

function positiveNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} must be a positive number, not '${raw}'`);
  return value;
}

// ---------------------------------------------------------------------------------------------------
// The fake: a child process with a minimal HTTP server; the main process talks to it over IPC.

/** What the fake saw since it was last reset. */
interface FakeCounts {
  /** Requests per integration index n (path `/i/<n>`); holes are zero. */
  readonly perIndex: number[];
  /** Requests to any other path. */
  readonly other: number;
  readonly total: number;
  /** Most requests the fake held at once (waiting out their 50 ms). */
  readonly maxInFlight: number;
}

type FakeRequest = { type: 'reset' } | { type: 'counts' } | { type: 'close' };
type FakeReply = { type: 'listening'; port: number } | { type: 'reset' } | ({ type: 'counts' } & FakeCounts);

/**
 * The fake speaks just enough HTTP/1.1 over plain sockets: it reads each request's head, counts its
 * path, and after `delayMs` writes one fixed 200 response (keep-alive, with a length). It stands for
 * systems that in production run on other machines; on this one, every microsecond it spends is
 * taken from the poller being measured, and node:http spends several times what this does. The
 * client only sends GETs without a body, one at a time per connection; anything else is answered
 * 400 and the connection closed, so a broken client shows up as errors, not as hangs.
 */
function runFakeServer(delayMs: number): void {
  const body = JSON.stringify({ status: 'ok', service: 'bench-fake' });
  const ok = Buffer.from(
    'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\nkeep-alive: timeout=120\r\n\r\n${body}`,
    'latin1',
  );
  const bad = Buffer.from('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
  let perIndex: number[] = [];
  let other = 0;
  let total = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
        const head = pending.slice(0, end);
        pending = pending.slice(end + 4);
        const lineEnd = head.indexOf('\r\n');
        const [method, path] = (lineEnd < 0 ? head : head.slice(0, lineEnd)).split(' ');
        if (method !== 'GET' || /\r\n(content-length|transfer-encoding):/i.test(head)) {
          socket.end(bad);
          return;
        }
        total += 1;
        inFlight += 1;
        if (inFlight > maxInFlight) maxInFlight = inFlight;
        const match = /^\/i\/(\d+)$/.exec(path ?? '');
        if (match) {
          const index = Number(match[1]);
          perIndex[index] = (perIndex[index] ?? 0) + 1;
        } else other += 1;
        setTimeout(() => {
          inFlight -= 1;
          if (!socket.destroyed) socket.write(ok);
        }, delayMs);
      }
    });
  });
  const send = (reply: FakeReply) => process.send!(reply);
  server.listen(0, '127.0.0.1', () =>
    send({ type: 'listening', port: (server.address() as AddressInfo).port }),
  );
  process.on('message', (message: FakeRequest) => {
    if (message.type === 'reset') {
      perIndex = [];
      other = 0;
      total = 0;
      maxInFlight = inFlight;
      send({ type: 'reset' });
    } else if (message.type === 'counts') {
      send({ type: 'counts', perIndex: Array.from(perIndex, (n) => n ?? 0), other, total, maxInFlight });
    } else {
      for (const socket of sockets) socket.destroy();
      server.close(() => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
}

interface Fake {
  readonly port: number;
  reset(): Promise<void>;
  counts(): Promise<FakeCounts>;
  close(): Promise<void>;
}

async function startFake(delayMs: number): Promise<Fake> {
  const channel = forkChild<FakeRequest, FakeReply>(
    fileURLToPath(import.meta.url),
    ['--fake-server', String(delayMs)],
    'the fake server',
  );
  const { port } = await channel.next('listening');
  return {
    port,
    async reset() {
      await channel.ask({ type: 'reset' }, 'reset');
    },
    async counts() {
      const { type: _, ...counts } = await channel.ask({ type: 'counts' }, 'counts');
      return counts;
    },
    close: () => channel.close(),
  };
}

// ---------------------------------------------------------------------------------------------------
// Seeding, pollers and one measured run

/** Inserts COUNT integrations of provider http_probe, each with a schedule row due now. */
async function seed(store: Store, port: number): Promise<number> {
  const newId = createIdGenerator();
  const started = performance.now();
  const at = new Date().toISOString();
  const due = new Date(Date.now() - 1_000).toISOString();
  for (let start = 0; start < COUNT; start += SEED_BATCH) {
    const batch: Integration[] = [];
    for (let n = start; n < Math.min(COUNT, start + SEED_BATCH); n += 1) {
      batch.push({
        id: newId(),
        tenantId: TENANT,
        name: `probe-${String(n).padStart(5, '0')}`,
        type: 'ci',
        provider: 'http_probe',
        endpoint: `http://127.0.0.1:${port}/i/${n}`,
        authRef: null,
        config: {},
        tags: [],
        owner: null,
        enabled: true,
        status: 'pending',
        health: UNKNOWN_HEALTH,
        pollIntervalSeconds: null,
        version: 1,
        createdAt: at,
        createdBy: 'bench',
        updatedAt: at,
        updatedBy: 'bench',
      });
    }
    await store.transaction(async (tx) => {
      for (const integration of batch) {
        await tx.integrations.insert(integration);
        await tx.health.schedule(TENANT, integration.id, due);
      }
    });
  }
  return performance.now() - started;
}

/**
 * Makes every integration due again as if never checked: schedule, leases, counters, health, history
 * and events, so a second run does the same work as the first (the first result of an integration
 * changes its health from unknown and so also writes an outbox event).
 */
async function resetChecks(database: Database): Promise<void> {
  const { db } = database;
  await db
    .updateTable('poll_schedule')
    .set({
      next_run_at: new Date(Date.now() - 1_000).toISOString(),
      lease_owner: null,
      lease_until: null,
      consecutive_failures: 0,
      consecutive_successes: 0,
    })
    .execute();
  await db.deleteFrom('health_checks').execute();
  await db.deleteFrom('outbox').execute();
  await db
    .updateTable('integrations')
    .set({
      status: 'pending',
      health_status: 'unknown',
      health_checked_at: null,
      health_latency_ms: null,
      health_message: null,
    })
    .execute();
  if (database.dialect === 'postgres') await sql`vacuum analyze`.execute(db);
}

/** A logger that drops everything but counts warnings and errors, and keeps the first few. */
function countingLogger() {
  const seen = { warnings: 0, errors: 0, first: [] as string[] };
  const note = (level: string, fields: object, message?: string) => {
    if (seen.first.length < 3) {
      const err = (fields as { err?: Error }).err;
      seen.first.push(`${level}: ${message ?? ''}${err ? ` (${err.message})` : ''}`);
    }
  };
  const logger: Logger = {
    debug() {},
    info() {},
    warn(fields, message) {
      seen.warnings += 1;
      note('warn', fields, message);
    },
    error(fields, message) {
      seen.errors += 1;
      note('error', fields, message);
    },
    child: () => logger,
  };
  return { logger, seen };
}

/** One poller instance as a separate process would have it: its own outbound client and store. */
interface Instance {
  readonly poller: HealthPoller;
  readonly http: HttpClient;
  readonly registry: Registry;
}

function makeInstance(
  store: Store,
  plugins: PluginRegistry,
  logger: Logger,
  instanceId: string,
  concurrency: number,
): Instance {
  const registry = new Registry();
  const http = outboundClient(registry, concurrency);
  const now = () => new Date();
  const poller = createHealthPoller({
    store,
    plugins,
    contexts: createPluginContextFactory({
      secrets: { credentialsFor: () => noCredentials },
      http,
      logger,
      now,
    }),
    logger,
    metrics: createHealthMetrics(registry, store),
    newId: createIdGenerator(),
    now,
    instanceId,
    settings: { ...SETTINGS, concurrency, perHostConcurrency: concurrency },
  });
  return { poller, http, registry };
}

/** The service's outbound client as production builds it, but allowed to reach the fake on loopback. */
function outboundClient(registry: Registry, concurrency: number): HttpClient {
  return createHttpClient({
    policy: createEgressPolicy({ allowPrivateNetworks: true, allowlist: [], allowAnyPort: true }),
    registry,
    connectionsPerOrigin: Math.max(256, concurrency),
    // No proxy from the environment: the fake is on loopback.
    env: {},
  });
}

/**
 * The reference: the same 10,000 GETs through the same outbound client, CONCURRENCY at a time, with no
 * poller and no database. No poller can beat it on this machine; its cycle/ideal is the floor.
 */
async function benchClientOnly(fake: Fake): Promise<RunFigures> {
  const registry = new Registry();
  const http = outboundClient(registry, CONCURRENCY);
  const { seen } = countingLogger();
  let next = 0;
  const worker = async () => {
    while (next < COUNT) {
      const n = next++;
      try {
        await http.request({
          method: 'GET',
          url: `http://127.0.0.1:${fake.port}/i/${n}`,
          signal: new AbortController().signal,
          provider: 'http_probe',
          operation: 'health_check',
        });
      } catch (error) {
        seen.errors += 1;
        if (seen.first.length < 3) seen.first.push(`request failed: ${(error as Error).message}`);
      }
    }
  };
  const instance: Instance = {
    http,
    registry,
    poller: {
      start() {},
      async stop() {},
      busy: 0,
      async drain() {
        await Promise.all(Array.from({ length: CONCURRENCY }, worker));
        return COUNT;
      },
    },
  };
  try {
    process.stdout.write(`[reference] outbound client alone, ${CONCURRENCY} at a time ... `);
    const run = await measure(
      'outbound client alone',
      fake,
      undefined,
      [() => drainHere([instance], seen)],
      1,
      CONCURRENCY,
    );
    console.log(`${(run.cycleMs / 1000).toFixed(2)} s`);
    return run;
  } finally {
    await http.close();
  }
}

interface RunFigures extends ProcessFigures {
  readonly label: string;
  readonly instances: number;
  /** Processes the instances ran in: 1, or one child process each. */
  readonly processes: number;
  readonly concurrencyEach: number;
  readonly checks: number;
  readonly cycleMs: number;
  readonly idealMs: number;
  readonly fake: FakeCounts;
  /** Integrations the fake saw more than once, and not at all. */
  readonly fakeDuplicates: number;
  readonly fakeMissing: number;
  /** What the database recorded; none for the reference run without a poller. */
  readonly history: HistoryFigures | undefined;
}

interface HistoryFigures {
  readonly rows: number;
  readonly integrations: number;
  /** Integrations with more than one history row. */
  readonly duplicates: number;
  readonly leasesLeft: number;
  readonly perInstance: Record<string, number>;
  /** Mean time a check took, as recorded: the fake's 50 ms plus the way there and back. */
  readonly meanLatencyMs: number;
}

/** What one process measured of its own pollers' drain: its CPU, event loop, memory and logs. */
interface ProcessFigures {
  /** Sum of what drain() returned. */
  readonly drained: number;
  /** Checks still running when drain() resolved. */
  readonly busyAfterDrain: number;
  readonly cpuMs: number;
  readonly loopBusy: number;
  readonly rssStartMb: number;
  readonly peakRssMb: number;
  readonly retries: number;
  readonly warnings: number;
  readonly errors: number;
  readonly firstProblems: string[];
}

/** Drains `instances` (all in this process) at once, measuring this process while they work. */
async function drainHere(
  instances: readonly Instance[],
  seen: ReturnType<typeof countingLogger>['seen'],
): Promise<ProcessFigures> {
  seen.warnings = 0;
  seen.errors = 0;
  seen.first.length = 0;
  const retriesBefore = await retriesOf(instances);
  const rssStart = process.memoryUsage.rss();
  let peakRss = rssStart;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, RSS_SAMPLE_MS);

  const loop = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  const drained = await Promise.all(instances.map(({ poller }) => poller.drain()));
  const busyAfterDrain = instances.reduce((sum, { poller }) => sum + poller.busy, 0);
  // drain() waits for the checks it started; make sure none is left before the clock stops.
  while (instances.some(({ poller }) => poller.busy > 0)) await new Promise((done) => setTimeout(done, 1));
  const cpuUsed = process.cpuUsage(cpu);
  const loopBusy = performance.eventLoopUtilization(loop).utilization;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  return {
    drained: drained.reduce((a, b) => a + b, 0),
    busyAfterDrain,
    cpuMs: (cpuUsed.user + cpuUsed.system) / 1000,
    loopBusy,
    rssStartMb: rssStart / 2 ** 20,
    peakRssMb: peakRss / 2 ** 20,
    retries: (await retriesOf(instances)) - retriesBefore,
    warnings: seen.warnings,
    errors: seen.errors,
    firstProblems: [...seen.first],
  };
}

async function retriesOf(instances: readonly Instance[]): Promise<number> {
  let retries = 0;
  for (const { registry } of instances) {
    const metric = await registry.getSingleMetric('integrations_outbound_retries_total')?.get();
    for (const value of metric?.values ?? []) retries += value.value;
  }
  return retries;
}

/**
 * Times one run: every process's drain at once, from the first claim to the last result written,
 * then what the fake saw and the database recorded. `processes` drain in this process or in child
 * processes; a fleet's CPU is the sum over its processes, its loop busy and peak RSS the highest.
 */
async function measure(
  label: string,
  fake: Fake,
  verifyDb: Database | undefined,
  processes: ReadonlyArray<() => Promise<ProcessFigures>>,
  instances: number,
  concurrencyEach: number,
): Promise<RunFigures> {
  await fake.reset();
  const started = performance.now();
  const each = await Promise.all(processes.map((drain) => drain()));
  const cycleMs = performance.now() - started;

  const counts = await fake.counts();
  let fakeDuplicates = 0;
  let fakeMissing = 0;
  for (let n = 0; n < COUNT; n += 1) {
    const times = counts.perIndex[n] ?? 0;
    if (times === 0) fakeMissing += 1;
    else if (times > 1) fakeDuplicates += 1;
  }
  const history = verifyDb && (await historyFigures(verifyDb));
  const checks = COUNT;
  const sum = (of: (figures: ProcessFigures) => number) => each.reduce((total, f) => total + of(f), 0);
  const max = (of: (figures: ProcessFigures) => number) => Math.max(...each.map(of));
  return {
    label,
    instances,
    processes: processes.length,
    concurrencyEach,
    checks,
    cycleMs,
    idealMs: (checks * DELAY_MS) / (concurrencyEach * instances),
    cpuMs: sum((f) => f.cpuMs),
    loopBusy: max((f) => f.loopBusy),
    rssStartMb: max((f) => f.rssStartMb),
    peakRssMb: max((f) => f.peakRssMb),
    drained: sum((f) => f.drained),
    busyAfterDrain: sum((f) => f.busyAfterDrain),
    fake: counts,
    fakeDuplicates,
    fakeMissing,
    retries: sum((f) => f.retries),
    history,
    warnings: sum((f) => f.warnings),
    errors: sum((f) => f.errors),
    firstProblems: each.flatMap((f) => f.firstProblems).slice(0, 3),
  };
}

async function historyFigures(database: Database): Promise<HistoryFigures> {
  const { db } = database;
  const total = await db
    .selectFrom('health_checks')
    .select([
      (eb) => eb.fn.countAll<number | string>().as('rows'),
      (eb) => eb.fn.avg<number | string>('latency_ms').as('latency'),
      (eb) => eb.fn.count<number | string>('integration_id').distinct().as('integrations'),
    ])
    .executeTakeFirstOrThrow();
  const doubled = await db
    .selectFrom(
      db
        .selectFrom('health_checks')
        .select('integration_id')
        .groupBy('integration_id')
        .having((eb) => eb.fn.countAll(), '>', 1)
        .as('d'),
    )
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow();
  const leases = await db
    .selectFrom('poll_schedule')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('lease_owner', 'is not', null)
    .executeTakeFirstOrThrow();
  const byInstance = await db
    .selectFrom('health_checks')
    .select(['instance', (eb) => eb.fn.countAll<number | string>().as('n')])
    .groupBy('instance')
    .orderBy('instance')
    .execute();
  return {
    rows: Number(total.rows),
    integrations: Number(total.integrations),
    duplicates: Number(doubled.n),
    leasesLeft: Number(leases.n),
    meanLatencyMs: Number(total.latency),
    perInstance: Object.fromEntries(byInstance.map((row) => [row.instance, Number(row.n)])),
  };
}

// ---------------------------------------------------------------------------------------------------
// The runs

interface DatabaseReport {
  readonly database: 'sqlite' | 'postgres';
  readonly seedMs?: number;
  readonly runs: RunFigures[];
  readonly skipped?: string;
  readonly failed?: string;
}

async function benchSqlite(fake: Fake, plugins: PluginRegistry): Promise<DatabaseReport> {
  const dataDir = mkdtempSync(join(tmpdir(), 'integrations-bench-health-'));
  const database = openDatabase({ url: null, dataDir });
  const instances: Instance[] = [];
  try {
    await migrateToLatest(database);
    const store = createStore(database);
    const seedMs = await seed(store, fake.port);
    printSeed('sqlite', seedMs);
    const { logger, seen } = countingLogger();
    instances.push(makeInstance(store, plugins, logger, 'sqlite-1', CONCURRENCY));
    const drain = () => drainHere(instances, seen);
    // A first cycle warms the code (JIT), the statement cache and the connections to the fake, as a
    // poller that has been running meets them; then every integration is made due again as if never
    // checked, so the measured cycle does the same work as the first.
    process.stdout.write(`[sqlite] warm-up cycle ... `);
    const warmUp = await measure('sqlite, warm-up', fake, undefined, [drain], 1, CONCURRENCY);
    console.log(
      `${(warmUp.cycleMs / 1000).toFixed(2)} s (cycle/ideal ${(warmUp.cycleMs / warmUp.idealMs).toFixed(2)})`,
    );
    await resetChecks(database);
    process.stdout.write(`[sqlite] 1 poller × concurrency ${CONCURRENCY} ... `);
    const run = await measure('sqlite, 1 poller', fake, database, [drain], 1, CONCURRENCY);
    console.log(`${(run.cycleMs / 1000).toFixed(2)} s`);
    return { database: 'sqlite', seedMs, runs: [run] };
  } catch (error) {
    console.log('');
    return { database: 'sqlite', runs: [], failed: (error as Error).stack ?? String(error) };
  } finally {
    await Promise.allSettled(instances.map(({ http }) => http.close()));
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function benchPostgres(fake: Fake): Promise<DatabaseReport> {
  if (!(await postgresAvailable())) {
    const reason = `PostgreSQL at ${TEST_POSTGRES_URL} does not answer; set TEST_DATABASE_URL to run it`;
    console.log(`[postgres] skipped: ${reason}`);
    return { database: 'postgres', runs: [], skipped: reason };
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'integrations-bench-health-'));
  const schema = await createPostgresSchema();
  const setup = openDatabase({ url: schema.url, dataDir, poolSize: 2 });
  const pollers: PollerProcess[] = [];
  const runs: RunFigures[] = [];
  try {
    await migrateToLatest(setup);
    const seedMs = await seed(createStore(setup), fake.port);
    printSeed('postgres', seedMs);
    await sql`vacuum analyze`.execute(setup.db);
    for (let index = 1; index <= INSTANCES; index += 1) {
      pollers.push(await startPollerProcess(schema.url, `pg-${index}`));
    }

    const run = async (label: string, count: number, concurrencyEach: number) => {
      const warmUp = label === 'warm-up' ? ', warm-up cycle' : '';
      process.stdout.write(
        `[postgres] ${count} poller process(es) × concurrency ${concurrencyEach}${warmUp} ... `,
      );
      const drains = pollers.slice(0, count).map((poller) => () => poller.drain(concurrencyEach));
      const figures = await measure(label, fake, setup, drains, count, concurrencyEach);
      console.log(`${(figures.cycleMs / 1000).toFixed(2)} s`);
      await resetChecks(setup);
      return figures;
    };

    // Every process runs a cycle first, for the same reason as the SQLite warm-up.
    await run('warm-up', INSTANCES, CONCURRENCY);
    runs.push(await run('postgres, 1 poller', 1, CONCURRENCY));
    // Both fleets run: the same total concurrency (ceil(200 / 3) each) asks whether sharing through
    // leases costs anything; 200 each asks whether more instances give more throughput.
    const split = Math.ceil(CONCURRENCY / INSTANCES);
    runs.push(await run(`postgres, ${INSTANCES} pollers, same total`, INSTANCES, split));
    runs.push(await run(`postgres, ${INSTANCES} pollers, ${CONCURRENCY} each`, INSTANCES, CONCURRENCY));
    return { database: 'postgres', seedMs, runs };
  } catch (error) {
    console.log('');
    return { database: 'postgres', runs, failed: (error as Error).stack ?? String(error) };
  } finally {
    await Promise.allSettled(pollers.map((poller) => poller.close()));
    await setup.close();
    await schema.drop().catch((error: unknown) => {
      console.error(`[postgres] could not drop the bench schema: ${(error as Error).message}`);
    });
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------
// PostgreSQL pollers in child processes, one each, as instances of the service run

type PollerRequest = { type: 'drain'; concurrency: number } | { type: 'close' };
type PollerReply = { type: 'ready' } | { type: 'drained'; figures?: ProcessFigures; error?: string };

interface PollerProcess {
  /** Drains what is due with a new poller of `concurrency`, and reports the child's figures. */
  drain(concurrency: number): Promise<ProcessFigures>;
  close(): Promise<void>;
}

async function startPollerProcess(databaseUrl: string, instanceId: string): Promise<PollerProcess> {
  const channel = forkChild<PollerRequest, PollerReply>(
    fileURLToPath(import.meta.url),
    ['--poller', databaseUrl, instanceId],
    `poller ${instanceId}`,
  );
  await channel.next('ready');
  return {
    async drain(concurrency) {
      const reply = await channel.ask({ type: 'drain', concurrency }, 'drained');
      if (!reply.figures) throw new Error(`poller ${instanceId} failed: ${reply.error}`);
      return reply.figures;
    },
    close: () => channel.close(),
  };
}

/**
 * The child: its own pool of POOL_SIZE and, for each drain asked of it, a new poller and outbound
 * client with the concurrency asked (a service instance with that setting), measured as in-process
 * runs are.
 */
async function runPollerProcess(databaseUrl: string, instanceId: string): Promise<void> {
  const database = openDatabase({ url: databaseUrl, dataDir: tmpdir(), poolSize: POOL_SIZE });
  const store = createStore(database);
  const { logger, seen } = countingLogger();
  const plugins = await loadPlugins([asConnectorPlugin(createHttpProbePlugin())], [], logger);
  const send = (reply: PollerReply) => process.send!(reply);
  process.on('message', (message: PollerRequest) => {
    if (message.type === 'close') {
      void database.close().finally(() => process.exit(0));
      return;
    }
    const instance = makeInstance(store, plugins, logger, instanceId, message.concurrency);
    drainHere([instance], seen)
      .then(
        (figures) => send({ type: 'drained', figures }),
        (error: unknown) => send({ type: 'drained', error: (error as Error).stack ?? String(error) }),
      )
      .finally(() => instance.http.close());
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready' });
}

function printSeed(database: string, seedMs: number): void {
  console.log(
    `[${database}] seeded ${COUNT} integrations with a due schedule in ${(seedMs / 1000).toFixed(2)} s ` +
      `(${Math.round(COUNT / (seedMs / 1000))}/s, batches of ${SEED_BATCH} in one transaction each)`,
  );
}

// ---------------------------------------------------------------------------------------------------
// Report

function printMachine(): void {
  console.log('Health poller benchmark');
  console.log(machineLine());
  console.log(
    `  work: ${COUNT} due integrations (provider http_probe), fake answers every GET after ${DELAY_MS} ms ` +
      '(plain sockets, keep-alive, child process)',
  );
  console.log(loadLine());
  console.log(
    `  poller: concurrency ${CONCURRENCY}, perHostConcurrency = concurrency, checkTimeoutMs ` +
      `${SETTINGS.checkTimeoutMs}, intervalMs ${SETTINGS.intervalMs}, historyLimit ${SETTINGS.historyLimit}; ` +
      'a real outbound client per instance (loopback allowed, ≥ 256 connections per origin)',
  );
  console.log(
    `  PostgreSQL: every poller in a child process of its own (own pool of ${POOL_SIZE} and outbound client), ` +
      `after a warm-up cycle of all ${INSTANCES}: 1 poller, then ${INSTANCES} draining at once, twice: with the same total concurrency ` +
      `(${Math.ceil(CONCURRENCY / INSTANCES)} each), to see that sharing through leases costs nothing and ` +
      `checks nothing twice; and with ${CONCURRENCY} each, to see whether more instances give more throughput`,
  );
  console.log('');
}

function printTable(reference: RunFigures | undefined, reports: readonly DatabaseReport[]): void {
  const runs = [...(reference ? [reference] : []), ...reports.flatMap((report) => report.runs)];
  if (runs.length === 0) return;
  const single = reports.find((r) => r.database === 'postgres')?.runs[0];
  const header = [
    'run',
    'instances×conc',
    'cycle s',
    'ideal s',
    'cycle/ideal',
    'speed-up',
    'checks/s',
    'checks/CPU-s',
    'CPU s',
    'loop busy',
    'peak RSS MB',
    'max in flight',
    'seen twice',
    'rows/integration',
  ];
  const lines = runs.map((run) => {
    const speedUp = run.label.startsWith('postgres') && single ? single.cycleMs / run.cycleMs : undefined;
    const { history } = run;
    return [
      run.label,
      `${run.instances}×${run.concurrencyEach}`,
      (run.cycleMs / 1000).toFixed(2),
      (run.idealMs / 1000).toFixed(2),
      (run.cycleMs / run.idealMs).toFixed(2),
      speedUp === undefined ? '-' : `${speedUp.toFixed(2)}×`,
      (run.checks / (run.cycleMs / 1000)).toFixed(0),
      (run.checks / (run.cpuMs / 1000)).toFixed(0),
      (run.cpuMs / 1000).toFixed(2),
      `${Math.round(run.loopBusy * 100)}%`,
      run.peakRssMb.toFixed(0),
      String(run.fake.maxInFlight),
      String(run.fakeDuplicates),
      !history
        ? '-'
        : history.rows === COUNT && history.integrations === COUNT
          ? '1'
          : `${history.rows} rows / ${history.integrations}`,
    ];
  });
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => line[column]!.length)),
  );
  const format = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ');
  console.log('');
  console.log(`  ${format(header)}`);
  console.log(`  ${widths.map((width) => '-'.repeat(width)).join('  ')}`);
  for (const line of lines) console.log(`  ${format(line)}`);
  console.log('');
  for (const run of runs) {
    const { history } = run;
    const recorded = history
      ? `drain() returned ${run.drained}, ${run.busyAfterDrain} still running when it resolved; history by ` +
        `instance: ${Object.entries(history.perInstance)
          .map(([instance, n]) => `${instance} ${n}`)
          .join(
            ', ',
          )}; leases left ${history.leasesLeft}; mean check latency ${history.meanLatencyMs.toFixed(1)} ms; `
      : '';
    const problems = run.firstProblems.length ? ` (${run.firstProblems.join('; ')})` : '';
    console.log(
      `  ${run.label}: fake got ${run.fake.total} requests (${run.fakeMissing} integrations missed, ` +
        `${run.fake.other} to other paths), ${run.retries} retries; ${recorded}RSS ` +
        `${run.rssStartMb.toFixed(0)} → peak ${run.peakRssMb.toFixed(0)} MB; ` +
        `${run.warnings} warnings, ${run.errors} errors${problems}`,
    );
  }
  console.log('');
}

/** Whether a run checked every integration exactly once and recorded it exactly once. */
function checkedExactlyOnce(run: RunFigures): boolean {
  return (
    run.fake.total === COUNT &&
    run.fakeMissing === 0 &&
    run.fakeDuplicates === 0 &&
    run.fake.other === 0 &&
    run.history !== undefined &&
    run.history.rows === COUNT &&
    run.history.integrations === COUNT &&
    run.history.duplicates === 0 &&
    run.history.leasesLeft === 0
  );
}

function summarise(reference: RunFigures | undefined, reports: readonly DatabaseReport[]): number {
  let ok = true;
  const verdict = (pass: boolean) => {
    if (!pass) ok = false;
    return pass ? 'PASS' : 'FAIL';
  };
  console.log('Targets');
  for (const report of reports) {
    if (report.skipped) console.log(`  ${report.database}: skipped: ${report.skipped}`);
    if (report.failed) {
      ok = false;
      console.log(`  ${report.database}: FAILED: ${report.failed}`);
    }
  }
  const sqlite = reports.find((r) => r.database === 'sqlite')?.runs[0];
  if (sqlite) {
    const ratio = sqlite.cycleMs / sqlite.idealMs;
    console.log(
      `  sqlite: cycle/ideal ≤ ${TARGET_RATIO}: ${ratio.toFixed(2)} ` +
        `(${(sqlite.cycleMs / 1000).toFixed(2)} s vs ${(sqlite.idealMs / 1000).toFixed(2)} s) → ${verdict(ratio <= TARGET_RATIO)}`,
    );
    console.log(
      `  sqlite: peak RSS < ${TARGET_RSS_MB} MB: ${sqlite.peakRssMb.toFixed(0)} MB → ` +
        verdict(sqlite.peakRssMb < TARGET_RSS_MB),
    );
  } else if (DATABASES.includes('sqlite')) {
    ok = false;
    console.log('  sqlite: no figures → FAIL');
  }
  if (reference) {
    console.log(
      `  (for information: the outbound client alone, no poller and no database, took ` +
        `${(reference.cycleMs / 1000).toFixed(2)} s, cycle/ideal ${(reference.cycleMs / reference.idealMs).toFixed(2)}: ` +
        'the floor on this machine)',
    );
  }
  for (const run of reports.flatMap((r) => r.runs)) {
    console.log(
      `  ${run.label}: every integration checked once and recorded once ` +
        `(integrations seen twice: ${run.fakeDuplicates}, with more than one history row: ` +
        `${run.history?.duplicates ?? '-'}) → ` +
        verdict(checkedExactlyOnce(run)),
    );
  }
  return ok ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------------
// Entry point: the parent runs the benchmark; the child (this same file with --fake-server) is the fake.

async function main(): Promise<number> {
  printMachine();
  const fake = await startFake(DELAY_MS);
  const reports: DatabaseReport[] = [];
  let reference: RunFigures | undefined;
  try {
    const plugins = await loadPlugins(
      [asConnectorPlugin(createHttpProbePlugin())],
      [],
      countingLogger().logger,
    );
    if (DATABASES.includes('sqlite')) reports.push(await benchSqlite(fake, plugins));
    if (DATABASES.includes('postgres')) reports.push(await benchPostgres(fake));
    // Last, so that it does not grow the heap the SQLite run's peak RSS is measured on.
    reference = await benchClientOnly(fake);
  } finally {
    await fake.close();
  }
  printTable(reference, reports);
  return summarise(reference, reports);
}

const fakeFlag = process.argv.indexOf('--fake-server');
const pollerFlag = process.argv.indexOf('--poller');
if (fakeFlag >= 0) {
  runFakeServer(Number(process.argv[fakeFlag + 1] ?? DELAY_MS));
} else if (pollerFlag >= 0) {
  await runPollerProcess(process.argv[pollerFlag + 1]!, process.argv[pollerFlag + 2]!);
} else {
  try {
    process.exitCode = await main();
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  }
}

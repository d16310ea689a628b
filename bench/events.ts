/**
 * Event delivery benchmark: events per second from commit to NATS JetStream acknowledgement through the
 * outbox relay, with 1,000 events outstanding, as a ratio to raw JetStream publishing of the same
 * payloads with the same number outstanding, measured in the same run; end-to-end latency p50 / p99.
 * Run with `npm run bench:events`; see bench/README.md.
 */

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import { createIdGenerator } from '../src/core/ids.js';
import { silentLogger } from '../src/core/logger.js';
import { type EncodedEvent, encodeEvent } from '../src/events/cloud-event.js';
import { envSecretResolver } from '../src/events/env-secret.js';
import { createOutboxRelay } from '../src/events/relay.js';
import { createNatsSink } from '../src/events/sinks/nats.js';
import type { EventSink } from '../src/events/sinks/sink.js';
import { type Database, openDatabase } from '../src/store/database.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { createStore } from '../src/store/store.js';
import { createPostgresSchema, TEST_POSTGRES_URL } from '../test/support/services.js';
import { loadLine, machineLine } from './support/machine.js';

const EVENTS = positiveInteger('BENCH_EVENTS', 10_000);
const OUTSTANDING = positiveInteger('BENCH_OUTSTANDING', 1_000);
const INTEGRATIONS = positiveInteger('BENCH_INTEGRATIONS', 500);
const RUNS = positiveInteger('BENCH_RUNS', 3);
const DATABASES = (process.env.BENCH_DATABASES ?? 'sqlite,postgres').split(',').map((name) => name.trim());
const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
/** Lanes the relay claims per round, events per lane per round, idle poll. */
const RELAY = { batchSize: 1_000, runLength: 20, pollIntervalMs: 5 };
const TARGET_RATIO = 0.1;

function positiveInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer, not '${raw}'`);
  return value;
}

interface Figures {
  readonly eventsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

const suffix = randomBytes(4).toString('hex');
const STREAM = `BENCH_EVENTS_${suffix}`;
const PREFIX = `bench${suffix}`;
const newId = createIdGenerator();
const subjects = Array.from({ length: INTEGRATIONS }, () => newId());

/** A realistic `integration.updated` payload, as the catalog writes it. */
function payload(n: number) {
  const subject = subjects[n % INTEGRATIONS]!;
  return {
    subject,
    data: {
      integrationId: subject,
      version: Math.floor(n / INTEGRATIONS) + 2,
      changedFields: ['owner'],
      integration: {
        name: `bench-${n % INTEGRATIONS}`,
        type: 'scm',
        provider: 'github_app',
        endpoint: 'https://github.example.com',
        authRef: 'authref://local/01890a5d-ac96-774b-bcce-b302099a8057',
        tags: ['prod', 'team:platform'],
        owner: `owner-${n}`,
        enabled: true,
        status: 'active',
      },
    },
  };
}

function percentile(sorted: Float64Array, q: number): number {
  return sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function figures(count: number, seconds: number, latencies: number[]): Figures {
  const sorted = Float64Array.from(latencies).sort();
  return {
    eventsPerSecond: count / seconds,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
  };
}

/** Raw JetStream: publish the same CloudEvent JSON, keeping OUTSTANDING publishes waiting for their ack. */
async function rawJetStream(nc: NatsConnection, run: number): Promise<Figures> {
  const js = jetstream(nc, { timeout: 10_000 });
  const bodies: EncodedEvent[] = Array.from({ length: EVENTS }, (_, n) =>
    encodeEvent({
      id: newId(),
      tenantId: 'bench',
      type: 'integration.updated',
      createdAt: new Date().toISOString(),
      position: n + 1,
      source: '/integrations-catalog/bench',
      ...payload(n),
    }),
  );
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  async function worker() {
    while (next < bodies.length) {
      const { event, body } = bodies[next++]!;
      const sent = performance.now();
      await js.publish(`${PREFIX}.${event.type}`, body, { msgID: `${event.id}-raw${run}` });
      latencies.push(performance.now() - sent);
    }
  }
  await Promise.all(Array.from({ length: OUTSTANDING }, worker));
  return figures(EVENTS, (performance.now() - started) / 1000, latencies);
}

/** Through the outbox: commit events while fewer than OUTSTANDING wait for their JetStream ack. */
async function relayed(database: Database): Promise<Figures> {
  const store = createStore(database);
  const committedAt = new Map<string, number>();
  const latencies: number[] = [];
  let acked = 0;
  let allAcked!: () => void;
  const done = new Promise<void>((resolve) => {
    allAcked = resolve;
  });
  const nats = createNatsSink(
    {
      kind: 'nats',
      name: 'nats',
      servers: [NATS_URL],
      subjectPrefix: PREFIX,
      tokenRef: null,
      stream: { name: STREAM, create: false, duplicateWindowSeconds: 120 },
      timeoutMs: 10_000,
    },
    { resolveSecret: envSecretResolver({}), logger: silentLogger },
  );
  // Times the first ack of each event (a redelivery would not count twice).
  const timed: EventSink = {
    ...nats,
    async publish(encoded, signal) {
      await nats.publish(encoded, signal);
      const at = committedAt.get(encoded.event.id);
      if (at === undefined) return;
      committedAt.delete(encoded.event.id);
      latencies.push(performance.now() - at);
      acked += 1;
      wake?.();
      if (acked === EVENTS) allAcked();
    },
  };
  const relay = createOutboxRelay({
    database,
    sinks: [timed],
    source: '/integrations-catalog/bench',
    instanceId: 'bench',
    logger: silentLogger,
    settings: RELAY,
  });
  let wake: (() => void) | undefined;
  const started = performance.now();
  relay.start();
  let written = 0;
  while (written < EVENTS) {
    const room = Math.min(OUTSTANDING - (written - acked), EVENTS - written, 200);
    if (room <= 0) {
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
      continue;
    }
    const ids: string[] = [];
    await store.transaction(async (tx) => {
      for (let i = 0; i < room; i++) {
        const id = newId();
        ids.push(id);
        await tx.outbox.append({
          id,
          tenantId: 'bench',
          type: 'integration.updated',
          createdAt: new Date().toISOString(),
          ...payload(written + i),
        });
      }
    });
    const at = performance.now();
    for (const id of ids) committedAt.set(id, at);
    written += room;
  }
  await done;
  const seconds = (performance.now() - started) / 1000;
  await relay.stop();
  return figures(EVENTS, seconds, latencies);
}

function best(results: readonly Figures[]): Figures {
  return [...results].sort((a, b) => b.eventsPerSecond - a.eventsPerSecond)[0]!;
}

async function main(): Promise<number> {
  console.log('Event delivery benchmark');
  console.log(machineLine());
  console.log(loadLine());
  console.log(
    `  ${EVENTS} events per run over ${INTEGRATIONS} integrations, ${OUTSTANDING} outstanding, best of ${RUNS} ` +
      `runs; relay batch ${RELAY.batchSize} lanes × ${RELAY.runLength}, poll ${RELAY.pollIntervalMs} ms`,
  );

  const nc = await connect({ servers: NATS_URL });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: STREAM, subjects: [`${PREFIX}.>`] });
  const info = nc.info;
  console.log(
    `  NATS ${info?.version ?? '?'} at ${NATS_URL}, stream ${STREAM} (file storage, 2 min duplicate window)`,
  );
  console.log('');

  const rows: { name: string; figures: Figures }[] = [];
  let failed = false;
  try {
    await rawJetStream(nc, 0); // warm-up
    const raw = best(await sequential(RUNS, (run) => rawJetStream(nc, run + 1)));
    rows.push({ name: 'raw JetStream publish', figures: raw });
    for (const dialect of DATABASES) {
      try {
        const result = await withDatabase(dialect, async (database) => {
          await relayed(database); // warm-up
          return best(await sequential(RUNS, () => relayed(database)));
        });
        if (result) rows.push({ name: `outbox relay (${dialect})`, figures: result });
      } catch (error) {
        failed = true;
        console.log(`[${dialect}] FAILED: ${(error as Error).stack ?? error}`);
      }
    }
  } finally {
    await jsm.streams.delete(STREAM).catch(() => false);
    await nc.close();
  }

  const raw = rows[0]!.figures.eventsPerSecond;
  const line = (cells: string[]) =>
    `  ${cells[0]!.padEnd(26)}${cells
      .slice(1)
      .map((c) => c.padStart(12))
      .join('')}`;
  console.log(line(['', 'events/s', 'vs raw', 'p50 ms', 'p99 ms']));
  for (const { name, figures: f } of rows) {
    console.log(
      line([
        name,
        Math.round(f.eventsPerSecond).toString(),
        (f.eventsPerSecond / raw).toFixed(2),
        f.p50Ms.toFixed(1),
        f.p99Ms.toFixed(1),
      ]),
    );
  }
  console.log('');
  console.log(
    '  latency: raw = publish to ack; relay = commit to ack (waits for a round: poll, claim, earlier events)',
  );
  const relayRows = rows.slice(1);
  const worst = Math.min(...relayRows.map((r) => r.figures.eventsPerSecond / raw));
  const pass = !failed && relayRows.length > 0 && worst >= TARGET_RATIO;
  console.log(
    `Summary: relay/raw ≥ ${TARGET_RATIO} on every database: ${pass ? 'PASS' : 'FAIL'} (lowest ${worst.toFixed(2)})`,
  );
  return pass ? 0 : 1;
}

async function sequential<T>(count: number, run: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let index = 0; index < count; index++) results.push(await run(index));
  return results;
}

async function withDatabase<T>(
  dialect: string,
  work: (database: Database) => Promise<T>,
): Promise<T | undefined> {
  if (dialect === 'sqlite') {
    const dataDir = mkdtempSync(join(tmpdir(), 'integrations-bench-'));
    const database = openDatabase({ url: null, dataDir });
    try {
      await migrateToLatest(database);
      return await work(database);
    } finally {
      await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  if (dialect === 'postgres') {
    const probe = new pg.Client({ connectionString: TEST_POSTGRES_URL, connectionTimeoutMillis: 2000 });
    try {
      await probe.connect();
    } catch (error) {
      console.log(`[postgres] skipped: ${TEST_POSTGRES_URL} does not answer (${(error as Error).message})`);
      return undefined;
    } finally {
      await probe.end().catch(() => {});
    }
    const schema = await createPostgresSchema();
    const database = openDatabase({ url: schema.url, dataDir: tmpdir(), poolSize: 10 });
    try {
      await migrateToLatest(database);
      return await work(database);
    } finally {
      await database.close();
      await schema.drop();
    }
  }
  throw new Error(`unknown database '${dialect}' in BENCH_DATABASES`);
}

process.exitCode = await main();

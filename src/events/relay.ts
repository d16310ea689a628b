import type { Registry } from 'prom-client';
import type { Logger } from '../core/logger.js';
import { fullJitter } from '../net/index.js';
import type { Database } from '../store/database.js';
import {
  createOutboxDeliveryRepository,
  type OutboxDeliveryRepository,
} from '../store/outbox-delivery-repository.js';
import { type EncodedEvent, encodeEvent } from './cloud-event.js';
import { deliverLane, type LaneResult } from './deliver-lane.js';
import { createRelayMetrics } from './relay-metrics.js';
import type { EventSink } from './sinks/sink.js';

export interface RelaySettings {
  /** Lanes (integration × sink) claimed per round. */
  readonly batchSize: number;
  /** Events delivered per lane per round, one after another. */
  readonly runLength: number;
  /** Wait between rounds when there was nothing to do. */
  readonly pollIntervalMs: number;
  /** How long a claim holds; raised to outlast the slowest sink. */
  readonly leaseMs: number;
  /** Delivered events are deleted this long after delivery. */
  readonly retentionMs: number;
  readonly pruneIntervalMs: number;
  /** Exponential backoff with full jitter between tries of a failing delivery. */
  readonly backoffBaseMs: number;
  readonly backoffCapMs: number;
  /** On stop, in-flight deliveries get this long before they are cut off. */
  readonly stopGraceMs: number;
}

export const DEFAULT_RELAY_SETTINGS: RelaySettings = {
  batchSize: 100,
  runLength: 50,
  pollIntervalMs: 500,
  leaseMs: 30_000,
  retentionMs: 7 * 86_400_000,
  pruneIntervalMs: 60_000,
  backoffBaseMs: 1_000,
  backoffCapMs: 300_000,
  stopGraceMs: 2_000,
};

export interface OutboxRelayDeps {
  readonly database: Database;
  readonly sinks: readonly EventSink[];
  /** The CloudEvents source stamped on events this instance sequences. */
  readonly source: string;
  /** Names this instance in leases. */
  readonly instanceId: string;
  readonly logger: Logger;
  readonly registry?: Registry;
  readonly now?: () => Date;
  readonly random?: () => number;
  readonly settings?: Partial<RelaySettings>;
  /** Sequence and prune, but deliver nothing (offline mode). */
  readonly paused?: boolean;
}

/** Delivers the outbox to the sinks: at least once, in order per integration and sink. */
export interface OutboxRelay {
  start(): void;
  /** Stops claiming, lets in-flight deliveries finish (or cuts them off), gives back leases, closes sinks. */
  stop(): Promise<void>;
  /** One round: sequence, claim, deliver, record. Resolves with the deliveries tried. */
  runOnce(): Promise<number>;
  /** Rounds until one finds nothing due (tests, benchmarks). Resolves with the deliveries tried. */
  drain(): Promise<number>;
  /** Deletes events delivered longer ago than the retention. Resolves with how many. */
  prune(): Promise<number>;
}

const SEQUENCE_BATCH = 1_000;
const LEASE_MARGIN_MS = 2_000;
const MIN_RETRY_DELAY_MS = 100;

/**
 * @example
 * const relay = createOutboxRelay({ database, sinks, source: '/integrations-catalog/a', instanceId: 'a', logger });
 * relay.start();
 * await relay.stop();
 */
export function createOutboxRelay(deps: OutboxRelayDeps): OutboxRelay {
  const { sinks, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const random = deps.random ?? Math.random;
  const base = { ...DEFAULT_RELAY_SETTINGS, ...deps.settings };
  const slowest = Math.max(0, ...sinks.map((sink) => sink.timeoutMs));
  // A publish starts only while the lease has its timeout and a margin left, so it must be longer.
  const settings = { ...base, leaseMs: Math.max(base.leaseMs, slowest + 2 * LEASE_MARGIN_MS) };
  const repository: OutboxDeliveryRepository = createOutboxDeliveryRepository(
    deps.database.db,
    deps.database.dialect,
  );
  const metrics = createRelayMetrics(deps.registry, repository, now);
  const sinkNames = sinks.map((sink) => sink.name);
  const sinkByName = new Map(sinks.map((sink) => [sink.name, sink]));
  const owner = deps.instanceId;

  let stopping = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let abort = new AbortController();
  let lastPrune = 0;
  let queue: Promise<unknown> = Promise.resolve();

  /** Rounds never overlap in one instance (a drain during the loop waits its turn). */
  function exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  }

  async function sequence(): Promise<void> {
    for (let i = 0; i < 10; i++) {
      if ((await repository.sequence(deps.source, SEQUENCE_BATCH)) < SEQUENCE_BATCH) return;
    }
  }

  async function round(): Promise<number> {
    await sequence();
    if (deps.paused) return 0;
    const startedAt = now();
    if (sinks.length === 0) {
      await repository.completeWithoutSinks(startedAt.toISOString());
      return 0;
    }
    await repository.materialize(sinkNames, startedAt.toISOString(), SEQUENCE_BATCH);
    const leaseUntilMs = startedAt.getTime() + settings.leaseMs;
    const lanes = await repository.claim({
      sinks: sinkNames,
      owner,
      now: startedAt.toISOString(),
      leaseUntil: new Date(leaseUntilMs).toISOString(),
      lanes: settings.batchSize,
      runLength: settings.runLength,
    });
    if (lanes.length === 0) return 0;
    const ids = [...new Set(lanes.flatMap((lane) => lane.deliveries.map((d) => d.eventId)))];
    const stored = await repository.loadEvents(ids);
    const encoded = new Map<string, EncodedEvent>();
    const event = (id: string) => {
      if (!encoded.has(id)) {
        const row = stored.get(id);
        if (row) encoded.set(id, encodeEvent(row));
      }
      return encoded.get(id);
    };
    const signal = abort.signal;
    const results = await Promise.all(
      lanes.map((lane) =>
        deliverLane(lane, {
          sink: sinkByName.get(lane.sink)!,
          event,
          clock: () => now().getTime(),
          leaseUntilMs,
          marginMs: LEASE_MARGIN_MS,
          stopping: () => stopping,
          signal,
        }),
      ),
    );
    return record(results);
  }

  async function record(results: readonly LaneResult[]): Promise<number> {
    const at = now();
    const delivered = new Map<string, string[]>();
    let tried = 0;
    for (const result of results) {
      if (result.delivered.length > 0) {
        delivered.set(result.sink, [...(delivered.get(result.sink) ?? []), ...result.delivered]);
        metrics.deliveries.inc({ sink: result.sink, outcome: 'delivered' }, result.delivered.length);
      }
      tried += result.delivered.length + result.parked.length + (result.failed ? 1 : 0);
    }
    await repository.markDelivered(delivered, sinkNames, at.toISOString());
    for (const result of results) {
      for (const parked of result.parked) {
        await repository.park(result.sink, parked.eventId, owner, parked.reason, at.toISOString());
        metrics.deliveries.inc({ sink: result.sink, outcome: 'parked' });
        logger.warn({ sink: result.sink, eventId: parked.eventId, reason: parked.reason }, 'event parked');
      }
      if (result.failed) {
        const { delivery, reason } = result.failed;
        const delay = Math.max(
          MIN_RETRY_DELAY_MS,
          fullJitter(delivery.attempts + 1, random, settings.backoffBaseMs, settings.backoffCapMs),
        );
        const nextAttemptAt = new Date(at.getTime() + delay).toISOString();
        await repository.reschedule(result.sink, delivery.eventId, owner, nextAttemptAt, reason);
        metrics.deliveries.inc({ sink: result.sink, outcome: 'failed' });
        logger.warn(
          {
            sink: result.sink,
            eventId: delivery.eventId,
            attempt: delivery.attempts + 1,
            reason,
            nextAttemptAt,
          },
          'event delivery failed; will retry',
        );
      }
      if (result.leftover.length > 0) {
        await repository.release(owner, { sink: result.sink, eventIds: result.leftover });
      }
    }
    return tried;
  }

  /** Housekeeping: marks what is delivered everywhere (see sweepCompleted), then deletes old events. */
  async function prune(): Promise<number> {
    if (sinks.length > 0) await repository.sweepCompleted(sinkNames, now().toISOString(), 10_000);
    const cutoff = new Date(now().getTime() - settings.retentionMs).toISOString();
    let pruned = 0;
    for (let i = 0; i < 100; i++) {
      const n = await repository.prune(cutoff, 1_000);
      pruned += n;
      if (n < 1_000) break;
    }
    return pruned;
  }

  async function run(): Promise<void> {
    while (!stopping) {
      let tried = 0;
      try {
        tried = await exclusive(round);
        if (Date.now() - lastPrune >= settings.pruneIntervalMs) {
          lastPrune = Date.now();
          const pruned = await exclusive(prune);
          if (pruned > 0) logger.info({ pruned }, 'delivered events pruned');
        }
      } catch (error) {
        if (stopping) break;
        logger.error({ error: (error as Error).message }, 'outbox relay round failed');
      }
      if (tried === 0 && !stopping) {
        await new Promise<void>((done) => {
          const timer = setTimeout(done, settings.pollIntervalMs);
          wake = () => {
            clearTimeout(timer);
            done();
          };
        });
        wake = undefined;
      }
    }
  }

  return {
    start() {
      if (loop) return;
      stopping = false;
      abort = new AbortController();
      loop = run();
      logger.info(
        { sinks: sinks.map((s) => `${s.kind}:${s.name}`), instanceId: owner, paused: deps.paused === true },
        deps.paused
          ? 'outbox relay started; offline: events wait, nothing is delivered'
          : 'outbox relay started',
      );
    },
    async stop() {
      stopping = true;
      wake?.();
      if (loop) {
        const grace = new Promise<'late'>((done) =>
          setTimeout(() => done('late'), settings.stopGraceMs).unref(),
        );
        if ((await Promise.race([loop.then(() => 'done' as const), grace])) === 'late') abort.abort();
        await loop;
        loop = undefined;
      }
      await queue;
      await repository.release(owner).catch((error: unknown) => {
        logger.warn({ error: (error as Error).message }, 'could not give back relay leases');
      });
      await Promise.all(sinks.map((sink) => sink.close()));
    },
    runOnce: () => exclusive(round),
    async drain() {
      let total = 0;
      for (;;) {
        const tried = await exclusive(round);
        total += tried;
        if (tried === 0) return total;
      }
    },
    prune: () => exclusive(prune),
  };
}

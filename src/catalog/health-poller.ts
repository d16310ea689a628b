import type { Integration } from '../core/integration.js';
import type { Logger } from '../core/logger.js';
import type { HealthCheckResult } from '../plugins/contracts.js';
import type { PluginRegistry } from '../plugins/registry.js';
import type { CheckResultWrite, ClaimedCheck } from '../store/health-repository.js';
import type { OutboxEvent } from '../store/outbox-repository.js';
import type { Repositories, Store } from '../store/store.js';
import type { HealthMetrics } from './health-metrics.js';
import {
  nextHealth,
  statusForHealth,
  type Transition,
  type TransitionSettings,
} from './health-transition.js';
import type { PluginContextFactory } from './plugin-context.js';
import { nextRunAt } from './poll-timing.js';
import { safeHealthCheck } from './run-check.js';

/** Most results written in one transaction. */
const WRITE_BATCH = 200;
/** Transactions writing results at once (on PostgreSQL each is a connection of the pool). */
const WRITERS = 4;
/**
 * How long a result may wait for others to be written with it. Results come in a few dozen per turn
 * of the event loop; on SQLite the statements of a transaction took about 100 µs a result for 40
 * results and 65 µs for 170, the commit and each statement's fixed cost being shared by more rows.
 * A result waiting to be written holds no concurrency slot.
 */
const WRITE_DELAY_MS = 50;

/** Validated configs kept at most (see validConfig); past it they are all dropped and made again. */
const VALIDATED_CONFIGS_MAX = 65_536;

/**
 * Longest a claimed check may wait in the queue for a slot: a lease lasts what a check may take,
 * waiting for a host slot included, plus this margin.
 */
const QUEUE_WAIT_MS = 30_000;

/** A batch held an event for a result whose lease was lost; it is written result by result instead. */
class LeaseLostError extends Error {}

/** What one result writes. */
interface ResultWrite {
  readonly write: CheckResultWrite;
  readonly event?: OutboxEvent;
}

/** A finished check waiting to be written, and the check waiting for that. */
interface Outcome {
  readonly claim: ClaimedCheck;
  readonly integration: Integration;
  readonly result: HealthCheckResult;
  readonly transition: Transition;
  readonly latencyMs: number;
  readonly at: Date;
  readonly written: (kept: boolean) => void;
  readonly failed: (error: unknown) => void;
}

export interface PollerSettings extends TransitionSettings {
  readonly intervalMs: number;
  readonly concurrency: number;
  readonly perHostConcurrency: number;
  readonly checkTimeoutMs: number;
  readonly historyLimit: number;
  /** How often to look for due checks when idle. */
  readonly tickMs?: number;
}

export interface HealthPollerDeps {
  readonly store: Store;
  readonly plugins: PluginRegistry;
  readonly contexts: PluginContextFactory;
  readonly logger: Logger;
  readonly metrics: HealthMetrics;
  readonly newId: () => string;
  readonly now: () => Date;
  /** Names this instance in leases and history. */
  readonly instanceId: string;
  readonly settings: PollerSettings;
  readonly random?: () => number;
}

/** Checks due integrations in the background, sharing the work with other instances through leases. */
export interface HealthPoller {
  start(): void;
  /** Stops claiming, waits for running checks (bounded by their timeout), gives leases back. */
  stop(): Promise<void>;
  /** Claims and runs what is due now, until nothing is; for tests and one-shot runs. Returns how many it ran. */
  drain(): Promise<number>;
  /** Checks claimed and not started, running or waiting for a host slot, or whose result is not written yet. */
  readonly busy: number;
}

export function createHealthPoller(deps: HealthPollerDeps): HealthPoller {
  const { store, settings, logger, metrics, instanceId } = deps;
  const random = deps.random ?? Math.random;
  // A lease outlives the longest a check may take (its timeout, and as long again waiting for a host
  // slot), after up to QUEUE_WAIT_MS in the queue.
  const leaseMs = settings.checkTimeoutMs * 2 + QUEUE_WAIT_MS;
  const tickMs = settings.tickMs ?? 1_000;
  const running = new Set<Promise<void>>();
  const perHost = new Map<string, { active: number; waiting: (() => void)[] }>();
  /** Checks claimed and not finished yet (running or waiting for a host slot). */
  let pending = 0;
  /** Finished checks whose result is not written yet. */
  let unwritten = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopping = false;
  let pumping: Promise<number> | undefined;
  let pumpQueued = false;
  /** Checks started since creation, for drain() to report. */
  let startedTotal = 0;
  /**
   * Claimed checks, with their integrations (undefined: deleted since), waiting for a slot, and when
   * their leases end (milliseconds since the epoch).
   */
  const queued: {
    readonly claim: ClaimedCheck;
    readonly integration: Integration | undefined;
    readonly leaseUntil: number;
  }[] = [];
  /**
   * Claimed checks kept waiting beyond the running ones: enough for the slots to refill at once while
   * a claim waits its turn behind a batch of results being written (SQLite has one connection).
   */
  const prefetch = 2 * settings.concurrency;
  const minClaim = Math.max(1, Math.floor(prefetch / 4));

  /** A slot of `host`'s: its release at once when one is free, else a promise of it. */
  function hostSlot(host: string): (() => void) | Promise<() => void> {
    let state = perHost.get(host);
    if (!state) {
      state = { active: 0, waiting: [] };
      perHost.set(host, state);
    }
    const slot = state;
    const take = () => {
      slot.active += 1;
      return () => {
        slot.active -= 1;
        const next = slot.waiting.shift();
        if (next) next();
        else if (slot.active === 0) perHost.delete(host);
      };
    };
    if (slot.active < settings.perHostConcurrency) return take();
    return new Promise<void>((go) => slot.waiting.push(go)).then(take);
  }

  /**
   * An integration's config as its plugin's schema gives it (defaults applied), kept while the
   * integration's version is unchanged: a version changes with every edit, provider and config
   * included, and validating again at every check cost as much as the rest of starting one.
   */
  const validated = new Map<string, { readonly version: number; readonly config: Record<string, unknown> }>();
  function validConfig(integration: Integration): Record<string, unknown> {
    const kept = validated.get(integration.id);
    if (kept?.version === integration.version) return kept.config;
    const config = deps.plugins.validateConfig(integration.provider, integration.type, integration.config);
    if (validated.size >= VALIDATED_CONFIGS_MAX) validated.clear();
    validated.set(integration.id, { version: integration.version, config });
    return config;
  }

  /** The label set of each provider and status, made once (prom-client checks a reused one faster). */
  const checkLabels = new Map<string, { readonly provider: string; readonly status: string }>();
  function checkLabelsOf(provider: string, status: string) {
    const key = `${provider}\u0000${status}`;
    let labels = checkLabels.get(key);
    if (!labels) {
      labels = Object.freeze({ provider, status });
      checkLabels.set(key, labels);
    }
    return labels;
  }

  /** Runs one check; calls `checked` when the outside system has answered, before writing the result. */
  async function check(
    claim: ClaimedCheck,
    integration: Integration | undefined,
    checked: () => void,
  ): Promise<void> {
    if (!integration) return; // deleted since it was claimed; its schedule went with it
    const entry = deps.plugins.get(integration.provider);
    const slot = hostSlot(hostOf(integration.endpoint));
    const release = typeof slot === 'function' ? slot : await slot;
    const started = deps.now();
    let result: HealthCheckResult;
    try {
      metrics.pollLag.observe(Math.max(0, started.getTime() - Date.parse(claim.dueAt)) / 1000);
      if (!entry?.availability.available) {
        result = {
          status: 'unhealthy',
          message: `provider '${integration.provider}' is not available in this instance`,
        };
      } else {
        const config = validConfig(integration);
        result = await safeHealthCheck(settings.checkTimeoutMs, (signal) =>
          entry.plugin.checkHealth(
            deps.contexts.create({ ...integration, config }, signal, {
              operation: 'health_check',
              purpose: 'health',
              actor: 'system',
            }),
          ),
        );
      }
    } catch (error) {
      result = { status: 'unhealthy', message: (error as Error).message };
    } finally {
      release();
    }
    const at = deps.now();
    const latencyMs = Math.round(at.getTime() - started.getTime());
    metrics.healthChecks.inc(checkLabelsOf(integration.provider, result.status));
    checked();
    await record(claim, integration, result, latencyMs, at);
  }

  const outcomes: Outcome[] = [];
  let writers = 0;
  /** A flush is due at the next turn of the event loop (a full batch is waiting). */
  let flushQueued = false;
  let flushTimer: NodeJS.Timeout | undefined;

  async function record(
    claim: ClaimedCheck,
    integration: Integration,
    result: HealthCheckResult,
    latencyMs: number,
    at: Date,
  ) {
    const transition = nextHealth(integration.health.status, claim, result, settings);
    const kept = await new Promise<boolean>((written, failed) => {
      outcomes.push({ claim, integration, result, transition, latencyMs, at, written, failed });
      scheduleFlush();
    });
    const fields = {
      integrationId: integration.id,
      provider: integration.provider,
      operation: 'health_check',
    };
    if (!kept) logger.warn(fields, 'lease lost before the health check was recorded; result dropped');
    else if (transition.status !== integration.health.status) {
      logger.info({ ...fields, from: integration.health.status, to: transition.status }, 'health changed');
    }
  }

  /**
   * Writes waiting results once WRITE_DELAY_MS has passed since the first of them arrived, or as soon
   * as a full batch is waiting or no check is left to wait for, by up to WRITERS transactions at once.
   */
  function scheduleFlush(): void {
    // Nothing else is running or waiting to run: no result is coming to share the write with.
    if (outcomes.length >= WRITE_BATCH || (pending === 0 && queued.length === 0)) {
      if (flushQueued) return;
      flushQueued = true;
      setImmediate(flush);
    } else {
      flushTimer ??= setTimeout(flush, WRITE_DELAY_MS);
    }
  }

  function flush(): void {
    clearTimeout(flushTimer);
    flushTimer = undefined;
    flushQueued = false;
    while (outcomes.length > 0 && writers < WRITERS) {
      writers += 1;
      void writeBatch(outcomes.splice(0, WRITE_BATCH)).finally(() => {
        writers -= 1;
        if (outcomes.length > 0) scheduleFlush();
      });
    }
  }

  /**
   * Writes results in one transaction and a few statements for all of them (instead of a transaction
   * and five statements each). Each result is written exactly as on its own; if the shared transaction
   * fails, each is tried again alone, so one bad result cannot take the others down.
   */
  async function writeBatch(batch: readonly Outcome[]): Promise<void> {
    let writes: ResultWrite[];
    try {
      writes = batch.map(resultWrite);
    } catch (error) {
      for (const outcome of batch) outcome.failed(error);
      return;
    }
    try {
      const kept = await store.transaction(async (tx) => {
        // The events go in with the results, in one insert, sent together with the results'
        // statements. An event belongs only to a result whose lease held: if one was lost (rare),
        // the whole batch is rolled back and written result by result below.
        const [done] = await Promise.all([
          tx.health.recordResults(
            writes.map(({ write }) => write),
            settings.historyLimit,
          ),
          tx.outbox.appendMany(writes.flatMap(({ event }) => (event ? [event] : []))),
        ]);
        if (writes.some(({ event }, index) => event && !done[index])) throw new LeaseLostError();
        return done;
      });
      for (const [index, outcome] of batch.entries()) outcome.written(kept[index]!);
    } catch {
      for (const [index, outcome] of batch.entries()) {
        try {
          outcome.written(await store.transaction((tx) => writeOne(tx, writes[index]!)));
        } catch (error) {
          outcome.failed(error);
        }
      }
    }
  }

  /** Writes one result if the lease is still ours; false when it was lost. */
  async function writeOne(tx: Repositories, { write, event }: ResultWrite): Promise<boolean> {
    if (!(await tx.health.complete(write.check, write.next))) return false;
    await tx.health.setHealth(write.record.tenantId, write.record.integrationId, write.health, write.status);
    await tx.health.appendCheck(write.record, settings.historyLimit);
    if (event) await tx.outbox.append(event);
    return true;
  }

  /** The rows a result becomes: next run, health, history record, and an event if health changed. */
  function resultWrite(outcome: Outcome): ResultWrite {
    const { claim, integration, result, transition, latencyMs, at } = outcome;
    const intervalMs = (integration.pollIntervalSeconds ?? 0) * 1000 || settings.intervalMs;
    const checkedAt = at.toISOString();
    const write: CheckResultWrite = {
      check: claim,
      next: {
        nextRunAt: nextRunAt(at, intervalMs, random).toISOString(),
        consecutiveFailures: transition.consecutiveFailures,
        consecutiveSuccesses: transition.consecutiveSuccesses,
      },
      health: { status: transition.status, checkedAt, latencyMs, message: result.message },
      status: statusForHealth(transition.status, true),
      record: {
        id: deps.newId(),
        tenantId: integration.tenantId,
        integrationId: integration.id,
        kind: 'health',
        status: result.status,
        message: result.message,
        latencyMs,
        checks: null,
        checkedAt,
        instance: instanceId,
      },
    };
    if (transition.status === integration.health.status) return { write };
    const event: OutboxEvent = {
      id: deps.newId(),
      tenantId: integration.tenantId,
      subject: integration.id,
      type: 'integration.health_changed',
      data: {
        integrationId: integration.id,
        from: integration.health.status,
        to: transition.status,
        reason: result.message,
      },
      createdAt: checkedAt,
    };
    return { write, event };
  }

  /**
   * Starts claimed checks while there are free slots. A check that waited so long in the queue that
   * its lease could end before it does (its host slow to answer, and its slots with it) is not run:
   * another instance may claim it once the lease ends, and so may this one.
   */
  function startQueued(): void {
    let now: number | undefined;
    while (!stopping && pending < settings.concurrency && queued.length > 0) {
      const { claim, integration, leaseUntil } = queued.shift()!;
      now ??= deps.now().getTime();
      if (now + leaseMs - QUEUE_WAIT_MS > leaseUntil) {
        logger.debug(
          { integrationId: claim.integrationId, operation: 'health_check' },
          'claimed health check waited too long for a slot; left to be claimed again when its lease ends',
        );
        continue;
      }
      launch(claim, integration);
    }
  }

  function launch(claim: ClaimedCheck, integration: Integration | undefined): void {
    pending += 1;
    startedTotal += 1;
    let answered = false;
    const checked = () => {
      answered = true;
      pending -= 1;
      unwritten += 1;
      startQueued();
      if (!stopping) schedulePump();
    };
    const task = check(claim, integration, checked)
      .catch((error: unknown) =>
        logger.error({ err: error, integrationId: claim.integrationId }, 'health check failed'),
      )
      .finally(() => {
        if (answered) unwritten -= 1;
        else pending -= 1;
        running.delete(task);
        startQueued();
        if (!stopping) schedulePump();
      });
    running.add(task);
  }

  /**
   * Claims due checks, with their integrations, into the queue, and starts as many as there are free
   * slots. The queue holds up to `prefetch` checks beyond the slots, so that a slot that frees starts
   * the next check at once instead of waiting for a claim, and claims come in batches of at least
   * `minClaim`. A check's slot is free once the outside system has answered, while its result waits
   * to be written with others; results waiting beyond twice `concurrency` take room, so a slow
   * database slows claiming. Returns how many it claimed.
   */
  async function pump(): Promise<number> {
    let claimed = 0;
    while (!stopping) {
      const room =
        settings.concurrency +
        prefetch -
        pending -
        queued.length -
        Math.max(0, unwritten - 2 * settings.concurrency);
      if (room <= 0 || (room < minClaim && queued.length > 0)) break;
      // Idle, the first claim fills the slots alone, so checks start without waiting for the prefetch.
      const limit = pending === 0 && queued.length === 0 ? Math.min(room, settings.concurrency) : room;
      const now = deps.now();
      const leaseUntil = now.getTime() + leaseMs;
      const claims = await store.health.claimDue(
        instanceId,
        now.toISOString(),
        new Date(leaseUntil).toISOString(),
        limit,
      );
      if (claims.length === 0) break;
      const integrations = new Map(
        (await store.integrations.findByIds(claims.map((c) => c.integrationId))).map((i) => [i.id, i]),
      );
      for (const claim of claims) {
        queued.push({ claim, integration: integrations.get(claim.integrationId), leaseUntil });
      }
      claimed += claims.length;
      startQueued();
      if (claims.length < limit) break;
    }
    return claimed;
  }

  /**
   * Claims room for checks that finished. Deferred to the end of this turn of the event loop, so the
   * checks that finish together are refilled by one claim instead of one claim each.
   */
  function schedulePump(): void {
    if (pumping || pumpQueued) return;
    pumpQueued = true;
    setImmediate(() => {
      pumpQueued = false;
      if (!stopping) void runPump();
    });
  }

  /** Joins the pump in progress, or starts one. */
  function runPump(): Promise<number> {
    pumping ??= pump()
      .catch((error: unknown) => {
        logger.error({ err: error }, 'claiming due health checks failed');
        return 0;
      })
      .finally(() => {
        pumping = undefined;
      });
    return pumping;
  }

  return {
    start() {
      stopping = false;
      void runPump();
      timer = setInterval(schedulePump, tickMs);
      timer.unref();
      logger.info({ instanceId, concurrency: settings.concurrency }, 'health poller started');
    },

    async stop() {
      stopping = true;
      clearInterval(timer);
      await pumping;
      await Promise.allSettled([...running]);
      // Claimed checks not started go back with the leases.
      queued.length = 0;
      const released = await store.health.release(instanceId);
      logger.info({ instanceId, released }, 'health poller stopped');
    },

    async drain() {
      const before = startedTotal;
      for (;;) {
        const claimed = await runPump();
        startQueued();
        if (claimed === 0 && running.size === 0 && queued.length === 0 && !pumping)
          return startedTotal - before;
        await Promise.allSettled([...running]);
      }
    },

    get busy() {
      return pending + unwritten + queued.length;
    },
  };
}

function hostOf(endpoint: string): string {
  try {
    return new URL(endpoint).host;
  } catch {
    return endpoint;
  }
}

import type { Integration } from '../core/integration.js';
import type { Logger } from '../core/logger.js';
import type { HealthCheckResult } from '../plugins/contracts.js';
import type { PluginRegistry } from '../plugins/registry.js';
import type { ClaimedCheck } from '../store/health-repository.js';
import type { Store } from '../store/store.js';
import type { HealthMetrics } from './health-metrics.js';
import { nextHealth, statusForHealth, type TransitionSettings } from './health-transition.js';
import type { PluginContextFactory } from './plugin-context.js';
import { nextRunAt } from './poll-timing.js';
import { safeHealthCheck } from './run-check.js';

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
  /** Claims and runs what is due now, until nothing is; for tests and one-shot runs. */
  drain(): Promise<number>;
  /** Checks currently running or waiting for a host slot. */
  readonly busy: number;
}

export function createHealthPoller(deps: HealthPollerDeps): HealthPoller {
  const { store, settings, logger, metrics, instanceId } = deps;
  const random = deps.random ?? Math.random;
  // A lease outlives the longest a check may take, waiting for a host slot included.
  const leaseMs = settings.checkTimeoutMs * 2 + 30_000;
  const tickMs = settings.tickMs ?? 1_000;
  const running = new Set<Promise<void>>();
  const perHost = new Map<string, { active: number; waiting: (() => void)[] }>();
  let pending = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopping = false;
  let pumping: Promise<number> | undefined;

  async function hostSlot(host: string): Promise<() => void> {
    let slot = perHost.get(host);
    if (!slot) {
      slot = { active: 0, waiting: [] };
      perHost.set(host, slot);
    }
    const state = slot;
    if (state.active >= settings.perHostConcurrency) await new Promise<void>((go) => state.waiting.push(go));
    state.active += 1;
    return () => {
      state.active -= 1;
      const next = state.waiting.shift();
      if (next) next();
      else if (state.active === 0) perHost.delete(host);
    };
  }

  async function check(claim: ClaimedCheck, integration: Integration | undefined): Promise<void> {
    if (!integration) return; // deleted since it was claimed; its schedule went with it
    const entry = deps.plugins.get(integration.provider);
    const release = await hostSlot(hostOf(integration.endpoint));
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
        const config = deps.plugins.validateConfig(
          integration.provider,
          integration.type,
          integration.config,
        );
        result = await safeHealthCheck(settings.checkTimeoutMs, (signal) =>
          entry.plugin.checkHealth(deps.contexts.create({ ...integration, config }, signal, 'health_check')),
        );
      }
    } catch (error) {
      result = { status: 'unhealthy', message: (error as Error).message };
    } finally {
      release();
    }
    const latencyMs = Math.round(deps.now().getTime() - started.getTime());
    metrics.healthChecks.inc({ provider: integration.provider, status: result.status });
    await record(claim, integration, result, latencyMs);
  }

  async function record(
    claim: ClaimedCheck,
    integration: Integration,
    result: HealthCheckResult,
    latencyMs: number,
  ) {
    const at = deps.now();
    const transition = nextHealth(integration.health.status, claim, result, settings);
    const intervalMs = (integration.pollIntervalSeconds ?? 0) * 1000 || settings.intervalMs;
    const kept = await store.transaction(async (tx) => {
      const ours = await tx.health.complete(claim, {
        nextRunAt: nextRunAt(at, intervalMs, random).toISOString(),
        consecutiveFailures: transition.consecutiveFailures,
        consecutiveSuccesses: transition.consecutiveSuccesses,
      });
      if (!ours) return false;
      const health = {
        status: transition.status,
        checkedAt: at.toISOString(),
        latencyMs,
        message: result.message,
      };
      await tx.health.setHealth(
        integration.tenantId,
        integration.id,
        health,
        statusForHealth(transition.status, true),
      );
      await tx.health.appendCheck(
        {
          id: deps.newId(),
          tenantId: integration.tenantId,
          integrationId: integration.id,
          kind: 'health',
          status: result.status,
          message: result.message,
          latencyMs,
          checks: null,
          checkedAt: at.toISOString(),
          instance: instanceId,
        },
        settings.historyLimit,
      );
      if (transition.status !== integration.health.status) {
        await tx.outbox.append({
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
          createdAt: at.toISOString(),
        });
      }
      return true;
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

  /** Claims as many due checks as there is room for and starts them. Returns how many it started. */
  async function pump(): Promise<number> {
    let started = 0;
    while (!stopping) {
      const room = settings.concurrency - pending;
      if (room <= 0) break;
      const now = deps.now();
      const claims = await store.health.claimDue(
        instanceId,
        now.toISOString(),
        new Date(now.getTime() + leaseMs).toISOString(),
        room,
      );
      if (claims.length === 0) break;
      const integrations = new Map(
        (await store.integrations.findByIds(claims.map((c) => c.integrationId))).map((i) => [i.id, i]),
      );
      for (const claim of claims) {
        pending += 1;
        const task = check(claim, integrations.get(claim.integrationId))
          .catch((error: unknown) =>
            logger.error({ err: error, integrationId: claim.integrationId }, 'health check failed'),
          )
          .finally(() => {
            pending -= 1;
            running.delete(task);
            if (!stopping) schedulePump();
          });
        running.add(task);
      }
      started += claims.length;
      if (claims.length < room) break;
    }
    return started;
  }

  function schedulePump(): void {
    if (pumping) return;
    pumping = pump()
      .catch((error: unknown) => {
        logger.error({ err: error }, 'claiming due health checks failed');
        return 0;
      })
      .finally(() => {
        pumping = undefined;
      });
  }

  return {
    start() {
      stopping = false;
      schedulePump();
      timer = setInterval(schedulePump, tickMs);
      timer.unref();
      logger.info({ instanceId, concurrency: settings.concurrency }, 'health poller started');
    },

    async stop() {
      stopping = true;
      clearInterval(timer);
      await pumping;
      await Promise.allSettled([...running]);
      const released = await store.health.release(instanceId);
      logger.info({ instanceId, released }, 'health poller stopped');
    },

    async drain() {
      let total = 0;
      for (;;) {
        const started = await pump();
        await Promise.allSettled([...running]);
        total += started;
        if (started === 0) return total;
      }
    },

    get busy() {
      return pending;
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

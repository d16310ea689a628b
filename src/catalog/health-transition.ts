import type { HealthStatus, IntegrationStatus } from '../core/integration.js';
import type { HealthCheckResult } from '../plugins/contracts.js';

export interface TransitionSettings {
  /** Consecutive failures before a known-good integration is unhealthy. */
  readonly failureThreshold: number;
  /** Consecutive successes before an unhealthy integration recovers. */
  readonly successThreshold: number;
}

export interface HealthCounters {
  readonly consecutiveFailures: number;
  readonly consecutiveSuccesses: number;
}

export interface Transition extends HealthCounters {
  readonly status: HealthStatus;
}

/**
 * The health an integration shows after a check. The first result is taken as it is; after that one
 * failure does not make a working integration unhealthy (it takes `failureThreshold` in a row), and
 * one success does not make an unhealthy one healthy (it takes `successThreshold` in a row).
 * `degraded` counts as a success: the system answers, with a problem worth seeing.
 */
export function nextHealth(
  current: HealthStatus,
  counters: HealthCounters,
  result: HealthCheckResult,
  settings: TransitionSettings,
): Transition {
  const failed = result.status === 'unhealthy';
  const consecutiveFailures = failed ? counters.consecutiveFailures + 1 : 0;
  const consecutiveSuccesses = failed ? 0 : counters.consecutiveSuccesses + 1;
  let status: HealthStatus;
  if (current === 'unknown') status = result.status;
  else if (failed) status = consecutiveFailures >= settings.failureThreshold ? 'unhealthy' : current;
  else if (current === 'unhealthy')
    status = consecutiveSuccesses >= settings.successThreshold ? result.status : current;
  else status = result.status;
  return { status, consecutiveFailures, consecutiveSuccesses };
}

/** The lifecycle status that goes with a health status (a disabled integration stays disabled). */
export function statusForHealth(health: HealthStatus, enabled: boolean): IntegrationStatus {
  if (!enabled) return 'disabled';
  if (health === 'unknown') return 'pending';
  return health === 'unhealthy' ? 'failed' : 'active';
}

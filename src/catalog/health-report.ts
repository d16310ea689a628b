import type { Health, IntegrationStatus } from '../core/integration.js';
import type { Principal } from '../core/scopes.js';
import type { CheckRecord } from '../store/health-repository.js';
import type { Store } from '../store/store.js';
import type { IntegrationService } from './integration-service.js';

/** The current health of an integration, where its polling stands, and its recent checks. */
export interface HealthReport {
  readonly integrationId: string;
  readonly status: IntegrationStatus;
  readonly health: Health;
  readonly nextCheckAt: string | null;
  readonly consecutiveFailures: number;
  readonly consecutiveSuccesses: number;
  readonly history: Omit<CheckRecord, 'tenantId' | 'integrationId'>[];
}

export function createHealthReports(deps: { store: Store; integrations: IntegrationService }) {
  return {
    /** Throws `NotFoundError` for an id outside the caller's tenant, like every read. */
    async get(principal: Principal, id: string, limit: number): Promise<HealthReport> {
      const integration = await deps.integrations.get(principal, id);
      const [schedule, history] = await Promise.all([
        deps.store.health.getSchedule(principal.tenantId, id),
        deps.store.health.listChecks(principal.tenantId, id, limit),
      ]);
      return {
        integrationId: id,
        status: integration.status,
        health: integration.health,
        nextCheckAt: integration.enabled ? (schedule?.nextRunAt ?? null) : null,
        consecutiveFailures: schedule?.consecutiveFailures ?? 0,
        consecutiveSuccesses: schedule?.consecutiveSuccesses ?? 0,
        history: history.map(({ tenantId: _t, integrationId: _i, ...rest }) => rest),
      };
    },
  };
}

export type HealthReports = ReturnType<typeof createHealthReports>;

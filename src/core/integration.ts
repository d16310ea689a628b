/**
 * The words every part of the service shares about an integration.
 */

/** What kind of outside system an integration connects to. */
export const INTEGRATION_TYPES = [
  'scm',
  'registry',
  'ci',
  'runtime_host',
  'repo_source',
  'feed_mirror',
] as const;
export type IntegrationType = (typeof INTEGRATION_TYPES)[number];

/** The last known health of a connection. */
export const HEALTH_STATUSES = ['unknown', 'healthy', 'degraded', 'unhealthy'] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

/**
 * Where an integration is in its life: `pending` until a test or health check first succeeds,
 * `active` while it works, `failed` after a failing check, `disabled` while switched off.
 */
export const INTEGRATION_STATUSES = ['pending', 'active', 'failed', 'disabled'] as const;
export type IntegrationStatus = (typeof INTEGRATION_STATUSES)[number];

/** The result of the last health check. */
export interface Health {
  readonly status: HealthStatus;
  readonly checkedAt: string | null;
  readonly latencyMs: number | null;
  readonly message: string | null;
}

/** A registered connection to an outside system. */
export interface Integration {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  readonly type: IntegrationType;
  readonly provider: string;
  readonly endpoint: string;
  readonly authRef: string | null;
  readonly config: Readonly<Record<string, unknown>>;
  readonly tags: string[];
  readonly owner: string | null;
  readonly enabled: boolean;
  readonly status: IntegrationStatus;
  readonly health: Health;
  /** How often the poller checks this integration; null means the service default. */
  readonly pollIntervalSeconds: number | null;
  readonly version: number;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
}

/** Health before any check has run. */
export const UNKNOWN_HEALTH: Health = { status: 'unknown', checkedAt: null, latencyMs: null, message: null };

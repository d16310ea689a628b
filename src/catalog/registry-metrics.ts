import { Counter, Histogram, type Registry } from 'prom-client';

/** The operations of the registry read API, as metrics and logs name them. */
export const REGISTRY_OPERATIONS = ['list_repositories', 'list_tags', 'resolve', 'list_referrers'] as const;
export type RegistryOperation = (typeof REGISTRY_OPERATIONS)[number];

/** How a registry read ended, as the `status` label says it (a small fixed set). */
export const REGISTRY_OUTCOMES = [
  'success',
  'not_found',
  'invalid_request',
  'transient_failure',
  'permanent_failure',
  'skipped_offline',
] as const;
export type RegistryOutcome = (typeof REGISTRY_OUTCOMES)[number];

/** The metrics of registry reads through the catalog. */
export interface RegistryMetrics {
  readonly requests: Counter<'provider' | 'operation' | 'status'>;
  /** Only reads that reached the provider. */
  readonly duration: Histogram<'provider' | 'operation'>;
}

/**
 * @example
 * const metrics = createRegistryMetrics(registry);
 * metrics.requests.inc({ provider: 'in_memory', operation: 'list_tags', status: 'success' });
 */
export function createRegistryMetrics(registry: Registry): RegistryMetrics {
  return {
    requests: new Counter({
      name: 'integrations_registry_requests_total',
      help: 'Registry reads (list_repositories, list_tags, resolve, list_referrers), by provider and result status.',
      labelNames: ['provider', 'operation', 'status'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'integrations_registry_request_duration_seconds',
      help: 'Time taken by registry reads that reached the provider, by provider and operation.',
      labelNames: ['provider', 'operation'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
  };
}

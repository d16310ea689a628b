import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Store } from '../store/store.js';

/** The metrics of health checks and connection tests, named as the design names them. */
export interface HealthMetrics {
  readonly healthChecks: Counter<'provider' | 'status'>;
  readonly testConnectionDuration: Histogram<'provider'>;
  readonly pollLag: Histogram<string>;
}

export function createHealthMetrics(registry: Registry, store: Store): HealthMetrics {
  new Gauge({
    name: 'integrations_by_health_status',
    help: 'Integrations by their current health status.',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const counts = await store.health.countByHealth();
      this.reset();
      for (const status of ['unknown', 'healthy', 'degraded', 'unhealthy'])
        this.set({ status }, counts[status] ?? 0);
    },
  });
  return {
    healthChecks: new Counter({
      name: 'integrations_health_check_total',
      help: 'Health checks run, by provider and result status.',
      labelNames: ['provider', 'status'],
      registers: [registry],
    }),
    testConnectionDuration: new Histogram({
      name: 'integrations_test_connection_duration_seconds',
      help: 'Time taken by connection tests, by provider.',
      labelNames: ['provider'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    pollLag: new Histogram({
      name: 'integrations_health_poll_lag_seconds',
      help: 'How late health checks start after they fall due.',
      buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900],
      registers: [registry],
    }),
  };
}

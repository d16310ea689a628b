import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** The service's metrics, on a registry of its own (no global state). */
export interface Metrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'method' | 'route' | 'status_code'>;
  readonly httpRequestDuration: Histogram<'method' | 'route' | 'status_code'>;
  readonly integrationChanges: Counter<'operation' | 'provider'>;
}

/**
 * @example
 * const metrics = createMetrics();
 * metrics.httpRequests.inc({ method: 'GET', route: '/api/v1/integrations/:id', status_code: '200' });
 */
export function createMetrics(options: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests served, by method, route template and status code.',
      labelNames: ['method', 'route', 'status_code'],
      registers: [registry],
    }),
    httpRequestDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time to serve an HTTP request, by method, route template and status code.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    integrationChanges: new Counter({
      name: 'integrations_changes_total',
      help: 'Integrations created, updated and deleted, by provider.',
      labelNames: ['operation', 'provider'],
      registers: [registry],
    }),
  };
}

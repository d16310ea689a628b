import { Counter, Histogram, type Registry } from 'prom-client';

/** `status_class` label values: the HTTP class of an answer, or why there was none. */
export type StatusClass =
  | '2xx'
  | '3xx'
  | '4xx'
  | '5xx'
  | 'network_error'
  | 'egress_denied'
  | 'offline'
  | 'circuit_open';

/** The outbound metrics. Labels are fixed sets (provider ids, operation names, rules): never URLs. */
export interface OutboundMetrics {
  /** One per exchange on the wire (each try and each redirect hop) and per request refused before one. */
  readonly requests: Counter<'provider' | 'operation' | 'status_class'>;
  /** Duration of each exchange, headers and body included. */
  readonly duration: Histogram<'provider' | 'operation'>;
  readonly retries: Counter<'provider'>;
  readonly egressDenied: Counter<'rule'>;
}

/**
 * Creates the metrics on `registry`, or returns the ones already there, so several clients (one
 * per provider, say) can share one registry.
 *
 * @example
 * const metrics = createOutboundMetrics(serviceMetrics.registry);
 */
export function createOutboundMetrics(registry: Registry): OutboundMetrics {
  function existing<T>(name: string): T | undefined {
    return registry.getSingleMetric(name) as T | undefined;
  }
  return {
    requests:
      existing<Counter<'provider' | 'operation' | 'status_class'>>('integrations_outbound_requests_total') ??
      new Counter({
        name: 'integrations_outbound_requests_total',
        help: 'Outbound HTTP exchanges, by provider, operation and status class (or why none took place).',
        labelNames: ['provider', 'operation', 'status_class'],
        registers: [registry],
      }),
    duration:
      existing<Histogram<'provider' | 'operation'>>('integrations_outbound_request_duration_seconds') ??
      new Histogram({
        name: 'integrations_outbound_request_duration_seconds',
        help: 'Time of one outbound HTTP exchange, headers and body included.',
        labelNames: ['provider', 'operation'],
        buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        registers: [registry],
      }),
    retries:
      existing<Counter<'provider'>>('integrations_outbound_retries_total') ??
      new Counter({
        name: 'integrations_outbound_retries_total',
        help: 'Outbound HTTP requests tried again after a transient failure, by provider.',
        labelNames: ['provider'],
        registers: [registry],
      }),
    egressDenied:
      existing<Counter<'rule'>>('integrations_egress_denied_total') ??
      new Counter({
        name: 'integrations_egress_denied_total',
        help: 'Outbound requests refused by the egress policy, by the rule that refused them.',
        labelNames: ['rule'],
        registers: [registry],
      }),
  };
}

/** The class of an HTTP status for the `status_class` label. */
export function statusClassOf(status: number): StatusClass {
  if (status >= 500) return '5xx';
  if (status >= 400) return '4xx';
  if (status >= 300) return '3xx';
  return '2xx';
}

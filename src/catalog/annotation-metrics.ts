import { Counter, Histogram, type Registry } from 'prom-client';

/** The SCM annotation metrics, named and labelled as the design names them. */
export interface AnnotationMetrics {
  /** `status`: `success`, `transient_failure`, `permanent_failure` or `skipped_offline`. */
  readonly operations: Counter<'provider' | 'operation' | 'status'>;
  readonly duration: Histogram<'provider' | 'operation'>;
}

/**
 * @example
 * const metrics = createAnnotationMetrics(registry);
 * metrics.operations.inc({ provider: 'github_app', operation: 'check_run', status: 'success' });
 */
export function createAnnotationMetrics(registry: Registry): AnnotationMetrics {
  return {
    operations: new Counter({
      name: 'scm_annotation_total',
      help: 'SCM annotation operations (comment, status, check_run), by provider and result status.',
      labelNames: ['provider', 'operation', 'status'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'scm_annotation_duration_seconds',
      help: 'Time taken by SCM annotation operations that reached the provider, by provider and operation.',
      labelNames: ['provider', 'operation'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
  };
}

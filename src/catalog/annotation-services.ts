import type { Registry } from 'prom-client';
import type { Logger } from '../core/logger.js';
import type { PluginRegistry } from '../plugins/registry.js';
import type { Store } from '../store/store.js';
import { type AnnotateService, createAnnotateService } from './annotate-service.js';
import { createAnnotationLock } from './annotation-lock.js';
import { createAnnotationMetrics } from './annotation-metrics.js';
import type { IntegrationService } from './integration-service.js';
import { createOfflineQueueService, type OfflineQueueService } from './offline-queue-service.js';
import type { PluginContextFactory } from './plugin-context.js';
import { createScmOperationRunner } from './scm-operation.js';
import { createScmTargets } from './scm-target.js';

export interface AnnotationServicesDeps {
  readonly store: Store;
  readonly plugins: PluginRegistry;
  readonly integrations: IntegrationService;
  readonly contexts: PluginContextFactory;
  readonly registry: Registry;
  readonly logger: Logger;
  readonly newId: () => string;
  readonly now: () => Date;
  readonly instanceId: string;
  /** Offline mode: nothing is posted; every payload goes to the offline queue. */
  readonly offline: boolean;
  /** The deadline of one call's SCM operations. Default 120 s. */
  readonly operationTimeoutMs?: number;
  /** How long a call waits for the per-PR lock before a 409. Default 20 s. */
  readonly lockWaitMs?: number;
}

/** Annotate (and its lower-level operations) and the offline queue, sharing one lock and runner. */
export interface AnnotationServices {
  readonly annotate: AnnotateService;
  readonly offlineQueue: OfflineQueueService;
}

/**
 * @example
 * const { annotate, offlineQueue } = createAnnotationServices({ store, plugins, integrations, contexts,
 *   registry: metrics.registry, logger, newId, now, instanceId, offline: config.offline });
 */
export function createAnnotationServices(deps: AnnotationServicesDeps): AnnotationServices {
  const targets = createScmTargets(deps);
  const runner = createScmOperationRunner({
    contexts: deps.contexts,
    metrics: createAnnotationMetrics(deps.registry),
    logger: deps.logger,
    offline: deps.offline,
  });
  const lock = createAnnotationLock({
    locks: deps.store.annotationLocks,
    logger: deps.logger,
    now: deps.now,
    instanceId: deps.instanceId,
    ...(deps.lockWaitMs === undefined ? {} : { waitMs: deps.lockWaitMs }),
  });
  const shared = {
    store: deps.store,
    targets,
    runner,
    lock,
    newId: deps.newId,
    now: deps.now,
    operationTimeoutMs: deps.operationTimeoutMs ?? 120_000,
  };
  return {
    annotate: createAnnotateService({ ...shared, contexts: deps.contexts }),
    offlineQueue: createOfflineQueueService(shared),
  };
}

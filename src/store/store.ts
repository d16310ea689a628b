import type { Kysely } from 'kysely';
import {
  type AnnotationLockRepository,
  createAnnotationLockRepository,
} from './annotation-lock-repository.js';
import {
  type AnnotationQueueRepository,
  createAnnotationQueueRepository,
} from './annotation-queue-repository.js';
import { type AuditRepository, createAuditRepository } from './audit-repository.js';
import type { Database, Dialect } from './database.js';
import { createHealthRepository, type HealthRepository } from './health-repository.js';
import { createIdempotencyRepository, type IdempotencyRepository } from './idempotency-repository.js';
import { createIntegrationCache, type IntegrationCache, NO_INTEGRATION_CACHE } from './integration-cache.js';
import { createIntegrationRepository, type IntegrationRepository } from './integration-repository.js';
import { createOutboxRepository, type OutboxRepository } from './outbox-repository.js';
import { createSecretRepository, type SecretRepository } from './secret-repository.js';
import type { Tables } from './tables.js';
import { createTokenRepository, type TokenRepository } from './token-repository.js';

/** Every repository, bound to one connection or transaction. */
export interface Repositories {
  readonly integrations: IntegrationRepository;
  readonly tokens: TokenRepository;
  readonly outbox: OutboxRepository;
  readonly idempotency: IdempotencyRepository;
  readonly health: HealthRepository;
  readonly secrets: SecretRepository;
  readonly audit: AuditRepository;
  readonly annotationQueue: AnnotationQueueRepository;
  readonly annotationLocks: AnnotationLockRepository;
}

/** The repositories outside any transaction, and a way to run work in one. */
export interface Store extends Repositories {
  readonly database: Database;
  /** Runs `work` in one transaction: all of its writes commit together or none do. */
  transaction<T>(work: (repositories: Repositories) => Promise<T>): Promise<T>;
}

function repositories(db: Kysely<Tables>, dialect: Dialect, cache: IntegrationCache): Repositories {
  return {
    health: createHealthRepository(db, dialect, cache),
    integrations: createIntegrationRepository(db, dialect, cache),
    tokens: createTokenRepository(db),
    outbox: createOutboxRepository(db, dialect),
    idempotency: createIdempotencyRepository(db),
    secrets: createSecretRepository(db),
    audit: createAuditRepository(db),
    annotationQueue: createAnnotationQueueRepository(db),
    annotationLocks: createAnnotationLockRepository(db),
  };
}

/**
 * @example
 * const store = createStore(openDatabase({ url: null, dataDir: './data' }));
 * await store.transaction(async (tx) => { await tx.integrations.insert(integration); await tx.outbox.append(event); });
 */
export function createStore(database: Database): Store {
  // SQLite serves one instance, so it can keep integrations in memory; see integration-cache.ts.
  const cache = database.dataVersion
    ? // Reading the version costs nothing (the SQLite thread reports it), so every lookup asks.
      createIntegrationCache({ externalVersion: database.dataVersion, externalCheckMs: 0 })
    : NO_INTEGRATION_CACHE;
  return {
    ...repositories(database.db, database.dialect, cache),
    database,
    transaction: (work) =>
      database.db
        .transaction()
        .execute((trx) => work(repositories(trx, database.dialect, cache.forWrites()))),
  };
}

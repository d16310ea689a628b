/**
 * Lifecycle events: the outbox relay, its sinks and the events API. See README.md in this folder.
 *
 * @example
 * const events = createEvents({ config, database, http, egress, logger, registry, instanceId, now });
 * if (config.relayEnabled) events.relay.start();
 * await events.relay.stop();
 */
import type { Registry } from 'prom-client';
import type { Config } from '../config/config.js';
import type { Logger } from '../core/logger.js';
import type { EgressPolicy, HttpClient } from '../net/index.js';
import type { Database } from '../store/database.js';
import { defaultEventSource } from './cloud-event.js';
import { envSecretResolver, type ResolveSecret } from './env-secret.js';
import { createEventFeed, type EventFeed } from './event-feed.js';
import { createOutboxRelay, type OutboxRelay } from './relay.js';
import { type CheckSecretRef, readEventSinks } from './sink-config.js';
import { createEventSinks } from './sinks/create-sinks.js';

export { type CloudEvent, defaultEventSource, type EncodedEvent, encodeEvent } from './cloud-event.js';
export type { EventFeed } from './event-feed.js';
export { createOutboxRelay, DEFAULT_RELAY_SETTINGS, type OutboxRelay, type RelaySettings } from './relay.js';
export { EVENT_TYPES, type EventType } from './schemas.js';
export { SIGNATURE_HEADER, signatureHeader, verifySignature } from './signature.js';
export type { EventSink } from './sinks/sink.js';

export interface EventsDeps {
  readonly config: Pick<
    Config,
    | 'eventSinks'
    | 'eventSource'
    | 'eventRetentionDays'
    | 'relayBatchSize'
    | 'relayPollIntervalMs'
    | 'relayLeaseSeconds'
    | 'offline'
  >;
  readonly database: Database;
  readonly http: HttpClient;
  readonly egress: EgressPolicy;
  readonly logger: Logger;
  readonly registry?: Registry;
  readonly instanceId: string;
  readonly now: () => Date;
  /** Resolves sink secrets (default: `authref://env/NAME` from the environment). */
  readonly resolveSecret?: ResolveSecret;
  /** Checks sink secret references at start-up (default: `authref://env/NAME` only). */
  readonly checkSecretRef?: CheckSecretRef;
}

export interface Events {
  readonly relay: OutboxRelay;
  readonly feed: EventFeed;
  /** The CloudEvents source this instance stamps. */
  readonly source: string;
}

/** Reads the event settings once and makes the relay (not started) and the events API's feed. */
export function createEvents(deps: EventsDeps): Events {
  const { config } = deps;
  const source = config.eventSource ?? defaultEventSource(deps.instanceId);
  const sinks = createEventSinks(readEventSinks(config.eventSinks, deps.checkSecretRef), {
    http: deps.http,
    egress: deps.egress,
    resolveSecret: deps.resolveSecret ?? envSecretResolver(),
    logger: deps.logger,
    now: deps.now,
  });
  const relay = createOutboxRelay({
    database: deps.database,
    sinks,
    source,
    instanceId: deps.instanceId,
    logger: deps.logger,
    registry: deps.registry,
    now: deps.now,
    paused: config.offline,
    settings: {
      batchSize: config.relayBatchSize,
      pollIntervalMs: config.relayPollIntervalMs,
      leaseMs: config.relayLeaseSeconds * 1000,
      retentionMs: config.eventRetentionDays * 86_400_000,
    },
  });
  return { relay, feed: createEventFeed({ database: deps.database, source, now: deps.now }), source };
}

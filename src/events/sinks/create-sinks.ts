import { ConfigError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { EgressPolicy, HttpClient } from '../../net/index.js';
import type { ResolveSecret } from '../env-secret.js';
import type { SinkConfig } from '../sink-config.js';
import { createNatsSink } from './nats.js';
import { createRedisSink } from './redis.js';
import type { EventSink } from './sink.js';
import { createWebhookSink } from './webhook.js';

export interface SinkDeps {
  readonly http: HttpClient;
  /** Webhook URLs are checked against it at start-up (and again by the client at every request). */
  readonly egress: EgressPolicy;
  readonly resolveSecret: ResolveSecret;
  readonly logger: Logger;
  readonly now: () => Date;
}

/**
 * Makes the configured sinks, in the one explicit list of kinds. Nothing connects yet.
 *
 * @example
 * const sinks = createEventSinks(readEventSinks(config.eventSinks), { http, egress, resolveSecret, logger, now });
 */
export function createEventSinks(configs: readonly SinkConfig[], deps: SinkDeps): EventSink[] {
  return configs.map((config) => createSink(config, deps));
}

function createSink(config: SinkConfig, deps: SinkDeps): EventSink {
  switch (config.kind) {
    case 'webhook':
      try {
        deps.egress.checkUrl(deps.egress.parseUrl(config.url));
      } catch (cause) {
        throw new ConfigError(`eventSinks[${config.name}].url is refused: ${(cause as Error).message}`, {
          cause,
        });
      }
      return createWebhookSink(config, deps);
    case 'nats':
      return createNatsSink(config, deps);
    case 'redis':
      return createRedisSink(config, deps);
  }
}

import { Redis } from 'ioredis';
import { UpstreamError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { ResolveSecret } from '../env-secret.js';
import type { RedisSinkConfig } from '../sink-config.js';
import type { EventSink } from './sink.js';

export interface RedisSinkDeps {
  readonly resolveSecret: ResolveSecret;
  readonly logger: Logger;
}

/**
 * Appends each event to a Redis stream: `XADD <stream> MAXLEN ~ <maxLen> * event <json> id <event id>`.
 * Resolves on the reply. Redis does not drop duplicates: consumers dedupe on the `id` field.
 * Commands fail at once while disconnected (no offline queue), so a timed-out XADD is not replayed
 * behind the relay's back; every failure is transient.
 */
export function createRedisSink(config: RedisSinkConfig, deps: RedisSinkDeps): EventSink {
  let client: Promise<Redis> | undefined;

  async function open(): Promise<Redis> {
    const password = config.passwordRef ? await deps.resolveSecret(config.passwordRef) : undefined;
    const redis = new Redis(config.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      // Connecting and the command together stay within timeoutMs (the relay's lease counts on it).
      connectTimeout: Math.min(config.timeoutMs / 2, 5_000),
      commandTimeout: config.timeoutMs / 2,
      connectionName: 'integrations-catalog-relay',
      ...(password ? { password } : {}),
    });
    // Errors also reach the failing command; without a listener ioredis logs each one to stderr.
    redis.on('error', (error: Error) =>
      deps.logger.debug({ sink: config.name, error: error.message }, 'Redis connection error'),
    );
    await redis.connect();
    return redis;
  }

  function connected(): Promise<Redis> {
    client ??= open().catch((error: unknown) => {
      client = undefined;
      throw error;
    });
    return client;
  }

  return {
    name: config.name,
    kind: 'redis',
    timeoutMs: config.timeoutMs,
    async publish({ event, body }) {
      try {
        const redis = await connected();
        if (redis.status === 'end') {
          client = undefined;
          throw new Error('connection closed');
        }
        await redis.xadd(
          config.stream,
          'MAXLEN',
          '~',
          String(config.maxLen),
          '*',
          'event',
          body,
          'id',
          event.id,
        );
      } catch (error) {
        throw new UpstreamError(`${config.name}: XADD failed: ${(error as Error).message}`, {
          isTransient: true,
          cause: error,
        });
      }
    },
    async close() {
      const opening = client;
      client = undefined;
      if (!opening) return;
      try {
        const redis = await opening;
        await redis.quit().catch(() => redis.disconnect());
      } catch {
        // never connected: nothing to close
      }
    },
  };
}

import { type JetStreamClient, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, headers, type NatsConnection, nanos } from '@nats-io/transport-node';
import { UpstreamError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { CLOUDEVENTS_JSON } from '../cloud-event.js';
import type { ResolveSecret } from '../env-secret.js';
import type { NatsSinkConfig } from '../sink-config.js';
import type { EventSink } from './sink.js';

export interface NatsSinkDeps {
  readonly resolveSecret: ResolveSecret;
  readonly logger: Logger;
}

interface Connected {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
}

/**
 * Publishes to NATS JetStream on `<subjectPrefix>.<type>` (e.g. `integrations.integration.created`),
 * with `Nats-Msg-Id: <event id>` so the stream drops a redelivery within its duplicate window, and
 * `Content-Type: application/cloudevents+json` (structured mode). Resolves on the stream's PubAck.
 * Connects on first use and reconnects after a lost connection; every failure is transient except a
 * payload the server can never take.
 */
export function createNatsSink(config: NatsSinkConfig, deps: NatsSinkDeps): EventSink {
  let pending: Promise<Connected> | undefined;
  let current: Connected | undefined;

  async function open(): Promise<Connected> {
    const token = config.tokenRef ? await deps.resolveSecret(config.tokenRef) : undefined;
    const nc = await connect({
      servers: [...config.servers],
      name: 'integrations-catalog-relay',
      // Connecting and publishing together stay within timeoutMs (the relay's lease counts on it).
      timeout: Math.min(config.timeoutMs / 2, 5_000),
      maxReconnectAttempts: -1,
      ...(token ? { token } : {}),
    });
    try {
      if (config.stream?.create) await ensureStream(nc, config);
    } catch (error) {
      await nc.close();
      throw error;
    }
    return { nc, js: jetstream(nc, { timeout: config.timeoutMs }) };
  }

  /** One connection, opened on first use and again if it ever closes (the client reconnects itself). */
  function connected(): Promise<Connected> {
    if (current?.nc.isClosed()) {
      current = undefined;
      pending = undefined;
    }
    pending ??= open().then(
      (opened) => (current = opened),
      (error: unknown) => {
        pending = undefined;
        throw error;
      },
    );
    return pending;
  }

  return {
    name: config.name,
    kind: 'nats',
    timeoutMs: config.timeoutMs,
    async publish({ event, body }) {
      const deadline = Date.now() + config.timeoutMs;
      let js: JetStreamClient;
      try {
        ({ js } = await connected());
        // No publish may start past the deadline: the relay's lease counts on it.
        if (deadline - Date.now() < 100) throw new Error('connecting took the whole timeout');
      } catch (error) {
        throw new UpstreamError(`${config.name}: cannot reach NATS: ${(error as Error).message}`, {
          isTransient: true,
          cause: error,
        });
      }
      const h = headers();
      h.set('Content-Type', CLOUDEVENTS_JSON);
      try {
        await js.publish(`${config.subjectPrefix}.${event.type}`, body, {
          msgID: event.id,
          headers: h,
          timeout: Math.max(100, deadline - Date.now()),
          ...(config.stream ? { expect: { streamName: config.stream.name } } : {}),
        });
      } catch (error) {
        const message = (error as Error).message;
        throw new UpstreamError(`${config.name}: JetStream publish failed: ${message}`, {
          isTransient: !/maximum payload/i.test(message),
          cause: error,
        });
      }
    },
    async close() {
      const opening = pending;
      pending = undefined;
      current = undefined;
      if (!opening) return;
      try {
        await (await opening).nc.close();
      } catch (error) {
        deps.logger.debug({ sink: config.name, error: (error as Error).message }, 'NATS close failed');
      }
    },
  };
}

async function ensureStream(nc: NatsConnection, config: NatsSinkConfig): Promise<void> {
  const stream = config.stream!;
  const jsm = await jetstreamManager(nc, { timeout: Math.min(config.timeoutMs / 2, 5_000) });
  try {
    await jsm.streams.info(stream.name);
    return;
  } catch {
    // Missing (or not visible): try to create it below.
  }
  try {
    await jsm.streams.add({
      name: stream.name,
      subjects: [`${config.subjectPrefix}.>`],
      duplicate_window: nanos(stream.duplicateWindowSeconds * 1000),
    });
  } catch (error) {
    // Another instance may have created it in the meantime.
    await jsm.streams.info(stream.name).catch(() => {
      throw error;
    });
  }
}

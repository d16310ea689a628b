import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort } from '../../../test/support/process.js';
import { natsAvailable, TEST_NATS_URL } from '../../../test/support/services.js';
import { UpstreamError } from '../../core/errors.js';
import { silentLogger } from '../../core/logger.js';
import { encodeEvent } from '../cloud-event.js';
import { envSecretResolver } from '../env-secret.js';
import type { NatsSinkConfig } from '../sink-config.js';
import { createNatsSink } from './nats.js';

const available = await natsAvailable();
const suffix = randomBytes(4).toString('hex');
const PREFIX = `itest${suffix}`;
const STREAM = `EVENTS_TEST_${suffix}`;

const event = (n: number, type = 'integration.created') =>
  encodeEvent({
    id: `019c0000-0000-7000-8000-${String(n).padStart(12, '0')}`,
    tenantId: 'acme',
    subject: '019c0000-0000-7000-8000-0000000000aa',
    type,
    data: { integrationId: '019c0000-0000-7000-8000-0000000000aa', version: n },
    createdAt: '2026-03-01T00:00:00.000Z',
    position: n,
    source: '/integrations-catalog/test',
  });

const config = (overrides: Partial<NatsSinkConfig> = {}): NatsSinkConfig => ({
  kind: 'nats',
  name: 'bus',
  servers: [TEST_NATS_URL],
  subjectPrefix: PREFIX,
  tokenRef: null,
  stream: { name: STREAM, create: true, duplicateWindowSeconds: 60 },
  timeoutMs: 2_000,
  ...overrides,
});

describe.skipIf(!available)('NATS JetStream sink', () => {
  let nc: NatsConnection;
  beforeAll(async () => {
    nc = await connect({ servers: TEST_NATS_URL });
  });
  afterAll(async () => {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(STREAM).catch(() => false);
    await nc.close();
  });

  it('creates the stream when asked, publishes on <prefix>.<type> with Nats-Msg-Id, and the stream drops duplicates', async () => {
    const sink = createNatsSink(config(), { resolveSecret: envSecretResolver({}), logger: silentLogger });
    const signal = new AbortController().signal;

    await sink.publish(event(1), signal);
    await sink.publish(event(2, 'integration.deleted'), signal);
    await sink.publish(event(1), signal); // a redelivery
    await sink.close();

    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(STREAM);
    expect(info.config.subjects).toEqual([`${PREFIX}.>`]);
    expect(info.state.messages).toBe(2);
    const first = await jsm.streams.getMessage(STREAM, { seq: 1 });
    const second = await jsm.streams.getMessage(STREAM, { seq: 2 });
    expect(first!.subject).toBe(`${PREFIX}.integration.created`);
    expect(first!.header.get('Nats-Msg-Id')).toBe(event(1).event.id);
    expect(first!.header.get('Content-Type')).toBe('application/cloudevents+json');
    expect(first!.string()).toBe(event(1).body);
    expect(second!.subject).toBe(`${PREFIX}.integration.deleted`);
  });

  it('fails transiently when no server answers, and when no stream takes the subject', async () => {
    const port = await closedPort();
    const down = createNatsSink(config({ servers: [`nats://127.0.0.1:${port}`], stream: null }), {
      resolveSecret: envSecretResolver({}),
      logger: silentLogger,
    });
    const nowhere = createNatsSink(
      config({ subjectPrefix: `unbound${suffix}`, stream: null, timeoutMs: 500 }),
      {
        resolveSecret: envSecretResolver({}),
        logger: silentLogger,
      },
    );
    const signal = new AbortController().signal;

    for (const sink of [down, nowhere]) {
      const error = await sink.publish(event(3), signal).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(UpstreamError);
      expect((error as UpstreamError).isTransient).toBe(true);
      await sink.close();
    }
  });
});

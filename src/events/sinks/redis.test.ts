import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort } from '../../../test/support/process.js';
import { redisAvailable, TEST_REDIS_URL } from '../../../test/support/services.js';
import { UpstreamError } from '../../core/errors.js';
import { silentLogger } from '../../core/logger.js';
import { encodeEvent } from '../cloud-event.js';
import { envSecretResolver } from '../env-secret.js';
import type { RedisSinkConfig } from '../sink-config.js';
import { createRedisSink } from './redis.js';

const available = await redisAvailable();
const STREAM = `integrations-events-test-${randomBytes(4).toString('hex')}`;

const event = (n: number) =>
  encodeEvent({
    id: `019c0000-0000-7000-8000-${String(n).padStart(12, '0')}`,
    tenantId: 'acme',
    subject: '019c0000-0000-7000-8000-0000000000aa',
    type: 'integration.updated',
    data: { integrationId: '019c0000-0000-7000-8000-0000000000aa', version: n },
    createdAt: '2026-03-01T00:00:00.000Z',
    position: n,
    source: '/integrations-catalog/test',
  });

const config = (overrides: Partial<RedisSinkConfig> = {}): RedisSinkConfig => ({
  kind: 'redis',
  name: 'streams',
  url: TEST_REDIS_URL,
  passwordRef: null,
  stream: STREAM,
  maxLen: 1000,
  timeoutMs: 2_000,
  ...overrides,
});

describe.skipIf(!available)('Redis Streams sink', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL);
  });
  afterAll(async () => {
    await redis.del(STREAM);
    await redis.quit();
  });

  it('appends each event with XADD, fields `event` (the JSON) and `id`, in publish order', async () => {
    const sink = createRedisSink(config(), { resolveSecret: envSecretResolver({}), logger: silentLogger });
    const signal = new AbortController().signal;

    for (const n of [1, 2, 3]) await sink.publish(event(n), signal);
    await sink.close();

    const entries = await redis.xrange(STREAM, '-', '+');
    expect(entries.map(([, fields]) => fields)).toEqual(
      [1, 2, 3].map((n) => ['event', event(n).body, 'id', event(n).event.id]),
    );
  });

  it('caps the stream approximately at maxLen', async () => {
    const capped = `${STREAM}-capped`;
    const sink = createRedisSink(config({ stream: capped, maxLen: 10 }), {
      resolveSecret: envSecretResolver({}),
      logger: silentLogger,
    });

    for (let n = 1; n <= 300; n++) await sink.publish(event(n), new AbortController().signal);
    await sink.close();

    // `MAXLEN ~` trims whole macro nodes (100 entries by default), so some more than 10 stay.
    const length = await redis.xlen(capped);
    await redis.del(capped);
    expect(length).toBeLessThan(300);
    expect(length).toBeGreaterThanOrEqual(10);
  });

  it('fails transiently when Redis does not answer', async () => {
    const port = await closedPort();
    const sink = createRedisSink(config({ url: `redis://127.0.0.1:${port}` }), {
      resolveSecret: envSecretResolver({}),
      logger: silentLogger,
    });

    const error = await sink.publish(event(9), new AbortController().signal).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    await sink.close();

    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).isTransient).toBe(true);
  });
});

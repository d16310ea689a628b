import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/core/logger.js';
import { createOutboxRelay, type OutboxRelay } from '../src/events/relay.js';
import { CloudEventSchema } from '../src/events/schemas.js';
import { createWebhookSink } from '../src/events/sinks/webhook.js';
import { openDatabase } from '../src/store/database.js';
import { startTestApp, type TestApp } from './support/app.js';
import { testDatabaseTargets } from './support/databases.js';
import { testHttpClient } from './support/http.js';
import { natsAvailable, redisAvailable, TEST_NATS_URL, TEST_REDIS_URL } from './support/services.js';
import {
  type ReceivedEvent,
  startWebhookReceiver,
  type WebhookReceiver,
} from './support/webhook-receiver.js';

const targets = await testDatabaseTargets();
const brokers = (await natsAvailable()) && (await redisAvailable());
const SECRET_VARIABLE = 'EVENTS_E2E_HOOK_SECRET';
process.env[SECRET_VARIABLE] = 'whsec-e2e-0123456789';

const ajv = new AjvModule.default({ strict: false });
addFormatsModule.default(ajv);
const isCloudEvent = ajv.compile(CloudEventSchema);

interface Outboxed {
  readonly id: string;
  readonly subject: string;
}

/** Ids per subject, in the order given. */
function bySubject(events: readonly Outboxed[]): Map<string, string[]> {
  const lanes = new Map<string, string[]>();
  for (const event of events) lanes.set(event.subject, [...(lanes.get(event.subject) ?? []), event.id]);
  return lanes;
}

async function readNats(stream: string): Promise<ReceivedEvent[]> {
  const nc = await connect({ servers: TEST_NATS_URL });
  try {
    const jsm = await jetstreamManager(nc);
    const { state } = await jsm.streams.info(stream);
    const events: ReceivedEvent[] = [];
    for (let seq = state.first_seq; seq <= state.last_seq; seq++) {
      const message = await jsm.streams.getMessage(stream, { seq });
      if (message) events.push(message.json<ReceivedEvent>());
    }
    await jsm.streams.delete(stream);
    return events;
  } finally {
    await nc.close();
  }
}

async function readRedis(stream: string): Promise<ReceivedEvent[]> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    const entries = await redis.xrange(stream, '-', '+');
    await redis.del(stream);
    return entries.map(([, fields]) => {
      const event = JSON.parse(fields[1]!) as ReceivedEvent;
      expect(fields).toEqual(['event', fields[1], 'id', event.id]);
      return event;
    });
  } finally {
    await redis.quit();
  }
}

describe.each(targets)('event delivery to webhook, NATS and Redis on $dialect', (target) => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  const suffix = randomBytes(4).toString('hex');
  const natsStream = `E2E_EVENTS_${suffix}`;
  const natsPrefix = `e2e${suffix}`;
  const redisStream = `e2e-events-${suffix}`;
  const runs = target.available && brokers;

  beforeAll(async () => {
    if (!runs) return;
    receiver = await startWebhookReceiver(process.env[SECRET_VARIABLE]!);
    t = await startTestApp(target, {
      config: {
        relayEnabled: false,
        allowPrivateNetworks: true,
        egressAllowAnyPort: true,
        // Sink secrets come from a configured store, here environment variables starting EVENTS_.
        secretStores: [{ name: 'env', type: 'env', prefix: 'EVENTS_' }],
        eventSinks: [
          {
            kind: 'webhook',
            name: 'hooks',
            url: receiver.url,
            secretRef: `authref://env/${SECRET_VARIABLE}`,
          },
          {
            kind: 'nats',
            servers: [TEST_NATS_URL],
            subjectPrefix: natsPrefix,
            stream: { name: natsStream, create: true },
          },
          { kind: 'redis', url: TEST_REDIS_URL, stream: redisStream },
        ],
      },
    });
  });
  afterAll(async () => {
    await t?.dispose();
    await receiver?.close();
  });

  it.skipIf(!runs)(
    'delivers every committed change once to each sink, in order per integration',
    async () => {
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) {
        const response = await t.request({
          method: 'POST',
          url: '/api/v1/integrations',
          payload: {
            name: `e2e-${i}`,
            type: 'scm',
            provider: 'in_memory',
            endpoint: 'https://scm.example.com',
          },
        });
        expect(response.status).toBe(201);
        ids.push(response.body.id);
      }
      for (let round = 0; round < 3; round++) {
        for (const id of ids) {
          const patch = await t.request({
            method: 'PATCH',
            url: `/api/v1/integrations/${id}`,
            payload: { owner: `owner-${round}` },
          });
          expect(patch.status).toBe(200);
        }
        // Refused changes write nothing.
        const refused = await t.request({
          method: 'PATCH',
          url: `/api/v1/integrations/${ids[0]}`,
          payload: { name: 'not a valid name!' },
        });
        expect(refused.status).toBe(400);
      }
      for (const id of ids.slice(0, 4)) {
        expect((await t.request({ method: 'DELETE', url: `/api/v1/integrations/${id}` })).status).toBe(204);
      }

      await t.app.relay.drain();

      const outbox = await t.app.store.outbox.listForTenant('default', 10_000);
      expect(outbox).toHaveLength(12 + 36 + 4);
      const expected = bySubject(outbox);
      const delivered = {
        hooks: receiver.accepted,
        nats: await readNats(natsStream),
        redis: await readRedis(redisStream),
      };
      for (const [sink, events] of Object.entries(delivered)) {
        expect({ sink, ids: events.map((e) => e.id).sort() }).toEqual({
          sink,
          ids: outbox.map((e) => e.id).sort(),
        });
        expect(bySubject(events)).toEqual(expected);
        for (const event of events) expect(isCloudEvent(event)).toBe(true);
      }
      const first = delivered.nats.find((e) => e.id === outbox[0]!.id)!;
      expect(first).toMatchObject({
        specversion: '1.0',
        type: 'integration.created',
        subject: outbox[0]!.subject,
        tenantid: 'default',
        datacontenttype: 'application/json',
        time: outbox[0]!.createdAt,
      });
      expect(receiver.refused()).toBe(0);
      expect((await t.request({ method: 'GET', url: '/metrics', token: null })).body).toContain(
        'integrations_event_deliveries_total{sink="nats",outcome="delivered"} 52',
      );
    },
  );
});

describe.each(targets.filter((target) => target.dialect === 'postgres'))(
  'two relays on one outbox on $dialect',
  (target) => {
    it.skipIf(!target.available)(
      'deliver each event once between them, in order per integration',
      async () => {
        const receiver = await startWebhookReceiver('whsec-two-relays');
        const t = await startTestApp(target, { config: { relayEnabled: false } });
        const http = testHttpClient();
        const databases = [0, 1].map(() =>
          openDatabase({ url: t.app.config.databaseUrl, dataDir: t.app.config.dataDir, poolSize: 4 }),
        );
        const relays: OutboxRelay[] = [];
        const registries = [new Registry(), new Registry()];
        try {
          const subjects = Array.from({ length: 40 }, () => crypto.randomUUID());
          for (let n = 1; n <= 15; n++) {
            await t.app.store.transaction(async (tx) => {
              for (const subject of subjects) {
                await tx.outbox.append({
                  id: crypto.randomUUID(),
                  tenantId: 'default',
                  subject,
                  type: 'integration.updated',
                  data: { integrationId: subject, version: n },
                  createdAt: new Date().toISOString(),
                });
              }
            });
          }
          const written = await t.app.store.outbox.listForTenant('default', 10_000);
          expect(written).toHaveLength(600);

          for (const [index, database] of databases.entries()) {
            const sink = createWebhookSink(
              {
                kind: 'webhook',
                name: 'hooks',
                url: receiver.url,
                secretRef: 'authref://env/UNUSED_RESOLVED_BELOW',
                timeoutMs: 5_000,
              },
              {
                http,
                resolveSecret: async () => 'whsec-two-relays',
                now: () => new Date(),
              },
            );
            const relay = createOutboxRelay({
              database,
              sinks: [sink],
              source: '/integrations-catalog/two-relays',
              instanceId: `relay-${index}`,
              logger: silentLogger,
              registry: registries[index],
              settings: { batchSize: 7, runLength: 3, pollIntervalMs: 10 },
            });
            relays.push(relay);
            relay.start();
          }
          const deadline = Date.now() + 30_000;
          while (receiver.accepted.length < 600 && Date.now() < deadline) {
            await new Promise((done) => setTimeout(done, 50));
          }
          await Promise.all(relays.map((relay) => relay.stop()));

          // Both relays did part of the work.
          for (const registry of registries) {
            const text = await registry.getSingleMetricAsString('integrations_event_deliveries_total');
            const delivered = Number(/outcome="delivered"} (\d+)/.exec(text)?.[1] ?? 0);
            expect(delivered).toBeGreaterThan(50);
          }
          const counts = receiver.countById();
          expect(counts.size).toBe(600);
          expect([...counts.values()].filter((n) => n > 1)).toEqual([]);
          // Within one subject the relays kept the write order (version 1, 2, … 15).
          const inOrder = Array.from({ length: 15 }, (_, i) => i + 1);
          const versions = new Map<string, number[]>();
          for (const event of receiver.accepted) {
            versions.set(event.subject, [...(versions.get(event.subject) ?? []), event.data.version]);
          }
          for (const subject of subjects) expect(versions.get(subject)).toEqual(inOrder);
          const [depth] = await Promise.all([
            t.app.database.db
              .selectFrom('outbox')
              .select((eb) => eb.fn.countAll<string>().as('n'))
              .where('delivered_at', 'is', null)
              .executeTakeFirstOrThrow(),
          ]);
          expect(Number(depth.n)).toBe(0);
        } finally {
          await Promise.all(relays.map((relay) => relay.stop()));
          await Promise.all(databases.map((database) => database.close()));
          await http.close();
          await t.dispose();
          await receiver.close();
        }
      },
    );
  },
);

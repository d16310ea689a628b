import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  makeTempDir,
  removeTempDirs,
  type ServiceProcess,
  startService,
  stopAllServices,
} from './support/process.js';
import { createPostgresSchema, postgresAvailable } from './support/services.js';
import { type ReceivedEvent, startWebhookReceiver } from './support/webhook-receiver.js';

/**
 * Nothing is lost when the process dies: the real service on PostgreSQL, a webhook sink to a loopback
 * receiver, 1,000 changes through the API (some refused), SIGKILL at random moments and restarts,
 * then a drain. Every committed change's event must arrive, a duplicate only as the same event, and
 * a refused change must leave no event.
 */
const pgUp = await postgresAvailable();
const ADMIN_TOKEN = `intg_${'e'.repeat(43)}`;
const SECRET = 'whsec-crash-0123456789';
const CHANGES = 1_000;
const KILLS = 3;
const CONCURRENCY = 6;

afterEach(async () => {
  await stopAllServices();
});
afterAll(() => {
  removeTempDirs();
});

type Outcome = 'ok' | 'refused' | 'unknown';
interface Change {
  readonly kind: 'create' | 'duplicate' | 'bad-provider' | 'update' | 'stale-update' | 'delete';
  /** What identifies the change in its event: the name of a create, the owner an update or duplicate sets. */
  readonly marker: string;
  readonly name?: string;
  integrationId?: string;
  outcome?: Outcome;
}

/** A small seeded generator, so a failing run can be replayed with CRASH_SEED. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe.skipIf(!pgUp)('events survive crashes of the service', () => {
  it('delivers every committed change’s event after SIGKILLs and restarts, and none for refused ones', async () => {
    const seed = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);
    const random = seeded(seed);
    const receiver = await startWebhookReceiver(SECRET);
    const schema = await createPostgresSchema();
    const dataDir = makeTempDir();
    const env = {
      DATABASE_URL: schema.url,
      INTEGRATIONS_DATA_DIR: dataDir,
      INTEGRATIONS_ADMIN_TOKEN: ADMIN_TOKEN,
      INTEGRATIONS_POLL_ENABLED: 'false',
      INTEGRATIONS_ALLOW_PRIVATE_NETWORKS: 'true',
      INTEGRATIONS_EGRESS_ALLOW_ANY_PORT: 'true',
      INTEGRATIONS_RELAY_POLL_INTERVAL_MS: '20',
      INTEGRATIONS_RELAY_LEASE_SECONDS: '2',
      INTEGRATIONS_SECRET_STORES: JSON.stringify([{ name: 'env', type: 'env', prefix: 'CRASH_' }]),
      INTEGRATIONS_EVENT_SINKS: JSON.stringify([
        { kind: 'webhook', url: receiver.url, secretRef: 'authref://env/CRASH_HOOK_SECRET', timeoutMs: 1000 },
      ]),
      CRASH_HOOK_SECRET: SECRET,
    };
    let service: ServiceProcess = await startService(env);
    try {
      const live: { id: string; version: number; name: string }[] = [];
      const changes: Change[] = [];
      const killAt = new Set<number>();
      while (killAt.size < KILLS) killAt.add(Math.floor((0.1 + 0.8 * random()) * (CHANGES / CONCURRENCY)));

      async function call(
        method: string,
        path: string,
        body?: unknown,
        headers: Record<string, string> = {},
      ) {
        const response = await fetch(`${service.url}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${ADMIN_TOKEN}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            ...headers,
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(5_000),
        });
        const text = await response.text();
        return { status: response.status, body: text ? JSON.parse(text) : undefined };
      }

      /** Makes and sends change number `n`; records whether it committed, was refused, or is unknown. */
      async function change(n: number): Promise<void> {
        const pick = random();
        const target = live.length > 0 ? live[Math.floor(random() * live.length)]! : undefined;
        let entry: Change;
        let send: () => Promise<{ status: number; body: any }>;
        if (!target || pick < 0.45) {
          entry = { kind: 'create', marker: `c-${n}`, name: `c-${n}` };
          send = () =>
            call('POST', '/api/v1/integrations', {
              name: entry.marker,
              type: 'scm',
              provider: 'in_memory',
              endpoint: 'https://scm.example.com',
            });
        } else if (pick < 0.5) {
          // Refused with 409, unless a delete of the original in the same batch committed first.
          entry = { kind: 'duplicate', marker: `dup-${n}`, name: target.name };
          send = () =>
            call('POST', '/api/v1/integrations', {
              name: target.name,
              type: 'scm',
              provider: 'in_memory',
              endpoint: 'https://other.example.com',
              owner: entry.marker,
            });
        } else if (pick < 0.55) {
          entry = { kind: 'bad-provider', marker: `bad-${n}` };
          send = () =>
            call('POST', '/api/v1/integrations', {
              name: entry.marker,
              type: 'scm',
              provider: 'no_such_provider',
              endpoint: 'https://scm.example.com',
            });
        } else if (pick < 0.85) {
          entry = { kind: 'update', marker: `o-${n}`, integrationId: target.id };
          send = () => call('PATCH', `/api/v1/integrations/${target.id}`, { owner: entry.marker });
        } else if (pick < 0.92) {
          entry = { kind: 'stale-update', marker: `stale-${n}`, integrationId: target.id };
          send = () =>
            call(
              'PATCH',
              `/api/v1/integrations/${target.id}`,
              { owner: entry.marker },
              { 'if-match': '"999999"' },
            );
        } else {
          entry = { kind: 'delete', marker: `d-${n}`, integrationId: target.id };
          live.splice(live.indexOf(target), 1);
          send = () => call('DELETE', `/api/v1/integrations/${target.id}`);
        }
        changes.push(entry);
        try {
          const response = await send();
          entry.outcome = response.status < 300 ? 'ok' : response.status < 500 ? 'refused' : 'unknown';
          if ((entry.kind === 'create' || entry.kind === 'duplicate') && entry.outcome === 'ok') {
            entry.integrationId = response.body.id;
            live.push({ id: response.body.id, version: 1, name: entry.name! });
          }
        } catch {
          entry.outcome = 'unknown'; // the process died with the request in flight
        }
      }

      const started = performance.now();
      let restarts = 0;
      for (let batch = 0; batch * CONCURRENCY < CHANGES; batch++) {
        const work = Array.from({ length: Math.min(CONCURRENCY, CHANGES - batch * CONCURRENCY) }, (_, i) =>
          change(batch * CONCURRENCY + i),
        );
        if (killAt.has(batch)) {
          await new Promise((done) => setTimeout(done, random() * 15));
          service.child.kill('SIGKILL');
          await Promise.all(work);
          await service.exited;
          service = await startService(env);
          restarts += 1;
        } else {
          await Promise.all(work);
        }
      }
      const driven = performance.now();

      // Drain: wait until the outbox is empty of undelivered events.
      const pg = (await import('pg')).default;
      const client = new pg.Client({ connectionString: schema.url });
      await client.connect();
      let outbox: { id: string; type: string; subject: string; data: any; position: string | null }[] = [];
      try {
        const deadline = Date.now() + 30_000;
        let pending = -1;
        for (;;) {
          const count = await client.query(
            'select count(*)::int as n from outbox where delivered_at is null',
          );
          pending = count.rows[0].n;
          if (pending === 0 || Date.now() > deadline) break;
          await new Promise((done) => setTimeout(done, 100));
        }
        if (pending > 0) {
          const stuck = await client.query(
            `select o.id, o.position, d.sink, d.attempts, d.lease_owner, d.lease_until, d.delivered_at,
                    d.next_attempt_at, d.last_error, d.parked_at
               from outbox o left join outbox_deliveries d on d.event_id = o.id
              where o.delivered_at is null order by o.position limit 10`,
          );
          console.log('undelivered after the drain:', stuck.rows, service.logs().slice(-3000));
        }
        expect(pending).toBe(0);
        outbox = (
          await client.query('select id, type, subject, data, position from outbox order by position')
        ).rows;
      } finally {
        await client.end();
      }
      await service.stop();

      console.log(
        `crash test seed ${seed}: ${changes.length} changes, ${restarts} SIGKILLs, ${outbox.length} events, ` +
          `${receiver.accepted.length} deliveries, ${changes.filter((c) => c.outcome === 'unknown').length} unknown ` +
          `outcomes; driven in ${Math.round(driven - started)} ms, drained in ${Math.round(performance.now() - driven)} ms`,
      );

      expect(restarts).toBe(KILLS);
      expect(changes).toHaveLength(CHANGES);
      // No gaps, nothing extra: the receiver has exactly the committed events.
      const accepted = receiver.countById();
      expect([...accepted.keys()].sort()).toEqual(outbox.map((e) => e.id).sort());
      // A duplicate is the same event, byte for byte.
      const first = new Map<string, string>();
      for (const event of receiver.accepted) {
        const text = JSON.stringify(event);
        expect(first.get(event.id) ?? text).toBe(text);
        first.set(event.id, text);
      }
      // In order per integration: first arrivals follow the outbox positions.
      const arrivals = new Map<string, string[]>();
      const seen = new Set<string>();
      for (const event of receiver.accepted as ReceivedEvent[]) {
        if (seen.has(event.id)) continue;
        seen.add(event.id);
        arrivals.set(event.subject, [...(arrivals.get(event.subject) ?? []), event.id]);
      }
      const written = new Map<string, string[]>();
      for (const event of outbox)
        written.set(event.subject, [...(written.get(event.subject) ?? []), event.id]);
      expect(arrivals).toEqual(written);

      // Every committed change has its event…
      const ofType = (type: string) => outbox.filter((e) => e.type === type);
      const created = new Map(ofType('integration.created').map((e) => [e.subject, e.data.integration]));
      const createdNames = new Set([...created.values()].map((i) => i.name));
      const createdOwners = new Set([...created.values()].map((i) => i.owner));
      const owners = new Set(ofType('integration.updated').map((e) => e.data.integration.owner));
      const deleted = new Set(ofType('integration.deleted').map((e) => e.subject));
      for (const c of changes.filter((c) => c.outcome === 'ok')) {
        if (c.kind === 'create' || c.kind === 'duplicate')
          expect(created.get(c.integrationId!)?.name).toBe(c.name);
        if (c.kind === 'update') expect(owners.has(c.marker)).toBe(true);
        if (c.kind === 'delete') expect(deleted.has(c.integrationId!)).toBe(true);
      }
      // …and a refused one has none.
      const refused = changes.filter((c) => c.outcome === 'refused');
      expect(refused.length).toBeGreaterThan(50);
      for (const c of refused) {
        if (c.kind === 'bad-provider') expect(createdNames.has(c.marker)).toBe(false);
        if (c.kind === 'duplicate') expect(createdOwners.has(c.marker)).toBe(false);
        if (c.kind === 'update' || c.kind === 'stale-update') expect(owners.has(c.marker)).toBe(false);
      }
    } finally {
      await service.stop('SIGKILL').catch(() => {});
      await receiver.close();
      await schema.drop();
    }
  }, 90_000);
});

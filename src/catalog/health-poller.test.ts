import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/support/app.js';
import { testDatabaseTargets } from '../../test/support/databases.js';
import { testHttpClient } from '../../test/support/http.js';
import { sampleIntegration } from '../../test/support/integrations.js';
import { createIdGenerator } from '../core/ids.js';
import { silentLogger } from '../core/logger.js';
import { createMetrics } from '../observability/metrics.js';
import { asConnectorPlugin, type ConnectorPlugin } from '../plugins/contracts.js';
import { loadPlugins } from '../plugins/loader.js';
import { createInMemoryPlugin } from '../providers/in-memory/plugin.js';
import { noCredentials } from '../secrets/index.js';
import { openDatabase } from '../store/database.js';
import { createStore, type Store } from '../store/store.js';
import { createHealthMetrics } from './health-metrics.js';
import { createHealthPoller, type HealthPoller, type PollerSettings } from './health-poller.js';
import { createPluginContextFactory } from './plugin-context.js';

const targets = await testDatabaseTargets();
const http = testHttpClient();
afterAll(() => http.close());
const noSecrets = { credentialsFor: () => noCredentials };

const settings: PollerSettings = {
  intervalMs: 60_000,
  concurrency: 20,
  perHostConcurrency: 20,
  checkTimeoutMs: 2_000,
  failureThreshold: 2,
  successThreshold: 2,
  historyLimit: 5,
  tickMs: 20,
};

/** A clock the test moves by hand, so "due" is decided by the test, not by waiting. */
function manualClock(start = Date.parse('2030-01-01T00:00:00Z')) {
  let at = start;
  return { now: () => new Date(at), advance: (ms: number) => (at += ms) };
}

/** A poller on `store` with the tests' plugin context, metrics and a clock the test moves. */
function testPoller(
  store: Store,
  plugins: Awaited<ReturnType<typeof loadPlugins>>,
  clock: { now: () => Date },
  instanceId: string,
  pollerSettings: PollerSettings,
): HealthPoller {
  return createHealthPoller({
    store,
    plugins,
    contexts: createPluginContextFactory({ http, secrets: noSecrets, logger: silentLogger, now: clock.now }),
    logger: silentLogger,
    metrics: createHealthMetrics(createMetrics({ processMetrics: false }).registry, store),
    newId: createIdGenerator(),
    now: clock.now,
    instanceId,
    settings: pollerSettings,
  });
}

/**
 * Inserts `count` integrations of the in_memory provider (empty config, so the plugin's own health
 * applies), each with a schedule row due at `at`, in one transaction. Returns their ids in order.
 */
async function seedDue(
  store: Store,
  tenantId: string,
  count: number,
  at: string,
  endpoint: (n: number) => string,
): Promise<string[]> {
  const newId = createIdGenerator();
  const ids = Array.from({ length: count }, () => newId());
  await store.transaction(async (tx) => {
    for (const [n, id] of ids.entries()) {
      await tx.integrations.insert(
        sampleIntegration({
          id,
          tenantId,
          name: `${tenantId}-${n}`,
          endpoint: endpoint(n),
          config: {},
          createdAt: at,
          updatedAt: at,
        }),
      );
      await tx.health.schedule(tenantId, id, at);
    }
  });
  return ids;
}

describe.each(targets)('health poller on $dialect', (target) => {
  let t: TestApp;
  const clock = manualClock();
  beforeAll(async () => {
    if (target.available) t = await startTestApp(target);
  });
  afterAll(async () => t?.dispose());
  const test = it.skipIf(!target.available);

  function poller(
    plugins: Awaited<ReturnType<typeof loadPlugins>>,
    instanceId = 'test-instance',
  ): HealthPoller {
    return testPoller(t.app.store, plugins, clock, instanceId, settings);
  }

  async function create(name: string, config: Record<string, unknown>, token?: string) {
    const response = await t.request({
      method: 'POST',
      url: '/api/v1/integrations',
      token,
      payload: { name, type: 'scm', provider: 'in_memory', endpoint: `https://${name}.example.com`, config },
    });
    expect(response.status).toBe(201);
    return response.body.id as string;
  }

  test('checks what is due, records health, history and a health_changed event', async () => {
    const token = await t.token('poll-a');
    const id = await create('scripted', { health: 'degraded', message: 'quota at 5%' }, token);
    const p = poller(t.app.plugins);

    clock.advance(61_000);
    const checked = await p.drain();
    const again = await p.drain();

    expect(checked).toBeGreaterThanOrEqual(1);
    expect(again).toBe(0);
    const report = await t.request({ method: 'GET', url: `/api/v1/integrations/${id}/health`, token });
    expect(report.body).toMatchObject({
      status: 'active',
      health: { status: 'degraded', message: 'quota at 5%' },
      consecutiveFailures: 0,
      consecutiveSuccesses: 1,
      history: [{ kind: 'health', status: 'degraded', instance: 'test-instance' }],
    });
    const next = Date.parse(report.body.nextCheckAt) - clock.now().getTime();
    expect(next).toBeGreaterThanOrEqual(54_000);
    expect(next).toBeLessThanOrEqual(66_000);
    const events = await t.app.store.outbox.listForTenant('poll-a', 100);
    expect(events.filter((e) => e.type === 'integration.health_changed').map((e) => e.data)).toEqual([
      { integrationId: id, from: 'unknown', to: 'degraded', reason: 'quota at 5%' },
    ]);
  });

  test('turns unhealthy after the failure threshold and keeps a bounded history', async () => {
    const token = await t.token('poll-b');
    const id = await create('flaky', { health: 'healthy' }, token);
    const p = poller(t.app.plugins);
    const url = `/api/v1/integrations/${id}`;
    clock.advance(61_000);
    await p.drain();

    await t.request({ method: 'PATCH', url, token, payload: { config: { health: 'failing' } } });
    const statuses: string[] = [];
    for (let i = 0; i < 6; i += 1) {
      clock.advance(70_000);
      await p.drain();
      statuses.push((await t.request({ method: 'GET', url, token })).body.health.status);
    }

    expect(statuses).toEqual(['healthy', 'unhealthy', 'unhealthy', 'unhealthy', 'unhealthy', 'unhealthy']);
    const report = await t.request({ method: 'GET', url: `${url}/health?limit=100`, token });
    expect(report.body.status).toBe('failed');
    expect(report.body.history).toHaveLength(settings.historyLimit);
    const changes = (await t.app.store.outbox.listForTenant('poll-b', 100))
      .filter((e) => e.type === 'integration.health_changed')
      .map((e) => `${e.data.from}->${e.data.to}`);
    expect(changes).toEqual(['unknown->healthy', 'healthy->unhealthy']);
  });

  test('skips disabled integrations and never re-enables them', async () => {
    const token = await t.token('poll-c');
    const id = await create('switched-off', {}, token);
    await t.request({
      method: 'PATCH',
      url: `/api/v1/integrations/${id}`,
      token,
      payload: { enabled: false },
    });
    const p = poller(t.app.plugins);

    clock.advance(61_000);
    await p.drain();

    const report = await t.request({ method: 'GET', url: `/api/v1/integrations/${id}/health`, token });
    expect(report.body).toMatchObject({
      status: 'disabled',
      health: { status: 'unknown' },
      nextCheckAt: null,
      history: [],
    });
  });

  test('a check that outlives its timeout counts as a failure and does not hang', async () => {
    const token = await t.token('poll-d');
    const id = await create('stuck', { health: 'slow' }, token);
    const p = poller(t.app.plugins);
    const started = performance.now();

    clock.advance(61_000);
    await p.drain();

    expect(performance.now() - started).toBeLessThan(settings.checkTimeoutMs + 1_500);
    const report = await t.request({ method: 'GET', url: `/api/v1/integrations/${id}/health`, token });
    expect(report.body.health).toMatchObject({
      status: 'unhealthy',
      message: expect.stringContaining('did not finish'),
    });
  });

  test('stop gives leases back so another instance need not wait for them to expire', async () => {
    const token = await t.token('poll-e');
    await create('leased', { delayMs: 300 }, token);
    const p = poller(t.app.plugins, 'stopping-instance');

    clock.advance(61_000);
    p.start();
    await new Promise((done) => setTimeout(done, 100));
    await p.stop();

    const held = await t.app.store.database.db
      .selectFrom('poll_schedule')
      .select('integration_id')
      .where('lease_owner', '=', 'stopping-instance')
      .execute();
    expect(held).toEqual([]);
  });

  test('writes results that arrive together together: one row and one event per check', async () => {
    const ids = await seedDue(
      t.app.store,
      'poll-many',
      250,
      clock.now().toISOString(),
      () => 'https://many.example.com',
    );
    const p = poller(t.app.plugins, 'batching-instance');

    const checked = await p.drain();

    expect(checked).toBe(250);
    const { db } = t.app.store.database;
    const history = await db
      .selectFrom('health_checks')
      .select('integration_id')
      .where('tenant_id', '=', 'poll-many')
      .execute();
    expect(history.map((row) => row.integration_id).sort()).toEqual([...ids].sort());
    const events = await db
      .selectFrom('outbox')
      .select(['subject', 'type', 'seq'])
      .where('tenant_id', '=', 'poll-many')
      .orderBy('seq')
      .execute();
    expect(events.map((event) => event.subject).sort()).toEqual([...ids].sort());
    expect(new Set(events.map((event) => event.type))).toEqual(new Set(['integration.health_changed']));
    expect(new Set(events.map((event) => String(event.seq))).size).toBe(250);
  });
});

describe('a claimed check that waits too long for a slot', () => {
  it('is not run past its lease, and is claimed again once the lease ends', async () => {
    const created = await targets[0]!.create();
    const database = openDatabase({ url: created.url, dataDir: created.dataDir });
    const clock = manualClock();
    const checked: string[] = [];
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    // The first check hangs until the test opens the gate; the others answer at once.
    const plugin: ConnectorPlugin = {
      ...asConnectorPlugin(createInMemoryPlugin()),
      async checkHealth(context) {
        checked.push(context.integration.id!);
        if (checked.length === 1) await gate;
        return { status: 'healthy', message: 'ok' };
      },
    };
    try {
      const { migrateToLatest } = await import('../store/migrate.js');
      await migrateToLatest(database);
      const store = createStore(database);
      const ids = await seedDue(
        store,
        'queue',
        2,
        clock.now().toISOString(),
        (n) => `https://q${n}.example.com`,
      );
      // One slot: the second check waits in the queue behind the first. Lease: 2 × 10 s + 30 s.
      const p = testPoller(store, await loadPlugins([plugin], [], silentLogger), clock, 'one-slot', {
        ...settings,
        concurrency: 1,
        perHostConcurrency: 1,
        checkTimeoutMs: 10_000,
      });

      const first = p.drain();
      await expect.poll(() => checked.length).toBe(1);
      await expect.poll(() => p.busy).toBe(2); // one running, one claimed and queued
      clock.advance(31_000); // the queued one now has less lease left than a check may need
      open();
      expect(await first).toBe(1);
      expect(checked).toHaveLength(1);
      const waiting = ids.find((id) => id !== checked[0])!;
      expect((await store.health.getSchedule('queue', waiting))?.leaseOwner).toBe('one-slot');
      expect(await store.health.listChecks('queue', waiting, 10)).toEqual([]);

      clock.advance(20_000); // its lease has ended
      expect(await p.drain()).toBe(1);
      expect(checked).toEqual([...checked.slice(0, 1), waiting]);
      expect(await store.health.listChecks('queue', waiting, 10)).toHaveLength(1);
      await p.stop();
    } finally {
      await database.close();
      await created.dispose();
    }
  });
});

describe.skipIf(!targets[1]!.available)('three pollers on PostgreSQL', () => {
  it('share the work with no duplicate check, and take over from one that dies', async () => {
    const target = targets[1]!;
    const created = await target.create();
    const databases = Array.from({ length: 4 }, () =>
      openDatabase({ url: created.url, dataDir: created.dataDir, poolSize: 4 }),
    );
    const [setupDb, ...instanceDbs] = databases;
    const clock = manualClock();
    const checked: string[] = [];
    // A provider that counts every check it is asked to make, by integration.
    const counting = createInMemoryPlugin();
    const plugin: ConnectorPlugin = {
      ...asConnectorPlugin(counting),
      async checkHealth(context) {
        checked.push(context.integration.id!);
        if (context.integration.config.health === 'slow') await new Promise(() => {}); // the dying instance hangs
        await new Promise((done) => setTimeout(done, 5));
        return { status: 'healthy', message: 'ok' };
      },
    };
    try {
      const { migrateToLatest } = await import('../store/migrate.js');
      await migrateToLatest(setupDb!);
      const setup = createStore(setupDb!);
      const ids = await seedDue(
        setup,
        'multi',
        300,
        clock.now().toISOString(),
        (n) => `https://host-${n % 7}.example.com`,
      );
      const plugins = await loadPlugins([plugin], [], silentLogger);
      // Lease (2 × timeout + 30 s = 50 s) ends long before the next interval (1 h) begins.
      const makePoller = (index: number) =>
        testPoller(createStore(instanceDbs[index]!), plugins, clock, `instance-${index}`, {
          ...settings,
          concurrency: 10,
          checkTimeoutMs: 10_000,
          intervalMs: 3_600_000,
        });

      // The doomed instance claims a batch, then hangs on it for ever (as a killed process would hold it).
      await setup.database.db
        .updateTable('integrations')
        .set({ config: '{"health":"slow"}' })
        .where('id', 'in', ids.slice(0, 10))
        .execute();
      const doomed = makePoller(0);
      void doomed.drain();
      await new Promise((done) => setTimeout(done, 200));
      await instanceDbs[0]!.close();
      const survivors = [makePoller(1), makePoller(2)];
      await Promise.all(survivors.map((p) => p.drain()));
      const beforeExpiry = new Set(checked).size;
      // The dead instance holds its 10 hanging checks and the claimed ones it had not started yet.
      const heldByDead = await setup.database.db
        .selectFrom('poll_schedule')
        .select('integration_id')
        .where('lease_owner', '=', 'instance-0')
        .execute();
      expect(heldByDead.length).toBeGreaterThanOrEqual(10);

      // Leases of the dead instance expire; the survivors take its work over.
      await setup.database.db
        .updateTable('integrations')
        .set({ config: '{}' })
        .where('id', 'in', ids.slice(0, 10))
        .execute();
      clock.advance(50_001);
      await Promise.all(survivors.map((p) => p.drain()));

      const perIntegration = new Map<string, number>();
      for (const id of checked) perIntegration.set(id, (perIntegration.get(id) ?? 0) + 1);
      const doubled = [...perIntegration.entries()].filter(
        ([id, n]) => n > (ids.slice(0, 10).includes(id) ? 2 : 1),
      );
      expect(doubled).toEqual([]);
      expect(beforeExpiry).toBe(300 - (heldByDead.length - 10));
      expect(new Set(checked).size).toBe(300);
      const schedules = await setup.database.db.selectFrom('poll_schedule').select(['lease_owner']).execute();
      expect(schedules.filter((s) => s.lease_owner !== null)).toEqual([]);
      const checkedOnce = await setup.database.db.selectFrom('health_checks').select('instance').execute();
      expect(new Set(checkedOnce.map((c) => c.instance))).toEqual(new Set(['instance-1', 'instance-2']));
      expect(checkedOnce).toHaveLength(300);
    } finally {
      await Promise.allSettled(databases.map((db) => db.close()));
      await created.dispose();
    }
  });
});

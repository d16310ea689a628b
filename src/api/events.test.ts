import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/support/app.js';
import { testDatabaseTargets } from '../../test/support/databases.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../test/support/webhook-receiver.js';

const targets = await testDatabaseTargets();
const SECRET_VARIABLE = 'EVENTS_API_TEST_HOOK_SECRET';
process.env[SECRET_VARIABLE] = 'whsec-events-api-test';

const registration = (name: string) => ({
  name,
  type: 'scm',
  provider: 'in_memory',
  endpoint: 'https://scm.example.com',
});

describe.each(targets)('events API on $dialect', (target) => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    if (!target.available) return;
    receiver = await startWebhookReceiver(process.env[SECRET_VARIABLE]!);
    t = await startTestApp(target, {
      config: {
        relayEnabled: false,
        allowPrivateNetworks: true,
        egressAllowAnyPort: true,
        // Sink secrets come from a configured store, here environment variables starting EVENTS_.
        secretStores: [{ name: 'env', type: 'env', prefix: 'EVENTS_' }],
        eventSinks: [{ kind: 'webhook', url: receiver.url, secretRef: `authref://env/${SECRET_VARIABLE}` }],
      },
    });
  });
  afterAll(async () => {
    await t?.dispose();
    await receiver?.close();
  });
  const test = it.skipIf(!target.available);

  async function create(name: string, token?: string) {
    const response = await t.request({
      method: 'POST',
      url: '/api/v1/integrations',
      payload: registration(name),
      token,
    });
    expect(response.status).toBe(201);
    return response.body as { id: string };
  }

  async function allPages(url: string, token?: string) {
    const items: any[] = [];
    let pageToken: string | null = null;
    do {
      const separator = url.includes('?') ? '&' : '?';
      const response = await t.request({
        method: 'GET',
        url: pageToken ? `${url}${separator}pageToken=${pageToken}` : url,
        token,
      });
      expect(response.status).toBe(200);
      items.push(...response.body.items);
      pageToken = response.body.nextPageToken;
    } while (pageToken);
    return items;
  }

  test('lists the tenant’s events in commit order, as CloudEvents, page by page', async () => {
    const tenant = await t.token('paging');
    const a = await create('paging-a', tenant);
    const b = await create('paging-b', tenant);
    await t.request({
      method: 'PATCH',
      url: `/api/v1/integrations/${a.id}`,
      payload: { owner: 'x' },
      token: tenant,
    });
    await t.request({ method: 'DELETE', url: `/api/v1/integrations/${b.id}`, token: tenant });

    const first = await t.request({ method: 'GET', url: '/api/v1/events?pageSize=3', token: tenant });
    const items = await allPages('/api/v1/events?pageSize=3', tenant);

    expect(first.body.items).toHaveLength(3);
    expect(first.body.nextPageToken).toEqual(expect.any(String));
    expect(items.map((e) => [e.type, e.subject])).toEqual([
      ['integration.created', a.id],
      ['integration.created', b.id],
      ['integration.updated', a.id],
      ['integration.deleted', b.id],
    ]);
    expect(items[2]).toEqual({
      specversion: '1.0',
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/),
      source: expect.stringMatching(/^\/integrations-catalog\/.+/),
      type: 'integration.updated',
      subject: a.id,
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      datacontenttype: 'application/json',
      tenantid: 'paging',
      data: expect.objectContaining({ integrationId: a.id, version: 2, changedFields: ['owner'] }),
    });
    const stored = await t.app.store.outbox.listForTenant('paging', 100);
    expect(items.map((e) => e.id)).toEqual(stored.map((e) => e.id));
  });

  test('filters by type and subject, and resumes after a given event id', async () => {
    const tenant = await t.token('filters');
    const a = await create('filters-a', tenant);
    const b = await create('filters-b', tenant);
    await t.request({
      method: 'PATCH',
      url: `/api/v1/integrations/${a.id}`,
      payload: { owner: 'y' },
      token: tenant,
    });
    const all = await allPages('/api/v1/events', tenant);

    const created = await allPages('/api/v1/events?type=integration.created', tenant);
    const ofA = await allPages(`/api/v1/events?subject=${a.id}`, tenant);
    const afterFirst = await allPages(`/api/v1/events?after=${all[0].id}`, tenant);

    expect(created.map((e) => e.subject)).toEqual([a.id, b.id]);
    expect(ofA.map((e) => e.type)).toEqual(['integration.created', 'integration.updated']);
    expect(afterFirst.map((e) => e.id)).toEqual(all.slice(1).map((e) => e.id));
  });

  test('refuses unknown cursors, and another tenant’s event id as `after`', async () => {
    const mine = await t.token('cursor-a');
    const theirs = await t.token('cursor-b');
    await create('cursor-mine', mine);
    const [event] = await allPages('/api/v1/events', mine);

    const foreign = await t.request({
      method: 'GET',
      url: `/api/v1/events?after=${event.id}`,
      token: theirs,
    });
    const bogus = await t.request({ method: 'GET', url: '/api/v1/events?pageToken=bm9wZQ', token: mine });
    const both = await t.request({
      method: 'GET',
      url: `/api/v1/events?after=${event.id}&pageToken=x`,
      token: mine,
    });
    const badType = await t.request({
      method: 'GET',
      url: '/api/v1/events?type=integration.exploded',
      token: mine,
    });

    expect(foreign.status).toBe(400);
    expect(foreign.body.error.details).toEqual([{ field: '/query/after', message: expect.any(String) }]);
    expect(bogus.status).toBe(400);
    expect(both.status).toBe(400);
    expect(badType.status).toBe(400);
  });

  test('shows each tenant only its own events', async () => {
    const a = await t.token('iso-a');
    const b = await t.token('iso-b');
    const ofA = await create('iso-one', a);
    await create('iso-two', b);

    const seenByA = await allPages('/api/v1/events', a);
    const seenByB = await allPages('/api/v1/events', b);

    expect(seenByA.map((e) => [e.tenantid, e.subject])).toEqual([['iso-a', ofA.id]]);
    expect(seenByB.every((e) => e.tenantid === 'iso-b')).toBe(true);
    expect(seenByB).toHaveLength(1);
  });

  test('needs integrations:read to list, integrations:admin for parked events and retries', async () => {
    const reader = await t.token('scopes', ['integrations:read']);
    const writer = await t.token('scopes', ['integrations:write']);

    expect((await t.request({ method: 'GET', url: '/api/v1/events', token: reader })).status).toBe(200);
    expect((await t.request({ method: 'GET', url: '/api/v1/events/parked', token: writer })).status).toBe(
      403,
    );
    expect(
      (await t.request({ method: 'POST', url: `/api/v1/events/${crypto.randomUUID()}/retry`, token: writer }))
        .status,
    ).toBe(403);
    expect((await t.request({ method: 'GET', url: '/api/v1/events', token: null })).status).toBe(401);
  });

  test('lists parked events with the reason, and retries them for their own tenant only', async () => {
    await t.app.relay.drain(); // deliver what earlier tests wrote
    const admin = await t.token('parked');
    const other = await t.token('parked-other');
    receiver.respond((event) => (event.tenantid === 'parked' ? 422 : 204));
    const integration = await create('parked-one', admin);
    await t.app.relay.drain();

    const parked = await t.request({ method: 'GET', url: '/api/v1/events/parked', token: admin });
    expect(parked.status).toBe(200);
    expect(parked.body.items).toHaveLength(1);
    const [item] = parked.body.items;
    expect(item.event).toMatchObject({
      type: 'integration.created',
      subject: integration.id,
      tenantid: 'parked',
    });
    expect(item.deliveries).toEqual([
      {
        sink: 'webhook',
        attempts: 1,
        parkedAt: expect.any(String),
        reason: expect.stringContaining('422'),
        lastError: expect.stringContaining('422'),
      },
    ]);
    expect(
      (await t.request({ method: 'GET', url: '/api/v1/events/parked', token: other })).body.items,
    ).toEqual([]);

    const foreign = await t.request({
      method: 'POST',
      url: `/api/v1/events/${item.event.id}/retry`,
      token: other,
    });
    const unknown = await t.request({
      method: 'POST',
      url: `/api/v1/events/${crypto.randomUUID()}/retry`,
      token: admin,
    });
    const invalid = await t.request({ method: 'POST', url: '/api/v1/events/not-an-id/retry', token: admin });
    expect([foreign.status, unknown.status, invalid.status]).toEqual([404, 404, 400]);

    receiver.respond(() => 204);
    const retried = await t.request({
      method: 'POST',
      url: `/api/v1/events/${item.event.id}/retry`,
      token: admin,
    });
    const again = await t.request({
      method: 'POST',
      url: `/api/v1/events/${item.event.id}/retry`,
      token: admin,
    });
    await t.app.relay.drain();

    expect(retried.status).toBe(202);
    expect(retried.body).toEqual({ id: item.event.id, sinks: ['webhook'] });
    expect(again.status).toBe(409);
    expect(receiver.accepted.filter((e) => e.id === item.event.id)).toHaveLength(1);
    expect(
      (await t.request({ method: 'GET', url: '/api/v1/events/parked', token: admin })).body.items,
    ).toEqual([]);
  });

  test('publishes the envelope and every data schema in the OpenAPI document', async () => {
    const document = (await t.request({ method: 'GET', url: '/openapi.json', token: null })).body;

    expect(Object.keys(document.components.schemas)).toEqual(
      expect.arrayContaining([
        'CloudEvent',
        'IntegrationCreatedData',
        'IntegrationUpdatedData',
        'IntegrationDeletedData',
        'IntegrationHealthChangedData',
        'IntegrationTestCompletedData',
        'ScmAnnotationCompletedData',
        'CredentialRotatedData',
      ]),
    );
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/api/v1/events', '/api/v1/events/parked', '/api/v1/events/{id}/retry']),
    );
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/support/app.js';
import { testDatabaseTargets } from '../../test/support/databases.js';

const targets = await testDatabaseTargets();

const github = (name = 'github-prod') => ({
  name,
  type: 'scm',
  provider: 'in_memory',
  endpoint: 'https://scm.example.com',
  config: { health: 'degraded' },
  tags: ['prod', 'team:platform'],
  owner: 'Platform team',
});

describe.each(targets)('integrations API on $dialect', (target) => {
  let t: TestApp;
  beforeAll(async () => {
    if (target.available) t = await startTestApp(target);
  });
  afterAll(async () => t?.dispose());
  const test = it.skipIf(!target.available);

  test('creates an integration with defaults filled and a created event', async () => {
    const response = await t.request({
      method: 'POST',
      url: '/api/v1/integrations',
      payload: github('created'),
    });

    expect(response.status).toBe(201);
    expect(response.headers.etag).toBe('"1"');
    expect(response.headers.location).toBe(`/api/v1/integrations/${response.body.id}`);
    expect(response.body).toMatchObject({
      tenantId: 'default',
      name: 'created',
      config: { health: 'degraded', delayMs: 0, scmFailure: 'none', images: [] },
      tags: ['prod', 'team:platform'],
      enabled: true,
      status: 'pending',
      health: { status: 'unknown', checkedAt: null, latencyMs: null, message: null },
      version: 1,
      createdBy: 'token:bootstrap-admin',
    });
    const events = await t.app.store.outbox.listForTenant('default', 1000);
    const event = events.find((e) => e.subject === response.body.id);
    expect(event).toMatchObject({
      type: 'integration.created',
      data: { integrationId: response.body.id, version: 1 },
    });
  });

  test('reads one by id with its ETag', async () => {
    const created = await t.request({
      method: 'POST',
      url: '/api/v1/integrations',
      payload: github('readable'),
    });

    const read = await t.request({ method: 'GET', url: `/api/v1/integrations/${created.body.id}` });

    expect(read.status).toBe(200);
    expect(read.headers.etag).toBe('"1"');
    expect(read.body).toEqual(created.body);
  });

  test('answers repeated reads alike, and the new version once it changes', async () => {
    const created = await t.request({
      method: 'POST',
      url: '/api/v1/integrations',
      payload: github('read-twice'),
    });
    const url = `/api/v1/integrations/${created.body.id}`;

    // The first read fills the store's cache (SQLite), the second is answered from it.
    const [first, second] = [
      await t.request({ method: 'GET', url }),
      await t.request({ method: 'GET', url }),
    ];
    for (const read of [first, second]) {
      expect(read.status).toBe(200);
      expect(read.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(read.headers.etag).toBe('"1"');
      expect(read.body).toEqual(created.body);
    }

    await t.request({
      method: 'PATCH',
      url,
      headers: { 'if-match': '"1"' },
      payload: { owner: 'Someone else' },
    });
    const changed = await t.request({ method: 'GET', url });
    expect(changed.headers.etag).toBe('"2"');
    expect(changed.body).toMatchObject({ owner: 'Someone else', version: 2 });
    const again = await t.request({ method: 'GET', url });
    expect(again.body).toEqual(changed.body);
  });

  test('patches fields, merges config, bumps the version and records the changed fields', async () => {
    const created = await t.request({
      method: 'POST',
      url: '/api/v1/integrations',
      payload: github('patchable'),
    });
    const url = `/api/v1/integrations/${created.body.id}`;

    const patched = await t.request({
      method: 'PATCH',
      url,
      headers: { 'if-match': '"1"' },
      payload: { config: { delayMs: 5, health: null }, tags: ['staging'], enabled: false },
    });

    expect(patched.status).toBe(200);
    expect(patched.headers.etag).toBe('"2"');
    expect(patched.body).toMatchObject({
      version: 2,
      config: { health: 'healthy', delayMs: 5 },
      tags: ['staging'],
      enabled: false,
      status: 'disabled',
    });
    const events = await t.app.store.outbox.listForTenant('default', 1000);
    const updated = events.filter((e) => e.subject === created.body.id && e.type === 'integration.updated');
    expect(updated).toHaveLength(1);
    expect(updated[0]?.data.changedFields).toEqual(['config', 'tags', 'enabled']);
  });

  test('a patch that changes nothing writes nothing', async () => {
    const created = await t.request({
      method: 'POST',
      url: '/api/v1/integrations',
      payload: github('steady'),
    });

    const same = await t.request({
      method: 'PATCH',
      url: `/api/v1/integrations/${created.body.id}`,
      payload: { owner: 'Platform team' },
    });

    expect(same.status).toBe(200);
    expect(same.body.version).toBe(1);
  });

  test('refuses a stale If-Match and a duplicate name', async () => {
    const a = await t.request({ method: 'POST', url: '/api/v1/integrations', payload: github('first-a') });
    await t.request({ method: 'POST', url: '/api/v1/integrations', payload: github('first-b') });
    const url = `/api/v1/integrations/${a.body.id}`;
    await t.request({ method: 'PATCH', url, payload: { owner: 'someone else' } });

    const stale = await t.request({
      method: 'PATCH',
      url,
      headers: { 'if-match': '"1"' },
      payload: { owner: 'me' },
    });
    const renamed = await t.request({ method: 'PATCH', url, payload: { name: 'first-b' } });
    const staleDelete = await t.request({ method: 'DELETE', url, headers: { 'if-match': '"1"' } });

    expect(stale.status).toBe(412);
    expect(stale.body.error.code).toBe('precondition_failed');
    expect(renamed.status).toBe(409);
    expect(renamed.body.error).toMatchObject({ code: 'conflict', details: [{ field: '/name' }] });
    expect(staleDelete.status).toBe(412);
  });

  test('deletes with If-Match and records a deleted event', async () => {
    const created = await t.request({
      method: 'POST',
      url: '/api/v1/integrations',
      payload: github('doomed'),
    });
    const url = `/api/v1/integrations/${created.body.id}`;

    const deleted = await t.request({ method: 'DELETE', url, headers: { 'if-match': '"1"' } });
    const after = await t.request({ method: 'GET', url });

    expect(deleted.status).toBe(204);
    expect(after.status).toBe(404);
    const events = await t.app.store.outbox.listForTenant('default', 1000);
    expect(events.filter((e) => e.subject === created.body.id).map((e) => e.type)).toEqual([
      'integration.created',
      'integration.deleted',
    ]);
  });

  test('lists with filters and cursor pages in a stable order', async () => {
    const token = await t.token('paging');
    const names = Array.from({ length: 7 }, (_, i) => `page-${i}`);
    for (const [i, name] of names.entries()) {
      await t.request({
        method: 'POST',
        url: '/api/v1/integrations',
        token,
        payload: { ...github(name), type: i % 2 ? 'registry' : 'scm', tags: i < 3 ? ['early'] : ['late'] },
      });
    }

    const seen: string[] = [];
    let pageToken: string | null = null;
    do {
      const query = `pageSize=3${pageToken ? `&pageToken=${pageToken}` : ''}`;
      const page: any = await t.request({ method: 'GET', url: `/api/v1/integrations?${query}`, token });
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((i: { name: string }) => i.name));
      pageToken = page.body.nextPageToken;
    } while (pageToken);
    const filtered = await t.request({
      method: 'GET',
      url: '/api/v1/integrations?type=registry&tag=late&enabled=true&q=PAGE',
      token,
    });

    expect(seen).toEqual(names);
    expect(filtered.body.items.map((i: { name: string }) => i.name)).toEqual(['page-3', 'page-5']);
    expect(filtered.body.nextPageToken).toBeNull();
  });

  test('replays an idempotent create and refuses the key for another body', async () => {
    const headers = { 'idempotency-key': `create-${target.dialect}` };

    const first = await t.request({
      method: 'POST',
      url: '/api/v1/integrations',
      headers,
      payload: github('idem'),
    });
    const again = await t.request({
      method: 'POST',
      url: '/api/v1/integrations',
      headers,
      payload: github('idem'),
    });
    const other = await t.request({
      method: 'POST',
      url: '/api/v1/integrations',
      headers,
      payload: github('idem-2'),
    });

    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('idempotency_key_reused');
  });

  test('keeps tenants apart: another tenant cannot see, change or detect an integration', async () => {
    const acme = await t.token('acme');
    const mine = await t.request({
      method: 'POST',
      url: '/api/v1/integrations',
      payload: github('shared-name'),
    });
    const url = `/api/v1/integrations/${mine.body.id}`;

    const get = await t.request({ method: 'GET', url, token: acme });
    const patch = await t.request({ method: 'PATCH', url, token: acme, payload: { owner: 'x' } });
    const del = await t.request({ method: 'DELETE', url, token: acme });
    const list = await t.request({ method: 'GET', url: '/api/v1/integrations?q=shared', token: acme });
    const sameName = await t.request({
      method: 'POST',
      url: '/api/v1/integrations',
      token: acme,
      payload: github('shared-name'),
    });

    expect([get.status, patch.status, del.status]).toEqual([404, 404, 404]);
    expect(get.body).toEqual({
      error: { code: 'not_found', message: expect.any(String), traceId: expect.any(String) },
    });
    expect(list.body.items).toEqual([]);
    expect(sameName.status).toBe(201);
    expect((await t.request({ method: 'GET', url })).body.owner).toBe('Platform team');
  });

  test('enforces scopes: read cannot write, write cannot manage tokens', async () => {
    const reader = await t.token('default', ['integrations:read']);
    const writer = await t.token('default', ['integrations:write']);

    const readList = await t.request({ method: 'GET', url: '/api/v1/integrations', token: reader });
    const readCreate = await t.request({
      method: 'POST',
      url: '/api/v1/integrations',
      token: reader,
      payload: github('r'),
    });
    const writeCreate = await t.request({
      method: 'POST',
      url: '/api/v1/integrations',
      token: writer,
      payload: github('w'),
    });
    const writeTokens = await t.request({ method: 'GET', url: '/api/v1/tokens', token: writer });

    expect(readList.status).toBe(200);
    expect(readCreate.status).toBe(403);
    expect(writeCreate.status).toBe(201);
    expect(writeCreate.body.createdBy).toBe('token:test-default');
    expect(writeTokens.status).toBe(403);
  });

  test('manages tokens of its own tenant: create, list without secrets, revoke', async () => {
    const created = await t.request({
      method: 'POST',
      url: '/api/v1/tokens',
      payload: { name: 'ci-bot', scopes: ['integrations:read'] },
    });
    const secret: string = created.body.token;

    const works = await t.request({ method: 'GET', url: '/api/v1/integrations', token: secret });
    const listed = await t.request({ method: 'GET', url: '/api/v1/tokens' });
    const revoked = await t.request({ method: 'DELETE', url: `/api/v1/tokens/${created.body.tokenInfo.id}` });
    const refused = await t.request({ method: 'GET', url: '/api/v1/integrations', token: secret });
    const otherTenant = await t.request({
      method: 'GET',
      url: '/api/v1/tokens',
      token: await t.token('zeta'),
    });

    expect(created.status).toBe(201);
    expect(secret).toMatch(/^intg_[A-Za-z0-9_-]{43}$/);
    expect(works.status).toBe(200);
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    expect(listed.body.items.map((i: { name: string }) => i.name)).toContain('ci-bot');
    expect(revoked.status).toBe(204);
    expect(refused.status).toBe(401);
    expect(otherTenant.body.items.map((i: { name: string }) => i.name)).not.toContain('ci-bot');
  });

  test('lists providers with availability and config schema', async () => {
    const response = await t.request({ method: 'GET', url: '/api/v1/providers' });

    expect(response.status).toBe(200);
    expect(response.body.items).toContainEqual(
      expect.objectContaining({
        provider: 'in_memory',
        types: ['scm', 'registry'],
        available: true,
        unavailableReason: null,
        source: 'builtin',
        configSchema: expect.objectContaining({ type: 'object' }),
      }),
    );
    expect(response.body.loadFailures).toEqual([]);
  });

  test('serves liveness, readiness, metrics and the OpenAPI document without a token', async () => {
    const healthz = await t.request({ method: 'GET', url: '/healthz', token: null });
    const readyz = await t.request({ method: 'GET', url: '/readyz', token: null });
    const metrics = await t.request({ method: 'GET', url: '/metrics', token: null });
    const openapi = await t.request({ method: 'GET', url: '/openapi.json', token: null });
    const docs = await t.request({ method: 'GET', url: '/docs/', token: null });

    expect(healthz.body).toEqual({ status: 'ok' });
    expect(readyz.body).toMatchObject({
      status: 'ready',
      checks: { database: { ok: true }, migrations: { ok: true } },
    });
    expect(metrics.body).toContain(
      'http_requests_total{method="GET",route="/api/v1/providers",status_code="200"}',
    );
    expect(metrics.body).toContain('integrations_changes_total');
    expect(openapi.body.openapi).toBe('3.0.3');
    expect(Object.keys(openapi.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/integrations',
        '/api/v1/integrations/{id}',
        '/api/v1/providers',
        '/api/v1/tokens',
      ]),
    );
    expect(docs.status).toBe(200);
  });

  test('carries a trace id on every response, taken from traceparent when given', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';

    const response = await t.request({
      method: 'GET',
      url: '/api/v1/integrations/01890a5d-ac96-774b-bcce-b302099a8057',
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });

    expect(response.headers['x-trace-id']).toBe(traceId);
    expect(response.body.error.traceId).toBe(traceId);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/support/app.js';
import { testDatabaseTargets } from '../../test/support/databases.js';
import {
  csrfOf,
  expectConsoleHeaders,
  get,
  links,
  login,
  post,
  tableRows,
  textOf,
} from './console.test-kit.js';

const targets = await testDatabaseTargets();
const scm = (name: string, config: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  name,
  type: 'scm',
  provider: 'in_memory',
  endpoint: 'https://scm.example.com',
  config,
  ...extra,
});

describe.each(targets)('console integrations on $dialect', (target) => {
  let t: TestApp;
  let cookie: string;
  let passing: string;
  let failing: string;
  beforeAll(async () => {
    if (!target.available) return;
    t = await startTestApp(target, { config: { pollCheckTimeoutMs: 2_000 } });
    const create = async (payload: Record<string, unknown>) =>
      (await t.request({ method: 'POST', url: '/api/v1/integrations', payload })).body.id as string;
    passing = await create(
      scm(
        'alpha-scm',
        { message: 'all good' },
        { tags: ['prod'], owner: 'team-a', authRef: 'authref://local/alpha' },
      ),
    );
    failing = await create(scm('beta-scm', { health: 'failing', message: 'TLS certificate expired' }));
    await create({ ...scm('gamma-registry'), type: 'registry', endpoint: 'https://registry.example.com' });
    cookie = await login(t, t.adminToken);
  });
  afterAll(async () => t?.dispose());
  const test = it.skipIf(!target.available);

  test('lists the integrations as a table, with the tenant and a logout button', async () => {
    const page = await get(t, '/console', cookie);

    expect(page.status).toBe(200);
    expectConsoleHeaders(page);
    const rows = tableRows(page.html, 'Integrations of this tenant');
    expect(rows.map((row) => row[0])).toEqual(['alpha-scm', 'beta-scm', 'gamma-registry']);
    expect(rows[0]).toEqual(['alpha-scm', 'scm', 'in_memory', 'yes', 'pending', 'unknown', '—', '—']);
    expect(links(page.html)).toContain(`/console/integrations/${passing}`);
    expect(textOf(page.html)).toContain('Tenant: default');
    expect(page.html).toContain('action="/console/logout"');
    expect(page.html).not.toContain(t.adminToken);
  });

  test('filters with the API’s filters; empty fields mean any; a bad filter is a 400 page', async () => {
    const byType = await get(t, '/console?q=&type=registry&provider=&health=', cookie);
    const byName = await get(t, '/console?q=beta', cookie);
    const none = await get(t, '/console?q=nothing-like-this', cookie);
    const bad = await get(t, '/console?type=toaster', cookie);

    expect(tableRows(byType.html, 'Integrations').map((row) => row[0])).toEqual(['gamma-registry']);
    expect(byType.html).toContain('<option value="registry" selected>');
    expect(tableRows(byName.html, 'Integrations').map((row) => row[0])).toEqual(['beta-scm']);
    expect(none.html).toContain('No integrations match');
    expect(bad.status).toBe(400);
    expect(textOf(bad.html)).toContain('Error 400');
    expect(bad.html).toContain('/query/type');
    expectConsoleHeaders(bad);
  });

  test('pages with the API’s page token, keeping the filters', async () => {
    const first = await get(t, '/console?pageSize=2&provider=in_memory', cookie);
    const next = links(first.html).find((href) => href.includes('pageToken='));
    const second = await get(t, next!, cookie);
    const broken = await get(t, '/console?pageToken=bm9wZQ', cookie);

    expect(tableRows(first.html, 'Integrations').map((row) => row[0])).toEqual(['alpha-scm', 'beta-scm']);
    expect(next).toMatch(/provider=in_memory/);
    expect(next).toMatch(/pageSize=2/);
    expect(tableRows(second.html, 'Integrations').map((row) => row[0])).toEqual(['gamma-registry']);
    expect(links(second.html).some((href) => href.includes('pageToken='))).toBe(false);
    expect(broken.status).toBe(400);
  });

  test('shows the registration, its health and the test button', async () => {
    const page = await get(t, `/console/integrations/${passing}`, cookie);
    const text = textOf(page.html);

    expect(page.status).toBe(200);
    expectConsoleHeaders(page);
    expect(text).toContain('Endpoint https://scm.example.com');
    expect(text).toContain('Credentials authref://local/alpha (a reference; the secret is never shown)');
    expect(text).toContain('Tags prod');
    expect(text).toContain('Owner team-a');
    expect(page.html).toContain('&quot;message&quot;: &quot;all good&quot;');
    expect(text).toContain('No checks yet.');
    expect(page.html).toMatch(/<form method="post" action="\/console\/integrations\/[^"]+\/test">/);
    expect(page.html).toMatch(/<button type="submit">Test connection<\/button>/);
    expect(page.html).not.toContain('Browse the registry');
  });

  test('tests a connection with the CSRF token, as the API does: recorded, with the token’s actor', async () => {
    const csrf = csrfOf((await get(t, `/console/integrations/${passing}`, cookie)).html);

    const result = await post(t, `/console/integrations/${passing}/test`, cookie, { csrf });
    const detail = await get(t, `/console/integrations/${passing}`, cookie);
    const health = await t.request({ method: 'GET', url: `/api/v1/integrations/${passing}/health` });

    expect(result.status).toBe(200);
    expectConsoleHeaders(result);
    expect(textOf(result.html)).toContain('Result: ok the connection works');
    expect(textOf(result.html)).toMatch(/Latency: \d+ ms/);
    expect(tableRows(result.html, 'Steps of the test')).toEqual(
      health.body.history[0].checks.map((check: { name: string; ok: boolean; message: string }) => [
        check.name,
        check.ok ? 'ok' : 'failed',
        check.message,
      ]),
    );
    expect(health.body.history).toEqual([expect.objectContaining({ kind: 'test', status: 'healthy' })]);
    expect(tableRows(detail.html, 'Recent health checks')[0]).toEqual(
      expect.arrayContaining(['test', 'healthy', 'all good']),
    );
    const events = await t.app.store.outbox.listForTenant('default', 1000);
    expect(
      events.find((e) => e.type === 'integration.test_completed' && e.subject === passing)?.data,
    ).toMatchObject({ success: true, testedBy: 'token:bootstrap-admin' });
  });

  test('shows the failed check of a connection that fails', async () => {
    const csrf = csrfOf((await get(t, `/console/integrations/${failing}`, cookie)).html);

    const result = await post(t, `/console/integrations/${failing}/test`, cookie, { csrf });

    expect(result.status).toBe(200);
    expect(textOf(result.html)).toContain('Result: failed the connection failed');
    expect(textOf(result.html)).toContain('Message: TLS certificate expired');
    expect(tableRows(result.html, 'Steps of the test')).toContainEqual([
      'reachable',
      'failed',
      'TLS certificate expired',
    ]);
  });

  test('refuses a test without the CSRF token, or with a wrong one, with 403 and records nothing', async () => {
    const missing = await post(t, `/console/integrations/${failing}/test`, cookie, {});
    const wrong = await post(t, `/console/integrations/${failing}/test`, cookie, { csrf: 'A'.repeat(43) });
    const otherSession = csrfOf((await get(t, '/console', await login(t, await t.token('default')))).html);
    const foreign = await post(t, `/console/integrations/${failing}/test`, cookie, { csrf: otherSession });
    const noBody = await t.app.api.inject({
      method: 'POST',
      url: `/console/integrations/${failing}/test`,
      headers: { cookie },
    });
    const health = await t.request({ method: 'GET', url: `/api/v1/integrations/${failing}/health` });

    for (const page of [missing, wrong, foreign]) {
      expect(page.status).toBe(403);
      expect(textOf(page.html)).toContain('CSRF token');
      expectConsoleHeaders(page);
    }
    expect(noBody.statusCode).toBe(403);
    expect(health.body.history).toHaveLength(1); // the test of the previous case only
  });

  test('a read-only token sees the button disabled and gets 403 if it posts anyway', async () => {
    const reader = await login(t, await t.token('default', ['integrations:read']));
    const page = await get(t, `/console/integrations/${passing}`, reader);

    const posted = await post(t, `/console/integrations/${passing}/test`, reader, {
      csrf: csrfOf(page.html),
    });

    expect(page.html).toMatch(/<button type="submit" disabled[^>]*>Test connection<\/button>/);
    expect(textOf(page.html)).toContain('Testing needs a token with the integrations:write scope.');
    expect(posted.status).toBe(403);
    expect(textOf(posted.html)).toContain('integrations:write');
  });

  test('another tenant sees none of these: the list is empty and every id is a 404 page', async () => {
    const intruder = await login(t, await t.token('intruder'));
    const csrf = csrfOf((await get(t, '/console', intruder)).html);

    const list = await get(t, '/console', intruder);
    const detail = await get(t, `/console/integrations/${passing}`, intruder);
    const tested = await post(t, `/console/integrations/${passing}/test`, intruder, { csrf });
    const unknown = await get(t, '/console/integrations/0190a2b4-0000-7000-8000-000000000000', cookie);

    expect(textOf(list.html)).toContain('Tenant: intruder');
    expect(tableRows(list.html, 'Integrations')).toEqual([]);
    for (const page of [detail, tested, unknown]) {
      expect(page.status).toBe(404);
      expect(textOf(page.html)).toContain('Error 404');
      expect(page.html).not.toContain('alpha-scm');
      expectConsoleHeaders(page);
    }
  });

  test('an unknown console path is a 404 page with the console headers; nothing is in the OpenAPI document', async () => {
    const missing = await get(t, '/console/nowhere', cookie);
    const openapi = await t.request({ method: 'GET', url: '/openapi.json', token: null });

    expect(missing.status).toBe(404);
    expect(textOf(missing.html)).toContain('Error 404');
    expectConsoleHeaders(missing);
    expect(Object.keys(openapi.body.paths).filter((path) => !path.startsWith('/api/v1'))).not.toContainEqual(
      expect.stringMatching(/^\/console|^\/$/),
    );
  });
});

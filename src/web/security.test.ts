import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/support/app.js';
import { testDatabaseTargets } from '../../test/support/databases.js';
import type { Principal } from '../core/scopes.js';
import { createLogger } from '../observability/logger.js';
import { csrfOf, expectConsoleHeaders, get, login, type Page, post, tableRows } from './console.test-kit.js';
import { STYLESHEET_URL } from './stylesheet.js';

const targets = await testDatabaseTargets();
const SCRIPT_NAME = '<script>alert(1)</script>';
const CONFIG_PAYLOAD = '</pre><img src=x onerror=alert(1)>';
const admin: Principal = {
  tenantId: 'default',
  tokenId: 'test',
  actor: 'token:test',
  scopes: ['integrations:admin'],
};

describe.each(targets)('console security on $dialect', (target) => {
  let t: TestApp;
  let cookie: string;
  let id: string;
  const lines: string[] = [];
  beforeAll(async () => {
    if (!target.available) return;
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    t = await startTestApp(target, { logger: createLogger('trace', sink) });
    // The API refuses such a name; the service does not, so a page must never trust what it stores.
    const created = await t.app.integrations.create(admin, {
      name: SCRIPT_NAME,
      type: 'scm',
      provider: 'in_memory',
      endpoint: 'https://scm.example.com',
      owner: '"><img src=x onerror=alert(2)>',
      tags: ['x'],
      config: { health: 'failing', message: CONFIG_PAYLOAD },
    });
    id = created.id;
    cookie = await login(t, t.adminToken);
  });
  afterAll(async () => t?.dispose());
  const test = it.skipIf(!target.available);

  const expectEscaped = (page: Page) => {
    expect(page.html).not.toContain(SCRIPT_NAME);
    expect(page.html).not.toContain(CONFIG_PAYLOAD);
    expect(page.html).not.toMatch(/<img|<script|onerror=alert\(2\)>/);
  };

  test('escapes a hostile name, owner and config on the list, detail and test pages', async () => {
    const list = await get(t, '/console', cookie);
    const detail = await get(t, `/console/integrations/${id}`, cookie);
    const tested = await post(t, `/console/integrations/${id}/test`, cookie, { csrf: csrfOf(detail.html) });
    const after = await get(t, `/console/integrations/${id}`, cookie);

    for (const page of [list, detail, tested, after]) expectEscaped(page);
    expect(tableRows(list.html, 'Integrations')[0]?.[0]).toBe(SCRIPT_NAME);
    expect(list.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(detail.html).toContain('&lt;/pre&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(tableRows(tested.html, 'Steps')).toContainEqual(['reachable', 'failed', CONFIG_PAYLOAD]);
    expect(tableRows(after.html, 'Recent health checks')[0]).toContainEqual(CONFIG_PAYLOAD);
  });

  test('escapes what the request brings: the path of a missing page, a bad filter', async () => {
    const missing = await get(t, '/console/%3Cscript%3Ealert(1)%3C%2Fscript%3E', cookie);
    const filter = await get(t, `/console?q=${encodeURIComponent(SCRIPT_NAME)}`, cookie);

    expect(missing.status).toBe(404);
    expectEscaped(missing);
    expect(filter.status).toBe(200);
    expectEscaped(filter);
    expect(filter.html).toContain('value="&lt;script&gt;alert(1)&lt;/script&gt;"');
  });

  test('sends the security headers on every page, and serves the stylesheet for a year by version', async () => {
    const pages = [
      await get(t, '/console/login', null),
      await get(t, '/console', null),
      await get(t, '/console', cookie),
      await get(t, `/console/integrations/${id}`, cookie),
      await get(t, '/console/providers', cookie),
      await get(t, `/console/integrations/${id}/registry`, cookie),
      await get(t, '/console/integrations/not-an-id', cookie),
      await post(t, '/console/login', null, { token: 'nope' }),
    ];
    const css = await get(t, STYLESHEET_URL, null);

    for (const page of pages) expectConsoleHeaders(page);
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expectConsoleHeaders(css, 'immutable');
    expect(css.html).toContain(':focus');
    expect(STYLESHEET_URL).toMatch(/^\/console\/console\.css\?v=[0-9a-f]{12}$/);
    expect(pages[2]!.html).toContain(`<link rel="stylesheet" href="${STYLESHEET_URL}">`);
    expect(pages[2]!.html).not.toMatch(/<script|\sstyle=|\son[a-z]+=/);
  });

  test('puts the token in no page and no log line; an internal error is a page with a trace id only', async () => {
    const token = await t.token('default', ['integrations:write']);
    const session = await login(t, token);
    const encoded = session.split('=')[1]!;
    const pages = [
      await get(t, '/console', session),
      await get(t, `/console/integrations/${id}`, session),
      await post(t, `/console/integrations/${id}/test`, session, {
        csrf: csrfOf((await get(t, '/console', session)).html),
      }),
      await get(t, '/console/providers', session),
    ];

    for (const page of pages) {
      expect(page.html).not.toContain(token);
      expect(page.html).not.toContain(encoded);
    }
    const log = lines.join('');
    expect(log).toContain('console login');
    expect(log).not.toContain(token);
    expect(log).not.toContain(encoded);
  });
});

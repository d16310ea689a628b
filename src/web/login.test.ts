import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../../test/support/app.js';
import { testDatabaseTargets } from '../../test/support/databases.js';
import { csrfOf, expectConsoleHeaders, get, login, post } from './console.test-kit.js';
import { clearedSessionCookie, isSecure, sessionCookie } from './session.js';

const targets = await testDatabaseTargets();

describe.each(targets)('console login on $dialect', (target) => {
  let t: TestApp;
  beforeAll(async () => {
    if (target.available) t = await startTestApp(target);
  });
  afterAll(async () => t?.dispose());
  const test = it.skipIf(!target.available);

  test('shows a login form with a labelled token field and no session', async () => {
    const page = await get(t, '/console/login', null);

    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.html).toContain('<label for="token">');
    expect(page.html).toMatch(/<input id="token" name="token" type="password"/);
    expect(page.html).not.toContain('Log out');
    expectConsoleHeaders(page);
  });

  test('logs in with a good token: an HttpOnly, SameSite=Strict cookie scoped to /console', async () => {
    const response = await post(t, '/console/login', null, { token: ADMIN_TOKEN });

    expect(response.status).toBe(303);
    expect(response.headers.location).toBe('/console');
    const cookie = String(response.headers['set-cookie']);
    expect(cookie).toMatch(/^console_session=[A-Za-z0-9_-]+; /);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/console');
    expect(cookie).not.toContain('Secure'); // plain http here; see the unit test below for https
    expectConsoleHeaders(response);
  });

  test('refuses an unknown token with 401 and echoes nothing back', async () => {
    const wrong = `intg_${'z'.repeat(43)}`;

    const response = await post(t, '/console/login', null, { token: wrong });
    const empty = await post(t, '/console/login', null, { token: '' });

    expect(response.status).toBe(401);
    expect(response.html).toContain('The token is not valid or was revoked.');
    expect(response.html).not.toContain(wrong);
    expect(response.headers['set-cookie']).toBeUndefined();
    expect(empty.status).toBe(400);
  });

  test('refuses a revoked token at login, and ends a session whose token is revoked', async () => {
    const { token, view } = await t.app.tokens.create({
      tenantId: 'default',
      name: 'to-revoke',
      scopes: ['integrations:read'],
      createdBy: 'test',
    });
    const cookie = await login(t, token);
    await t.app.tokens.revoke('default', view.id);

    const again = await post(t, '/console/login', null, { token });
    const list = await get(t, '/console', cookie);

    expect(again.status).toBe(401);
    expect(again.html).not.toContain(token);
    expect(list.status).toBe(303);
    expect(list.headers.location).toBe('/console/login');
    expect(String(list.headers['set-cookie'])).toContain('Max-Age=0');
  });

  test('sends a visitor without a session to the login page, and refuses a POST with 401', async () => {
    const page = await get(t, '/console', null);
    const providers = await get(t, '/console/providers', 'console_session=garbage!');
    const posted = await post(t, '/console/logout', null, {});

    expect(page.status).toBe(303);
    expect(page.headers.location).toBe('/console/login');
    expect(providers.status).toBe(303);
    expect(posted.status).toBe(401);
    expect(posted.html).toContain('log in again');
    expectConsoleHeaders(posted);
  });

  test('logs out with the CSRF token: the cookie is cleared', async () => {
    const cookie = await login(t, ADMIN_TOKEN);
    const csrf = csrfOf((await get(t, '/console', cookie)).html);

    const refused = await post(t, '/console/logout', cookie, {});
    const response = await post(t, '/console/logout', cookie, { csrf });

    expect(refused.status).toBe(403);
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe('/console/login');
    expect(String(response.headers['set-cookie'])).toMatch(/^console_session=; Path=\/console; Max-Age=0/);
  });

  test('refuses a POST that a browser says came from another site', async () => {
    const crossSite = await post(
      t,
      '/console/login',
      null,
      { token: ADMIN_TOKEN },
      { 'sec-fetch-site': 'cross-site' },
    );
    const otherOrigin = await post(
      t,
      '/console/login',
      null,
      { token: ADMIN_TOKEN },
      { origin: 'https://evil.example' },
    );

    expect(crossSite.status).toBe(403);
    expect(crossSite.headers['set-cookie']).toBeUndefined();
    expect(otherOrigin.status).toBe(403);
  });

  test('redirects / to the console', async () => {
    const response = await t.app.api.inject({ method: 'GET', url: '/' });

    expect(response.statusCode).toBe(302);
    expect(response.headers.location).toBe('/console');
  });
});

describe('console session cookie', () => {
  it('is Secure when the request came over https, as the server sees it', () => {
    const https = { protocol: 'https' } as Parameters<typeof isSecure>[0];
    const http = { protocol: 'http' } as Parameters<typeof isSecure>[0];

    expect(isSecure(https)).toBe(true);
    expect(isSecure(http)).toBe(false);
    expect(sessionCookie('intg_x', true)).toMatch(/; HttpOnly; SameSite=Strict; Secure$/);
    expect(clearedSessionCookie(true)).toMatch(/Max-Age=0; HttpOnly; SameSite=Strict; Secure$/);
  });

  it('encodes a token with characters a cookie cannot hold', () => {
    expect(sessionCookie('a;b=c d', false)).toMatch(/^console_session=[A-Za-z0-9_-]+; Path=\/console;/);
  });
});

describe('console login attempts', () => {
  it('turns an address away after 10 failed logins, valid token or not, with Retry-After', async () => {
    const t = await startTestApp(targets[0]!);
    try {
      for (let n = 0; n < 10; n++) {
        expect((await post(t, '/console/login', null, { token: `intg_${'x'.repeat(43)}` })).status).toBe(401);
      }
      const blocked = await post(t, '/console/login', null, { token: ADMIN_TOKEN });

      expect(blocked.status).toBe(429);
      expect(blocked.html).toContain('Too many failed logins from this address: try again in 5 minutes.');
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(290);
      expect(blocked.headers['set-cookie']).toBeUndefined();
      expectConsoleHeaders(blocked);
    } finally {
      await t.dispose();
    }
  });
});

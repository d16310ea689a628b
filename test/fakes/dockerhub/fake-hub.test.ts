import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeDockerHub, startFakeDockerHub } from './fake-hub.js';

/** The fake Hub API refuses what Docker Hub's API refuses, in its words, and lists what it would. */

const PAT = 'dckr_pat_dora_0123456789abcdefghij';
const PUBLIC_PAT = 'dckr_pat_dora_public_0123456789abcd';

describe('fake Docker Hub API', () => {
  let hub: FakeDockerHub;

  beforeAll(async () => {
    hub = await startFakeDockerHub();
    hub.addUser({
      username: 'dora',
      password: 'dora-password',
      pats: { [PAT]: 'repo:read', [PUBLIC_PAT]: 'repo:public_read' },
    });
    hub.addUser({ username: 'eve', password: 'eve-password' });
    hub.addOrganization('acme', ['dora']);
    hub.addRepository('acme/secret', { private: true });
    for (const name of ['alpha', 'beta', 'gamma']) hub.addRepository(`acme/${name}`);
  });
  afterAll(async () => {
    await hub?.close();
  });

  async function login(body: unknown, options: { type?: string; method?: string; query?: string } = {}) {
    const response = await fetch(`${hub.url}/v2/auth/token${options.query ?? ''}`, {
      method: options.method ?? 'POST',
      headers: { 'content-type': options.type ?? 'application/json' },
      ...(options.method === 'GET' ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }
  async function list(query: string, token?: string, namespace = 'acme') {
    const response = await fetch(`${hub.url}/v2/namespaces/${namespace}/repositories${query}`, {
      headers: token ? { authorization: token } : {},
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }
  const tokenOf = async (secret: string) =>
    `Bearer ${(await login({ identifier: 'dora', secret })).body.access_token as string}`;

  it('issues a JWT access token for a Docker ID and a personal access token or password', async () => {
    const byPat = await login({ identifier: 'dora', secret: PAT });
    const byPassword = await login({ identifier: 'dora', secret: 'dora-password' });

    expect(byPat.status).toBe(200);
    expect(Object.keys(byPat.body)).toEqual(['access_token']);
    const claims = JSON.parse(
      Buffer.from(String(byPat.body.access_token).split('.')[1]!, 'base64url').toString(),
    );
    expect(claims).toMatchObject({ username: 'dora', exp: expect.any(Number) });
    expect(byPassword.status).toBe(200);
  });

  it.each([
    ['a wrong secret', { identifier: 'dora', secret: 'nope' }],
    ['an unknown user', { identifier: 'mallory', secret: PAT }],
    ["another user's token", { identifier: 'eve', secret: PAT }],
  ])('answers %s with Docker’s 401', async (_, body) => {
    const answer = await login(body);

    expect(answer).toEqual({
      status: 401,
      body: {
        message: 'Incorrect authentication credentials',
        detail: 'Incorrect authentication credentials',
        errinfo: {},
      },
    });
  });

  it('refuses a revoked token, and the access tokens it made', async () => {
    hub.addUser({
      username: 'frank',
      password: 'frank-password',
      pats: { dckr_pat_frank_0123456789: 'repo:read' },
    });
    const made = await login({ identifier: 'frank', secret: 'dckr_pat_frank_0123456789' });
    hub.revokePat('dckr_pat_frank_0123456789');

    expect((await login({ identifier: 'frank', secret: 'dckr_pat_frank_0123456789' })).status).toBe(401);
    expect((await list('', `Bearer ${made.body.access_token as string}`, 'frank')).status).toBe(401);
  });

  it.each([
    ['a form body', 'identifier=dora&secret=x', { type: 'application/x-www-form-urlencoded' }, 415],
    ['another field', { identifier: 'dora', secret: PAT, username: 'dora' }, {}, 400],
    ['the old field names', { username: 'dora', password: PAT }, {}, 400],
    ['a missing secret', { identifier: 'dora' }, {}, 400],
    ['a secret that is not a string', { identifier: 'dora', secret: 42 }, {}, 400],
    ['a body that is not JSON', '{identifier', {}, 400],
    ['an array', [], {}, 400],
    ['a query', { identifier: 'dora', secret: PAT }, { query: '?x=1' }, 400],
    ['a GET', '', { method: 'GET' }, 405],
  ])('counts %s as a violation', async (_, body, options, status) => {
    const before = hub.violations.length;

    const answer = await login(body, options);

    expect(answer.status).toBe(status);
    expect(hub.violations.length).toBe(before + 1);
  });

  it('lists public repositories to anyone, private ones to members, in pages with absolute links', async () => {
    const anonymous = await list('?page_size=2');
    const member = await list('?page_size=2&page=2', await tokenOf(PAT));
    const publicOnly = await list('?page_size=100', await tokenOf(PUBLIC_PAT));

    expect(anonymous.status).toBe(200);
    expect(anonymous.body).toMatchObject({
      count: 3,
      next: `${hub.url}/v2/namespaces/acme/repositories?page_size=2&page=2`,
      previous: null,
    });
    expect((anonymous.body.results as { name: string }[]).map((item) => item.name)).toEqual([
      'alpha',
      'beta',
    ]);
    expect(anonymous.body.results).toContainEqual(
      expect.objectContaining({
        name: 'alpha',
        namespace: 'acme',
        is_private: false,
        repository_type: 'image',
      }),
    );
    expect(member.body).toMatchObject({
      count: 4,
      next: null,
      previous: `${hub.url}/v2/namespaces/acme/repositories?page_size=2&page=1`,
    });
    expect((member.body.results as { name: string }[]).map((item) => item.name)).toEqual(['gamma', 'secret']);
    expect(publicOnly.body.count).toBe(3);
  });

  it('answers an unknown namespace, a page past the end and a bad token in Docker’s words', async () => {
    const expired = await tokenOf(PAT);
    hub.expireTokens();

    expect(await list('', undefined, 'nobody')).toEqual({
      status: 404,
      body: { message: 'object not found', detail: 'object not found', errinfo: {} },
    });
    expect(await list('?page=9')).toEqual({ status: 404, body: { detail: 'Invalid page.' } });
    expect((await list('', expired)).status).toBe(401);
    expect((await list('', 'Bearer not-a-token')).status).toBe(401);
  });

  it.each([
    ['an unknown parameter', '?per_page=10'],
    ['page_size 0', '?page_size=0'],
    ['page_size 101', '?page_size=101'],
    ['page 0', '?page=0'],
    ['a page that is not a number', '?page=two'],
    ['a parameter twice', '?page=1&page=2'],
    ['an unknown ordering', '?ordering=stars'],
  ])('counts %s as a violation', async (_, query) => {
    const before = hub.violations.length;

    const answer = await list(query);

    expect(answer.status).toBe(400);
    expect(hub.violations.at(-1)?.path).toBe('/v2/namespaces/acme/repositories');
    expect(hub.violations.length).toBe(before + 1);
  });

  it('takes only Bearer tokens, and serves a fault when asked', async () => {
    const before = hub.violations.length;
    const basic = await list('', `Basic ${Buffer.from(`dora:${PAT}`).toString('base64')}`);
    hub.failNext({ status: 503, body: { message: 'maintenance' } });
    const fault = await list('');

    expect(basic.status).toBe(401);
    expect(hub.violations.length).toBe(before + 1);
    expect(fault).toEqual({ status: 503, body: { message: 'maintenance' } });
    expect((await list('')).status).toBe(200);
  });

  it('tells the registry which logins are valid', () => {
    expect(hub.accountCheck('dora', PAT)).toBe('reader');
    expect(hub.accountCheck('dora', 'dora-password')).toBe('reader');
    expect(hub.accountCheck('dora', 'nope')).toBeUndefined();
    expect(hub.accountCheck('nobody', PAT)).toBeUndefined();
  });
});

import { createSign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEgressPolicy, createHttpClient } from '../../../src/net/index.js';
import { testHttpClient } from '../../support/http.js';
import { aliasHost } from '../openapi/host-alias.js';
import { JWT_CLOCK_MESSAGES } from './app-jwt.js';
import { type FakeGitHub, GHES_DESCRIPTION, newestGhesInPackage, startFakeGitHub } from './fake-github.js';

/** The fake must refuse what GitHub's description refuses, or the provider's tests prove nothing. */

const http = testHttpClient();

function jwt(github: FakeGitHub, claims: Record<string, unknown>, alg = 'RS256'): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ alg, typ: 'JWT' })}.${encode(claims)}`;
  const signature = createSign('RSA-SHA256')
    .update(unsigned)
    .sign(github.state.keys.privateKeyPem, 'base64url');
  return `${unsigned}.${signature}`;
}

describe('fake GitHub', () => {
  let github: FakeGitHub;
  let token: string;
  const now = () => Math.floor(Date.now() / 1000);
  const send = async (
    method: 'GET' | 'POST' | 'PATCH',
    path: string,
    authorization: string,
    json?: unknown,
  ) => {
    const response = await http.request({
      method,
      url: `${github.apiUrl}${path}`,
      headers: { authorization, accept: 'application/vnd.github+json' },
      ...(json === undefined ? {} : { json }),
      okStatuses: [401, 403, 404, 422, 501],
    });
    return { status: response.status, body: response.json<{ message?: string }>() };
  };

  beforeAll(async () => {
    github = await startFakeGitHub({ pulls: [{ repository: 'acme/app', number: 7 }] });
    const appJwt = jwt(github, { iat: now() - 60, exp: now() + 500, iss: github.state.app.id });
    const created = await send('POST', '/app/installations/100/access_tokens', `Bearer ${appJwt}`);
    token = (created.body as { token: string }).token;
  });
  afterAll(async () => {
    await github.close();
    await http.close();
  });

  const lastViolation = () => github.violations.at(-1);

  it('answers valid requests and keeps no violation for them', async () => {
    const before = github.violations.length;

    const created = await send('POST', '/repos/acme/app/issues/7/comments', `token ${token}`, { body: 'hi' });
    const listed = await send('GET', '/repos/acme/app/issues/7/comments?per_page=100', `token ${token}`);

    expect(created.status).toBe(201);
    expect(listed.status).toBe(200);
    expect(github.violations.length).toBe(before);
  });

  it.each([
    [
      'more than 50 annotations',
      'POST',
      '/repos/acme/app/check-runs',
      {
        name: 'x',
        head_sha: 'a'.repeat(40),
        output: {
          title: 't',
          summary: 's',
          annotations: Array.from({ length: 51 }, () => ({
            path: 'a',
            start_line: 1,
            end_line: 1,
            annotation_level: 'notice',
            message: 'm',
          })),
        },
      },
      /maxItems|must NOT have more than 50 items/,
    ],
    [
      'a field the description does not name',
      'POST',
      '/repos/acme/app/statuses/abc',
      { state: 'success', colour: 'green' },
      /colour/,
    ],
    ['a state outside the enum', 'POST', '/repos/acme/app/statuses/abc', { state: 'ok' }, /allowed values/],
    [
      'a query value outside the enum',
      'GET',
      '/repos/acme/app/commits/abc/check-runs?filter=newest',
      undefined,
      /filter/,
    ],
    [
      'a query parameter the operation does not take',
      'GET',
      '/repos/acme/app/issues/7/comments?sort=asc',
      undefined,
      /'sort' is not in the description/,
    ],
    ['a path the description does not have', 'GET', '/repos/acme/app/nonsense', undefined, /no operation/],
    ['a non-integer path parameter', 'GET', '/repos/acme/app/issues/comments/abc', undefined, /comment_id/],
  ] as const)('refuses %s with 422 and records a violation', async (_name, method, path, body, problem) => {
    const response = await send(method, path, `token ${token}`, body);

    expect(response.status).toBe(422);
    expect(response.body.message).toMatch(/^contract violation: /);
    expect(lastViolation()?.problems.join('; ')).toMatch(problem);
  });

  it('refuses a JWT on a repository endpoint and a token on an App endpoint', async () => {
    const appJwt = jwt(github, { iat: now() - 60, exp: now() + 500, iss: github.state.app.id });

    const repo = await send('GET', '/repos/acme/app/issues/7/comments', `Bearer ${appJwt}`);
    const violation = lastViolation();
    const app = await send('GET', '/app', `token ${token}`);

    expect(repo.status).toBe(401);
    expect(violation?.problems).toEqual([
      "issues/list-comments takes an installation token, not the App's JWT",
    ]);
    expect(app.status).toBe(401);
    expect(lastViolation()?.problems).toEqual([
      "apps/get-authenticated takes the App's JWT, not an installation token",
    ]);
  });

  it.each([
    [
      'a lifetime over 10 minutes',
      { iat: now() - 60, exp: now() + 1200 },
      'RS256',
      /lives longer than 10 minutes/,
    ],
    ['another algorithm', { iat: now() - 60, exp: now() + 500 }, 'RS512', /alg must be RS256/],
  ])('refuses an App JWT with %s as a violation', async (_name, claims, alg, problem) => {
    const response = await send(
      'GET',
      '/app',
      `Bearer ${jwt(github, { ...claims, iss: github.state.app.id }, alg)}`,
    );

    expect(response.status).toBe(401);
    expect(lastViolation()?.problems.join('; ')).toMatch(problem);
  });

  it.each([
    ['iat in the future', { iat: now() + 120, exp: now() + 500 }, JWT_CLOCK_MESSAGES.iatInFuture],
    ['exp beyond 10 minutes', { iat: now() + 120, exp: now() + 700 }, JWT_CLOCK_MESSAGES.expTooFar],
    ['exp in the past', { iat: now() - 700, exp: now() - 100 }, JWT_CLOCK_MESSAGES.expInPast],
  ])(
    'refuses an App JWT with %s by its clock as GitHub does, without a violation',
    async (_name, claims, message) => {
      const before = github.violations.length;

      const response = await send(
        'GET',
        '/app',
        `Bearer ${jwt(github, { ...claims, iss: github.state.app.id })}`,
      );

      expect(response.status).toBe(401);
      expect(response.body.message).toBe(message);
      expect(github.violations.length).toBe(before);
    },
  );

  it('refuses a review comment outside the diff like GitHub, without calling it a violation', async () => {
    github.state.pulls[0]?.files.push({ filename: 'a.ts', patch: '@@ -1,1 +1,2 @@\n one\n+two' });
    const before = github.violations.length;

    const response = await send('POST', '/repos/acme/app/pulls/7/comments', `token ${token}`, {
      body: 'x',
      commit_id: 'a'.repeat(40),
      path: 'a.ts',
      line: 9,
      side: 'RIGHT',
    });

    expect(response.status).toBe(422);
    expect(github.state.rejections.at(-1)).toBe('pull_request_review_thread.line must be part of the diff');
    expect(github.violations.length).toBe(before);
  });
});

describe('fake GitHub as GitHub Enterprise Server at a public address', () => {
  let ghes: FakeGitHub;
  let dotcom: FakeGitHub;
  let token: string;
  let aliased: ReturnType<typeof aliasHost>;
  const client = testHttpClient();
  const now = () => Math.floor(Date.now() / 1000);
  const get = (path: string, authorization = `token ${token}`) =>
    aliased.request({
      method: 'GET',
      url: `https://ghe.example.com/api/v3${path}`,
      headers: { authorization, accept: 'application/vnd.github+json' },
      okStatuses: [401, 404, 422, 501],
    });

  beforeAll(async () => {
    ghes = await startFakeGitHub({
      description: GHES_DESCRIPTION,
      publicOrigin: 'https://ghe.example.com',
      pulls: [{ repository: 'acme/app', number: 7 }],
    });
    dotcom = await startFakeGitHub({ description: 'api.github.com', basePath: '' });
    aliased = aliasHost(client, 'https://ghe.example.com', ghes.origin);
    const appJwt = jwt(ghes, { iat: now() - 60, exp: now() + 500, iss: ghes.state.app.id });
    const created = await aliased.request({
      method: 'POST',
      url: 'https://ghe.example.com/api/v3/app/installations/100/access_tokens',
      headers: { authorization: `Bearer ${appJwt}`, accept: 'application/vnd.github+json' },
    });
    token = created.json<{ token: string }>().token;
  });
  afterAll(async () => {
    await ghes.close();
    await dotcom.close();
    await client.close();
  });

  it('holds requests to the newest GHES description in the package', async () => {
    expect(GHES_DESCRIPTION).toBe(newestGhesInPackage());
    const before = ghes.violations.length;

    // An endpoint github.com has and GHES 3.19 does not: GHES refuses it as outside its description.
    const response = await get('/repos/acme/app/actions/concurrency_groups');
    const dotcomResponse = await client.request({
      method: 'GET',
      url: `${dotcom.apiUrl}/repos/acme/app/actions/concurrency_groups`,
      headers: { authorization: 'token none' },
      okStatuses: [401, 422],
    });

    expect(response.status).toBe(422);
    expect(ghes.violations.slice(before).map((v) => v.problems.join('; '))).toEqual([
      expect.stringMatching(/no operation/),
    ]);
    // github.com's description has the operation: no request violation, just no credentials.
    expect(dotcomResponse.status).toBe(401);
    expect(dotcom.violations).toEqual([]);
  });

  it('writes its public address into URLs and Link headers, and the alias reaches it', async () => {
    for (let i = 0; i < 3; i++) ghes.addComment('acme/app', 7, `c${i}`, { login: 'u', id: 1, type: 'User' });

    const response = await get('/repos/acme/app/issues/7/comments?per_page=2');

    expect(response.status).toBe(200);
    expect(response.url).toBe('https://ghe.example.com/api/v3/repos/acme/app/issues/7/comments?per_page=2');
    expect(response.headers.link).toContain(
      '<https://ghe.example.com/api/v3/repos/acme/app/issues/7/comments?per_page=2&page=2>; rel="next"',
    );
    expect(response.json<{ url: string }[]>()[0]?.url).toMatch(
      /^https:\/\/ghe\.example\.com\/api\/v3\/repos\/acme\/app\/issues\/comments\/\d+$/,
    );
    expect(ghes.publicApiUrl).toBe('https://ghe.example.com/api/v3');
    expect(ghes.apiUrl).toBe(`${ghes.origin}/api/v3`);
  });
});

describe('fake GitHub clock and version', () => {
  const http = testHttpClient();
  afterAll(async () => {
    await http.close();
  });

  it('dates every answer by its own clock, and judges JWTs by it: a GitHub 5 minutes behind', async () => {
    const skew = -5 * 60_000;
    const github = await startFakeGitHub({ now: () => Date.now() + skew });
    const ours = Math.floor(Date.now() / 1000);
    const zen = await http.request({ method: 'GET', url: `${github.apiUrl}/zen` });
    const refused = await http.request({
      method: 'GET',
      url: `${github.apiUrl}/app`,
      headers: {
        authorization: `Bearer ${jwt(github, { iat: ours - 60, exp: ours + 540, iss: github.state.app.id })}`,
      },
      okStatuses: [401],
    });
    const fault = { status: 503, body: { message: 'Service Unavailable' } };
    github.inject({ match: () => true, response: fault, times: 1 });
    const injected = await http.request({ method: 'GET', url: `${github.apiUrl}/meta`, okStatuses: [503] });
    await github.close();

    for (const response of [zen, refused, injected]) {
      expect(Date.parse(response.headers.date ?? '') - Date.now()).toBeGreaterThan(skew - 5_000);
      expect(Date.parse(response.headers.date ?? '') - Date.now()).toBeLessThan(skew + 5_000);
    }
    expect(zen.text()).toBe('Keep it logically awesome.');
    // iat and exp are both out by its clock; GitHub names exp first.
    expect(refused.json<{ message: string }>().message).toBe(JWT_CLOCK_MESSAGES.expTooFar);
    expect(fault).toEqual({ status: 503, body: { message: 'Service Unavailable' } });
    expect(github.violations).toEqual([]);
  });

  it('says its version as GitHub Enterprise Server does, and nothing as github.com', async () => {
    const ghes = await startFakeGitHub({ description: GHES_DESCRIPTION, enterpriseVersion: '3.19.1' });
    const quiet = await startFakeGitHub({ description: GHES_DESCRIPTION, enterpriseVersionHeader: false });
    const dotcom = await startFakeGitHub({ description: 'api.github.com', basePath: '' });
    const meta = async (github: FakeGitHub) => http.request({ method: 'GET', url: `${github.apiUrl}/meta` });

    const [fromGhes, fromQuiet, fromDotcom] = [await meta(ghes), await meta(quiet), await meta(dotcom)];
    await Promise.all([ghes.close(), quiet.close(), dotcom.close()]);

    expect(fromGhes.headers['x-github-enterprise-version']).toBe('3.19.1');
    expect(fromGhes.json<{ installed_version?: string }>().installed_version).toBe('3.19.1');
    expect(fromQuiet.headers['x-github-enterprise-version']).toBeUndefined();
    expect(fromQuiet.json<{ installed_version?: string }>().installed_version).toBe('3.19.0');
    expect(fromDotcom.headers['x-github-enterprise-version']).toBeUndefined();
    expect(fromDotcom.json<{ installed_version?: string }>().installed_version).toBeUndefined();
    expect([...ghes.violations, ...quiet.violations, ...dotcom.violations]).toEqual([]);
  });
});

describe('fake GitHub random faults', () => {
  const run = async (seed: number) => {
    const github = await startFakeGitHub({ pulls: [{ repository: 'acme/app', number: 7 }] });
    // One try per request: the fake's answers are what this test looks at.
    const once = createHttpClient({
      policy: createEgressPolicy({ allowPrivateNetworks: true, allowlist: [], allowAnyPort: true }),
      retry: { attempts: 1 },
      circuitBreaker: { threshold: 10_000 },
    });
    const appJwt = jwt(github, {
      iat: Math.floor(Date.now() / 1000) - 60,
      exp: Math.floor(Date.now() / 1000) + 500,
      iss: github.state.app.id,
    });
    const tokenResponse = await once.request({
      method: 'POST',
      url: `${github.apiUrl}/app/installations/100/access_tokens`,
      headers: { authorization: `Bearer ${appJwt}` },
    });
    const token = tokenResponse.json<{ token: string }>().token;
    const tally = github.injectRandomFaults({ rate: 0.2, seed });
    const statuses: number[] = [];
    for (let i = 0; i < 400; i++) {
      const response = await once
        .request({
          method: 'POST',
          url: `${github.apiUrl}/repos/acme/app/issues/7/comments`,
          headers: { authorization: `token ${token}` },
          json: { body: `comment ${i}` },
          okStatuses: [403, 429, 500, 502, 503],
        })
        .catch((error: { status?: number }) => ({ status: error.status ?? -1 }));
      statuses.push(response.status);
    }
    await once.close();
    await github.close();
    return { tally, statuses, github };
  };

  it('fails a seeded 20% of requests the same way every time; a fault after the write keeps the write', async () => {
    const first = await run(7);
    const second = await run(7);
    const other = await run(8);

    expect(first.statuses).toEqual(second.statuses);
    expect(first.statuses).not.toEqual(other.statuses);
    expect(first.tally.candidates).toBe(400);
    expect(first.tally.injected / 400).toBeGreaterThan(0.15);
    expect(first.tally.injected / 400).toBeLessThan(0.25);
    expect(first.statuses.filter((s) => s !== 201)).toHaveLength(first.tally.injected);
    const after = first.github.exchanges.filter((e) => e.injected && e.applied);
    expect(after.length).toBe(first.tally.byKind['500 after the write']);
    // Comments made: every request but those refused before the write.
    const refused = first.github.exchanges.filter((e) => e.injected && !e.applied).length;
    expect(first.github.state.comments).toHaveLength(400 - refused);
    expect(first.github.violations).toEqual([]);
  });
});

import { createSign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testHttpClient } from '../../support/http.js';
import { type FakeGitHub, startFakeGitHub } from './fake-github.js';

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
    ['iat in the future', { iat: now() + 120, exp: now() + 500 }, 'RS256', /iat is \d+ s in the future/],
    [
      'exp more than 10 minutes ahead',
      { iat: now() - 60, exp: now() + 1200 },
      'RS256',
      /more than 10 minutes ahead/,
    ],
    ['another algorithm', { iat: now() - 60, exp: now() + 500 }, 'RS512', /alg must be RS256/],
  ])('refuses an App JWT with %s', async (_name, claims, alg, problem) => {
    const response = await send(
      'GET',
      '/app',
      `Bearer ${jwt(github, { ...claims, iss: github.state.app.id }, alg)}`,
    );

    expect(response.status).toBe(401);
    expect(lastViolation()?.problems.join('; ')).toMatch(problem);
  });

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

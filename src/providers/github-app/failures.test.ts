import { afterEach, describe, expect, it } from 'vitest';
import type { FakeRequest } from '../../../test/fakes/openapi/contract-server.js';
import { type Harness, type HarnessOptions, startHarness, TARGET } from './github-app.test-kit.js';

const status = {
  owner: TARGET.owner,
  repository: TARGET.repository,
  commitSha: TARGET.commitSha,
  state: 'success' as const,
  context: 'security/scan',
};
const comment = { ...TARGET, body: 'scan' };
const op = (id: string) => (request: FakeRequest) => request.operation.operationId === id;

let h: Harness | undefined;
const start = async (options?: HarnessOptions) => {
  h = await startHarness(options);
  return h;
};
afterEach(async () => {
  expect(h?.github.violations).toEqual([]);
  await h?.close();
  h = undefined;
});

describe('github_app failure classification', () => {
  it.each([
    [
      'a 502 on a read, after the one retry layer tried 3 times',
      'repos/get-combined-status-for-ref',
      { status: 502, body: { message: 'Bad Gateway' } },
      3,
    ],
    ['a 503 on a write', 'repos/create-commit-status', { status: 503, body: { message: 'Unavailable' } }, 3],
    [
      'a 429 with Retry-After',
      'repos/get-combined-status-for-ref',
      { status: 429, headers: { 'retry-after': '0' }, body: { message: 'slow down' } },
      3,
    ],
    [
      'a 403 with the primary rate limit used up',
      'repos/get-combined-status-for-ref',
      {
        status: 403,
        headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1' },
        body: { message: 'API rate limit exceeded' },
      },
      3,
    ],
    [
      'a 403 secondary rate limit without headers',
      'repos/create-commit-status',
      {
        status: 403,
        body: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes.' },
      },
      3,
    ],
  ])('reports %s as transient', async (_name, operationId, response, tries) => {
    const { github, client } = await start();
    github.inject({ match: op(operationId), response });

    const result = await client().postStatus(status);

    expect(result).toMatchObject({ success: false, isTransient: true, skippedOffline: false });
    expect(github.requests(operationId)).toHaveLength(tries);
  });

  it('does not repeat a comment POST that failed after being sent (it could duplicate the comment)', async () => {
    const { github, client } = await start();
    github.inject({
      match: op('issues/create-comment'),
      response: { status: 500, body: { message: 'oops' } },
    });

    const result = await client().postComment(comment);

    expect(result).toMatchObject({ success: false, isTransient: true });
    expect(github.requests('issues/create-comment')).toHaveLength(1);
  });

  it.each([
    ['404', { status: 404, body: { message: 'Not Found' } }, /not found \(404\)/],
    [
      '422',
      { status: 422, body: { message: 'Validation Failed', errors: [{ message: 'sha is not a commit' }] } },
      /refused the request \(422\) \(GitHub: Validation Failed: sha is not a commit\)/,
    ],
    ['400', { status: 400, body: { message: 'Problems parsing JSON' } }, /HTTP 400/],
  ])('reports a %s as permanent, tried once', async (_name, response, message) => {
    const { github, client } = await start();
    github.inject({ match: op('repos/create-commit-status'), response });

    const result = await client().postStatus(status);

    expect(result).toMatchObject({ success: false, isTransient: false });
    expect(result.errorMessage).toMatch(message);
    expect(github.requests('repos/create-commit-status')).toHaveLength(1);
  });

  it('reports a missing permission as such, not as a rate limit, and does not retry', async () => {
    const { github, client } = await start({
      fake: {
        installations: [
          { id: 100, repositories: ['acme/app'], permissions: { checks: 'write', statuses: 'read' } },
        ],
      },
    });

    const result = await client().postStatus(status);

    expect(result).toMatchObject({ success: false, isTransient: false });
    expect(result.errorMessage).toMatch(/lacks a permission.*Resource not accessible by integration/);
    expect(github.requests('repos/create-commit-status')).toHaveLength(1);
  });

  it('reports an unreachable server as transient', async () => {
    const { client } = await start();

    const result = await client({}, { endpoint: 'http://127.0.0.1:9' }).postStatus(status);

    expect(result).toMatchObject({ success: false, isTransient: true, skippedOffline: false });
  });

  it('skips everything in offline mode without a single request', async () => {
    const { github, client, plugin, context } = await start({ offline: true });

    const results = await Promise.all([
      client().postComment(comment),
      client().postStatus(status),
      client().createCheckRun({ owner: 'acme', repository: 'app', headSha: TARGET.commitSha, name: 'scan' }),
      client().postInlineComments({ ...TARGET, findings: [] }),
    ]);
    const test = await plugin.testConnection(context({ installationId: 100 }));

    for (const result of results)
      expect(result).toMatchObject({ success: false, skippedOffline: true, isTransient: false });
    expect(test.success).toBe(false);
    expect(github.exchanges).toHaveLength(0);
  });
});

describe('github_app secrets', () => {
  it('never puts the private key, a JWT or an installation token in a result or a log line', async () => {
    const { github, client, plugin, context, logs } = await start({ attempts: 2 });
    const echo = (request: FakeRequest) => ({
      status: 500,
      body: { message: `echo ${request.headers.authorization}`, token: request.headers.authorization },
    });
    await client().postStatus(status); // a token and JWTs to hunt for
    github.inject({ match: op('repos/create-commit-status'), response: echo });
    github.inject({
      match: op('issues/list-comments'),
      response: (request) => ({ ...echo(request), status: 422 }),
    });
    github.inject({
      match: op('checks/list-for-ref'),
      response: (request) => ({ ...echo(request), status: 401 }),
    });
    github.inject({
      match: op('apps/get-authenticated'),
      response: (request) => ({ ...echo(request), status: 403 }),
    });

    const outcomes = [
      await client().postStatus({ ...status, state: 'failure' }),
      await client().postComment(comment),
      await client().createCheckRun({
        owner: 'acme',
        repository: 'app',
        headSha: TARGET.commitSha,
        name: 'scan',
      }),
      await plugin.testConnection(context({ installationId: 100 })),
      await plugin.checkHealth(context({ installationId: 100 })),
    ];

    const planted = [
      ...github.issuedTokens(),
      ...github.state.jwts,
      ...github.state.keys.privateKeyPem.split('\n').filter((line) => line.length > 20),
    ];
    expect(planted.length).toBeGreaterThan(10);
    const seen = JSON.stringify({ outcomes, logs, thrown: outcomes.map(String) });
    for (const secret of planted) expect(seen).not.toContain(secret);
    expect(outcomes.slice(0, 3).every((outcome) => 'success' in outcome && !outcome.success)).toBe(true);
    expect(seen).toContain('[redacted]');
  });
});

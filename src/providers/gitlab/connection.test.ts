import { describe, expect, it } from 'vitest';
import { startServer } from '../../net/loopback-server.test-kit.js';
import { normaliseGitLabBaseUrl, projectId } from './base-url.js';
import { useGitLab } from './gitlab.test-kit.js';

const h = useGitLab();

describe('the endpoint', () => {
  it.each([
    ['https://gitlab.com', 'https://gitlab.com/api/v4'],
    ['https://gitlab.com/', 'https://gitlab.com/api/v4'],
    ['https://gitlab.example.com/api/v4/', 'https://gitlab.example.com/api/v4'],
    ['https://example.com/gitlab', 'https://example.com/gitlab/api/v4'],
    ['https://example.com/gitlab/api/v4', 'https://example.com/gitlab/api/v4'],
    [' https://example.com/gitlab// ', 'https://example.com/gitlab/api/v4'],
  ])('%s → %s', (endpoint, api) => {
    expect(normaliseGitLabBaseUrl(endpoint).api).toBe(api);
  });

  it.each([
    'gitlab.com',
    'ftp://gitlab.com',
    'https://u:p@gitlab.com',
    'https://gitlab.com/?private_token=x',
  ])('refuses %s', (endpoint) => {
    expect(() => normaliseGitLabBaseUrl(endpoint)).toThrow(/endpoint/);
  });

  it('names a project by its encoded full path', () => {
    expect(projectId('acme/platform', 'app')).toBe('acme%2Fplatform%2Fapp');
    expect(projectId('/acme/', 'app')).toBe('acme%2Fapp');
  });
});

describe('connection test', () => {
  it('passes step by step with a Developer token of scope api', async () => {
    const result = await h.plugin.testConnection(
      h.context({ config: { repositories: ['acme/platform/app'] } }),
    );

    expect(result.checks).toEqual([
      { name: 'reachable', ok: true, message: expect.stringMatching(/answered HTTP 401/) },
      { name: 'authenticated', ok: true, message: 'the token acts as @scanner-bot' },
      { name: 'token', ok: true, message: 'scope api; no expiry' },
      { name: 'version', ok: true, message: 'GitLab 17.5.1-ee' },
      {
        name: 'project acme/platform/app',
        ok: true,
        message: 'Developer: can comment and set commit statuses',
      },
    ]);
    expect(result.success).toBe(true);
  });

  it('accepts the endpoint with /api/v4 and trailing slashes', async () => {
    const result = await h.plugin.testConnection(h.context({ endpoint: `${h.gitlab.url}/api/v4/` }));
    expect(result.success).toBe(true);
  });

  it('says which role and which scope are missing', async () => {
    const reporter = h.gitlab.addUser({ username: 'reporter' });
    h.gitlab.addMember(h.project, reporter, 20);
    const reporterToken = h.gitlab.addToken(reporter, { scopes: ['api'] });
    const readOnly = h.gitlab.addToken(h.bot, { scopes: ['read_api'] });
    const config = { repositories: ['acme/platform/app', 'acme/secret'] };

    const asReporter = await h.plugin.testConnection(h.context({ token: reporterToken, config }));
    expect(asReporter.success).toBe(false);
    expect(asReporter.checks.slice(-2)).toEqual([
      {
        name: 'project acme/platform/app',
        ok: false,
        message: 'Reporter: can comment, but commit statuses need the Developer role',
      },
      { name: 'project acme/secret', ok: false, message: expect.stringMatching(/not found \(404\)/) },
    ]);

    const scoped = await h.plugin.testConnection(h.context({ token: readOnly }));
    expect(scoped.checks.find((check) => check.name === 'token')).toEqual({
      name: 'token',
      ok: false,
      message: 'the token has the scopes read_api; notes and statuses need api',
    });
  });

  it('warns of a token about to expire, and refuses a revoked one without quoting it', async () => {
    const soon = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    const expiring = h.gitlab.addToken(h.bot, { scopes: ['api'], expiresAt: soon });
    const result = await h.plugin.testConnection(h.context({ token: expiring }));
    expect(result.checks.find((check) => check.name === 'token')?.message).toMatch(
      new RegExp(`expires on ${soon} \\(in [23] days\\)`),
    );
    expect(await h.plugin.checkHealth(h.context({ token: expiring }))).toMatchObject({ status: 'degraded' });

    const revoked = h.gitlab.addToken(h.bot, { scopes: ['api'] });
    h.gitlab.revokeToken(revoked);
    const refused = await h.plugin.testConnection(h.context({ token: revoked }));
    expect(refused.checks.map((check) => [check.name, check.ok])).toEqual([
      ['reachable', true],
      ['authenticated', false],
    ]);
    expect(refused.message).toMatch(/GitLab refused the token \(401\)/);
    expect(JSON.stringify(refused)).not.toContain(revoked);
  });

  it('fails at the reachable step where no GitLab API answers', async () => {
    const site = await startServer((_request, response) =>
      response.writeHead(404).end('<html>not here</html>'),
    );
    try {
      const result = await h.plugin.testConnection(h.context({ endpoint: site.url('/gitlab') }));
      expect(result.checks).toEqual([
        { name: 'reachable', ok: false, message: expect.stringMatching(/answered 404: not GitLab's API/) },
      ]);
      expect(site.requests.map((request) => [request.url, request.headers.authorization])).toEqual([
        ['/gitlab/api/v4/version', undefined],
      ]);
    } finally {
      await site.close();
    }
  });
});

describe('health', () => {
  it('is healthy, degraded when the rate limit is nearly spent, unhealthy when refused', async () => {
    expect(await h.plugin.checkHealth(h.context())).toEqual({
      status: 'healthy',
      message: 'GitLab 17.5.1-ee answers; the token is accepted',
    });

    const before = { ...h.gitlab.rateLimit };
    h.gitlab.rateLimit.remaining = Math.floor(h.gitlab.rateLimit.limit * 0.05);
    try {
      const health = await h.plugin.checkHealth(h.context());
      expect(health.status).toBe('degraded');
      expect(health.message).toMatch(/rate limit is nearly spent/);
    } finally {
      Object.assign(h.gitlab.rateLimit, before);
    }

    expect(await h.plugin.checkHealth(h.context({ token: 'glpat-unknown' }))).toMatchObject({
      status: 'unhealthy',
      message: expect.stringMatching(/refused the token/),
    });
  });
});

import { Registry } from 'prom-client';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FakeProject, FakeRunner } from '../../../test/fakes/gitlab/fake-gitlab.js';
import { createEgressPolicy, createHttpClient } from '../../net/index.js';
import type { GitLabConfig } from './config.js';
import { useGitLab } from './gitlab.test-kit.js';

/** The `ci` type of the `gitlab` provider against the fake GitLab: connection test step by step and health. */

const h = useGitLab();
const SHA = 'a'.repeat(40);

let maintainer: string;
let app: FakeProject;
let idle: FakeProject;
let idleRunner: FakeRunner;

beforeAll(() => {
  // A CI bot with the Maintainer role and a read_api token: it may list runners.
  const ciBot = h.gitlab.addUser({ username: 'ci-bot', bot: true });
  maintainer = h.gitlab.addToken(ciBot, { scopes: ['read_api'] });
  app = h.project;
  h.gitlab.addMember(app, ciBot, 40);
  h.gitlab.addPipeline(app, 'f'.repeat(40), { ref: 'main', status: 'failed' });
  h.gitlab.addPipeline(app, SHA, { ref: 'main', status: 'success' });
  h.gitlab.addRunner({ type: 'instance_type', description: 'shared' });
  h.gitlab.addRunner({ type: 'project_type', projects: [app], description: 'app-runner' });

  // No instance runners, its only runner offline: jobs would wait.
  idle = h.gitlab.addProject({ path: 'acme/platform/idle', sharedRunnersEnabled: false });
  h.gitlab.addMember(idle, ciBot, 40);
  h.gitlab.addPipeline(idle, SHA, { status: 'pending' });
  idleRunner = h.gitlab.addRunner({ type: 'project_type', projects: [idle], status: 'offline' });

  const quiet = h.gitlab.addProject({ path: 'acme/platform/quiet' });
  h.gitlab.addMember(quiet, ciBot, 40);
  const off = h.gitlab.addProject({ path: 'acme/platform/off', buildsAccessLevel: 'disabled' });
  h.gitlab.addMember(off, ciBot, 40);
  h.gitlab.addProject({ path: 'acme/open', visibility: 'internal', buildsAccessLevel: 'private' });
});

const ci = (
  options: { token?: string; repositories?: string[]; http?: ReturnType<typeof createHttpClient> } = {},
) =>
  h.context({
    token: options.token ?? maintainer,
    config: { repositories: options.repositories ?? ['acme/platform/app'] } satisfies GitLabConfig,
    integration: { type: 'ci' },
    ...(options.http ? { http: options.http } : {}),
  });

const steps = (checks: readonly { name: string; ok: boolean }[]) => checks.map((c) => [c.name, c.ok]);

describe('ci connection test', () => {
  it('passes step by step: reachable, token, version, CI/CD on, latest pipeline, online runners', async () => {
    const registry = new Registry();
    const http = createHttpClient({
      policy: createEgressPolicy({ allowPrivateNetworks: true, allowlist: [], allowAnyPort: true }),
      registry,
    });

    const result = await h.plugin.testConnection(ci({ http }));
    await http.close();

    expect(result.checks).toEqual([
      { name: 'reachable', ok: true, message: expect.stringMatching(/answered HTTP 401/) },
      { name: 'authenticated', ok: true, message: 'the token acts as @ci-bot' },
      { name: 'token', ok: true, message: 'scope read_api; no expiry' },
      { name: 'version', ok: true, message: 'GitLab 17.5.1-ee' },
      { name: 'project acme/platform/app', ok: true, message: 'CI/CD is on' },
      {
        name: 'pipelines acme/platform/app',
        ok: true,
        message: expect.stringMatching(/^latest pipeline #\d+: success on main$/),
      },
      { name: 'runners acme/platform/app', ok: true, message: '2 online runners can take its jobs' },
    ]);
    expect(result).toMatchObject({ success: true, message: `connected to GitLab CI/CD at ${h.gitlab.url}` });
    const metrics = await registry.getSingleMetricAsString('integrations_outbound_requests_total');
    for (const operation of ['ping', 'get_user', 'get_token', 'get_version', 'get_project'])
      expect(metrics).toContain(`provider="gitlab",operation="${operation}"`);
    expect(metrics).toContain('provider="gitlab",operation="list_pipelines",status_class="2xx"');
    expect(metrics).toContain('provider="gitlab",operation="list_project_runners",status_class="2xx"');
  });

  it('warns, and still passes, where no online runner takes the jobs', async () => {
    const result = await h.plugin.testConnection(ci({ repositories: ['acme/platform/idle'] }));

    expect(result.success).toBe(true);
    expect(result.checks.at(-1)).toEqual({
      name: 'runners acme/platform/idle',
      ok: true,
      message: expect.stringMatching(
        /^warning: no online runner takes its jobs \(0 online\): jobs will stay pending; register a runner/,
      ),
    });
    expect(result.message).toMatch(/with warnings on runners acme\/platform\/idle$/);
  });

  it('says the Maintainer role is needed when a Developer token may not list runners, and passes', async () => {
    const result = await h.plugin.testConnection(ci({ token: h.token }));

    expect(result.success).toBe(true);
    expect(result.checks.find((check) => check.name === 'runners acme/platform/app')).toEqual({
      name: 'runners acme/platform/app',
      ok: true,
      message:
        'warning: GitLab refused to list its runners (GitLab: 403 Forbidden): that needs the Maintainer role on the project; runners are not checked, here or by health',
    });
    expect(result.checks.find((check) => check.name === 'token')?.message).toBe('scope api; no expiry');
  });

  it('fails at the project whose CI/CD is disabled, saying where to turn it on', async () => {
    const result = await h.plugin.testConnection(
      ci({ repositories: ['acme/platform/off', 'acme/platform/app'] }),
    );

    expect(result.success).toBe(false);
    expect(steps(result.checks).slice(4)).toEqual([
      ['project acme/platform/off', false],
      ['project acme/platform/app', true],
      ['pipelines acme/platform/app', true],
      ['runners acme/platform/app', true],
    ]);
    expect(result.message).toBe(
      'project acme/platform/off: CI/CD is disabled for the project (builds_access_level disabled): turn it on under Settings → General → Visibility, project features, permissions → CI/CD, or take the project out of repositories',
    );
  });

  it('fails where CI/CD is for members only and the token user is not one', async () => {
    const result = await h.plugin.testConnection(ci({ repositories: ['acme/open'] }));

    expect(result.checks.at(-1)).toEqual({
      name: 'project acme/open',
      ok: false,
      message: expect.stringMatching(/members only \(builds_access_level private\).*add it to the project/),
    });
  });

  it('passes a project that has no pipelines yet, and says so', async () => {
    const result = await h.plugin.testConnection(ci({ repositories: ['acme/platform/quiet'] }));

    expect(result.checks.find((check) => check.name === 'pipelines acme/platform/quiet')).toEqual({
      name: 'pipelines acme/platform/quiet',
      ok: true,
      message: 'no pipelines yet: none has run; a .gitlab-ci.yml on a pushed branch starts the first',
    });
    expect(result.success).toBe(true);
  });

  it('fails on a refused token without quoting it, and on a token without read_api', async () => {
    const revoked = h.gitlab.addToken(h.bot, { scopes: ['read_api'] });
    h.gitlab.revokeToken(revoked);
    const profileOnly = h.gitlab.addToken(h.bot, { scopes: ['read_user'] });

    const refused = await h.plugin.testConnection(ci({ token: revoked }));
    const scoped = await h.plugin.testConnection(ci({ token: profileOnly }));

    expect(steps(refused.checks)).toEqual([
      ['reachable', true],
      ['authenticated', false],
    ]);
    expect(refused.message).toMatch(/^authenticated: GitLab refused the token \(401\)/);
    expect(JSON.stringify(refused)).not.toContain(revoked);
    expect(scoped.checks.find((check) => check.name === 'token')).toEqual({
      name: 'token',
      ok: false,
      message: 'the token has the scopes read_user; reading pipelines and runners needs read_api (or api)',
    });
    expect(scoped.checks.at(-1)).toEqual({
      name: 'project acme/platform/app',
      ok: false,
      message:
        'GitLab refused to show the project (GitLab: The request requires higher privileges than provided by the access token.): the token needs read_api (or api)',
    });
  });

  it('warns when no project is configured', async () => {
    const result = await h.plugin.testConnection(ci({ repositories: [] }));

    expect(result.success).toBe(true);
    expect(result.checks.at(-1)).toMatchObject({
      name: 'projects',
      ok: true,
      message: /^warning: no projects/,
    });
  });

  it('names the answer when GitLab sends pipelines of the wrong shape or no JSON', async () => {
    const pipelines = (request: { operation: { operationId: string } }) =>
      request.operation.operationId === 'getApiV4ProjectsIdPipelines';
    h.gitlab.inject({
      match: pipelines,
      times: 1,
      response: { status: 200, body: [{ id: 'one', status: 7 }] },
    });
    const wrongShape = await h.plugin.testConnection(ci());
    h.gitlab.inject({
      match: pipelines,
      times: 1,
      response: { status: 200, headers: { 'content-type': 'application/json' }, body: '<html>proxy</html>' },
    });
    const notJson = await h.plugin.testConnection(ci());

    const step = (result: typeof wrongShape) =>
      result.checks.find((check) => check.name === 'pipelines acme/platform/app');
    expect(step(wrongShape)).toEqual({
      name: 'pipelines acme/platform/app',
      ok: false,
      message: expect.stringMatching(
        /^GitLab answered GET list_pipelines with an unexpected shape at \/0\/id/,
      ),
    });
    expect(step(notJson)).toMatchObject({ ok: false, message: expect.stringMatching(/JSON/i) });
    expect(JSON.stringify([wrongShape, notJson])).not.toContain(maintainer);
  });
});

describe('the ci type', () => {
  it('is served by the same plugin, with one config schema', () => {
    expect(h.plugin.types).toEqual(['scm', 'ci']);
    expect(h.plugin.configSchema).toMatchObject({
      properties: { repositories: { description: expect.stringContaining('For a ci integration') } },
    });
  });

  it('settles at once when its signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('caller gave up'));
    const started = performance.now();

    const [tested, health] = await Promise.all([
      h.plugin.testConnection({ ...ci(), signal: controller.signal }),
      h.plugin.checkHealth({ ...ci(), signal: controller.signal }),
    ]);

    expect(performance.now() - started).toBeLessThan(2_000);
    expect(tested.success).toBe(false);
    expect(health.status).toBe('unhealthy');
  });
});

describe('ci health', () => {
  it('is healthy with the online runners of each project counted', async () => {
    expect(await h.plugin.checkHealth(ci())).toEqual({
      status: 'healthy',
      message: 'GitLab 17.5.1-ee answers; the token is accepted; online runners: acme/platform/app 2',
    });
  });

  it('is degraded when a project has no online runner, naming it and the counts', async () => {
    const health = await h.plugin.checkHealth(
      ci({ repositories: ['acme/platform/app', 'acme/platform/idle'] }),
    );

    expect(health).toEqual({
      status: 'degraded',
      message:
        'no online runner for acme/platform/idle (0 online): its jobs will stay pending; register or resume a runner, or enable instance runners; online runners: acme/platform/app 2',
    });

    idleRunner.status = 'online';
    try {
      expect(await h.plugin.checkHealth(ci({ repositories: ['acme/platform/idle'] }))).toMatchObject({
        status: 'healthy',
        message: expect.stringMatching(/online runners: acme\/platform\/idle 1$/),
      });
    } finally {
      idleRunner.status = 'offline';
    }
  });

  it('stays healthy when the token may not list runners, and says they were not checked', async () => {
    expect(await h.plugin.checkHealth(ci({ token: h.token }))).toEqual({
      status: 'healthy',
      message:
        'GitLab 17.5.1-ee answers; the token is accepted; runners not checked for acme/platform/app (listing them needs the Maintainer role)',
    });
  });

  it('is degraded when a configured project cannot be found', async () => {
    const health = await h.plugin.checkHealth(ci({ repositories: ['acme/gone'] }));

    expect(health.status).toBe('degraded');
    expect(health.message).toMatch(/^acme\/gone: not found \(404\)/);
  });

  it('is degraded when the rate limit is nearly spent, unhealthy when the token is refused or GitLab unreachable', async () => {
    const before = { ...h.gitlab.rateLimit };
    h.gitlab.rateLimit.remaining = Math.floor(h.gitlab.rateLimit.limit * 0.08);
    let spent: Awaited<ReturnType<typeof h.plugin.checkHealth>>;
    try {
      spent = await h.plugin.checkHealth(ci());
    } finally {
      Object.assign(h.gitlab.rateLimit, before);
    }

    const refused = await h.plugin.checkHealth(ci({ token: 'glpat-unknown-token-value' }));
    const unreachable = await h.plugin.checkHealth(
      h.context({ endpoint: 'http://127.0.0.1:9', integration: { type: 'ci' }, config: {} }),
    );

    expect(spent).toEqual({
      status: 'degraded',
      message: expect.stringMatching(
        /^GitLab's rate limit is nearly spent: \d+ of 2000 requests left; online runners: acme\/platform\/app 2$/,
      ),
    });
    expect(refused).toEqual({
      status: 'unhealthy',
      message: expect.stringMatching(/GitLab refused the token \(401\)/),
    });
    expect(JSON.stringify(refused)).not.toContain('glpat-unknown-token-value');
    expect(unreachable.status).toBe('unhealthy');
  });
});

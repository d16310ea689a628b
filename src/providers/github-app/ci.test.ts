import { afterEach, describe, expect, it } from 'vitest';
import { generateAppKeys } from '../../../test/fakes/github/app-jwt.js';
import { GHES_DESCRIPTION } from '../../../test/fakes/github/fake-github.js';
import { CI_PERMISSIONS, FULL_PERMISSIONS, type Permissions } from '../../../test/fakes/github/state.js';
import type { FakeRequest } from '../../../test/fakes/openapi/contract-server.js';
import type { HttpClient } from '../../net/index.js';
import type { PluginContext } from '../../plugins/contracts.js';
import { createInlineCredentialsAccessor } from '../../secrets/index.js';
import { GRANT_ACTIONS, GRANT_RUNNERS } from './actions.js';
import type { GitHubAppConfig } from './config.js';
import { type Harness, type HarnessOptions, startHarness } from './github-app.test-kit.js';

/**
 * The `ci` (GitHub Actions) integration of the `github_app` provider against the fake GitHub: its
 * connection test step by step and its health, each failure with a message that says what to fix.
 */

let h: Harness | undefined;
afterEach(async () => {
  expect(h?.github.violations).toEqual([]);
  expect(h?.github.state.rejections).toEqual([]);
  await h?.close();
  h = undefined;
});

/**
 * A github.com with the App on `acme` (acme/app has two workflows and runs, acme/lib none) and two
 * self-hosted runners of acme, one online.
 */
async function start(permissions: Permissions = CI_PERMISSIONS, options: HarnessOptions = {}) {
  h = await startHarness({
    endpoint: 'https://github.com',
    ...options,
    fake: {
      installations: [{ id: 100, account: 'acme', repositories: ['acme/app', 'acme/lib'], permissions }],
      ...options.fake,
    },
  });
  const ci = h.github.addWorkflow('acme/app', { name: 'CI' });
  h.github.addWorkflow('acme/app', { name: 'Release' });
  h.github.addWorkflowRun(ci, { branch: 'main', conclusion: 'success' });
  h.github.addWorkflowRun(ci, { branch: 'main', conclusion: 'failure' });
  h.github.addRunner('acme', 'build-1');
  h.github.addRunner('acme', 'build-2', { status: 'offline' });
  return h;
}

/** A `ci` integration's context; `calls` collects the provider and operation label of every request. */
function ciContext(
  harness: Harness,
  config: Record<string, unknown>,
  more: Parameters<Harness['context']>[1] = {},
): { context: PluginContext<GitHubAppConfig>; calls: string[] } {
  const calls: string[] = [];
  const base = harness.context(config, { ...more, overrides: { type: 'ci', ...more.overrides } });
  const http: HttpClient = {
    request: (request) => {
      calls.push(`${request.provider}:${request.operation}`);
      return base.http.request(request);
    },
    close: () => base.http.close(),
  };
  return { context: { ...base, http }, calls };
}

const steps = (checks: readonly { name: string; ok: boolean }[]) =>
  checks.map((check) => [check.name, check.ok]);
const op = (id: string) => (request: FakeRequest) => request.operation.operationId === id;

describe('github_app ci testConnection', () => {
  it('passes every step with workflows, the latest run and runners, under fixed operation labels', async () => {
    const { plugin, github } = await start();
    const { context, calls } = ciContext(h!, { repositories: ['acme/app'], organization: 'acme' });

    const result = await plugin.testConnection(context);

    expect(steps(result.checks)).toEqual([
      ['app', true],
      ['installation', true],
      ['installation_token', true],
      ['permissions', true],
      ['workflows acme/app', true],
      ['latest run acme/app', true],
      ['runners acme', true],
      ['version', true],
    ]);
    expect(result).toMatchObject({
      success: true,
      message: "the GitHub App can read GitHub Actions workflows and runs and acme's self-hosted runners",
    });
    const message = (name: string) => result.checks.find((check) => check.name === name)?.message;
    expect(message('installation')).toBe('installation 100 (installed on acme/app)');
    expect(message('permissions')).toBe('granted actions:read');
    expect(message('workflows acme/app')).toBe("2 workflows (first: 'CI')");
    expect(message('latest run acme/app')).toBe("latest run #2 of 'CI' on main: completed, failure");
    expect(message('runners acme')).toBe('1 of 2 self-hosted runners online');
    expect(calls).toEqual([
      'github_app:get_app',
      'github_app:get_repo_installation',
      'github_app:create_installation_token',
      'github_app:list_workflows',
      'github_app:list_workflow_runs',
      'github_app:get_org_installation',
      'github_app:list_org_runners',
    ]);
    expect(github.requests('actions/list-repo-workflows')[0]?.query).toBe('?per_page=1');
    expect(github.requests('actions/list-workflow-runs-for-repo')[0]?.query).toBe('?per_page=1');
  });

  it('passes against GitHub Enterprise Server, whose description has the same Actions routes', async () => {
    const { plugin } = await start(CI_PERMISSIONS, {
      endpoint: 'https://ghe.example.com/',
      fake: { description: GHES_DESCRIPTION, enterpriseVersion: '3.19.2' },
    });

    const result = await plugin.testConnection(
      ciContext(h!, { repositories: ['acme/app'], organization: 'acme' }).context,
    );

    expect(result.success).toBe(true);
    expect(result.checks.at(-1)).toEqual({
      name: 'version',
      ok: true,
      message: 'GitHub Enterprise Server 3.19.2',
    });
  });

  it('says which permission to grant when the installation has no actions: read', async () => {
    const { plugin } = await start({ ...FULL_PERMISSIONS, organization_self_hosted_runners: 'read' });

    const result = await plugin.testConnection(ciContext(h!, { repositories: ['acme/app'] }).context);

    expect(result.success).toBe(false);
    expect(result.message).toBe(`permissions: missing actions:read: ${GRANT_ACTIONS}`);
    expect(result.message).toMatch(/Repository permissions → Actions: Read-only/);
    expect(result.checks.find((check) => check.name === 'workflows acme/app')).toEqual({
      name: 'workflows acme/app',
      ok: false,
      message: `the installation cannot read workflows (GitHub: Resource not accessible by integration): ${GRANT_ACTIONS}`,
    });
    expect(result.checks.map((check) => check.name)).not.toContain('latest run acme/app');
  });

  it('fails a repository without workflows, saying to add one or leave it out', async () => {
    const { plugin, github } = await start();

    const result = await plugin.testConnection(ciContext(h!, { repositories: ['acme/lib'] }).context);

    expect(result.success).toBe(false);
    expect(result.message).toBe(
      'workflows acme/lib: no GitHub Actions workflows: add one under .github/workflows, or leave the repository out of repositories',
    );
    expect(github.requests('actions/list-workflow-runs-for-repo')).toHaveLength(0);
  });

  it('fails a repository outside the installation, saying to add it', async () => {
    const { plugin } = await start();

    const result = await plugin.testConnection(
      ciContext(h!, { repositories: ['acme/app', 'acme/secret'] }).context,
    );

    expect(result.checks.find((check) => check.name === 'workflows acme/secret')).toEqual({
      name: 'workflows acme/secret',
      ok: false,
      message:
        'not accessible to installation 100: add the repository to the installation, or correct its name',
    });
    expect(result.message).toMatch(/^workflows acme\/secret: /);
  });

  it('says which permission to grant when the runners cannot be listed (403)', async () => {
    const { plugin } = await start({ ...FULL_PERMISSIONS, actions: 'read' });

    const result = await plugin.testConnection(
      ciContext(h!, { repositories: ['acme/app'], organization: 'acme' }).context,
    );

    expect(result.success).toBe(false);
    expect(result.message).toBe(
      `runners acme: the installation cannot list the self-hosted runners of acme (GitHub: Resource not accessible by integration): ${GRANT_RUNNERS}`,
    );
    expect(result.message).toMatch(/organization_self_hosted_runners: read/);
  });

  it('fails the runners step when the App is not installed on the organisation', async () => {
    const { plugin } = await start();

    const result = await plugin.testConnection(
      ciContext(h!, { repositories: ['acme/app'], organization: 'elsewhere' }).context,
    );

    expect(result.message).toBe(
      'runners elsewhere: the App is not installed on the organisation elsewhere (or it does not exist): install it there',
    );
  });

  it('fails the installation step when only an organisation without the App is given', async () => {
    const { plugin } = await start();

    const result = await plugin.testConnection(ciContext(h!, { organization: 'elsewhere' }).context);

    expect(steps(result.checks)).toEqual([
      ['app', true],
      ['installation', false],
    ]);
    expect(result.message).toBe(
      'installation: the App is not installed on the organisation elsewhere (or it does not exist): install it there',
    );
  });

  it('passes with every runner offline, saying none is online', async () => {
    const { plugin, github } = await start();
    github.setRunnersStatus('acme', 'offline');

    const result = await plugin.testConnection(ciContext(h!, { organization: 'acme' }).context);

    expect(result.success).toBe(true);
    expect(result.checks.find((check) => check.name === 'installation')?.message).toBe(
      'installation 100 (installed on acme)',
    );
    expect(result.checks.find((check) => check.name === 'runners acme')?.message).toBe(
      '0 of 2 self-hosted runners online: start one (health is degraded while none is online)',
    );
  });

  it('fails when there is nothing to watch, and when no installation can be found', async () => {
    const { plugin } = await start();

    const onlyInstallation = await plugin.testConnection(ciContext(h!, { installationId: 100 }).context);
    const nothing = await plugin.testConnection(ciContext(h!, {}).context);

    expect(onlyInstallation.message).toBe(
      'watched: nothing to watch: list repositories (owner/name) whose workflows to watch, or set organization',
    );
    expect(nothing.message).toBe(
      'installation: list repositories (owner/name) whose workflows to watch, set organization, or set installationId',
    );
  });

  it('fails at the App step when GitHub refuses the App key, quoting no key', async () => {
    const { plugin } = await start();
    const other = generateAppKeys();
    const credentials = createInlineCredentialsAccessor({
      appId: String(h!.github.state.app.id),
      privateKey: other.privateKeyPem,
    });

    const result = await plugin.testConnection(
      ciContext(h!, { repositories: ['acme/app'] }, { credentials }).context,
    );

    expect(steps(result.checks)).toEqual([['app', false]]);
    expect(result.message).toMatch(/^app: GitHub refused the App's credentials \(401\)/);
    expect(JSON.stringify(result)).not.toContain('PRIVATE KEY');
  });

  it('names the field of a malformed workflows answer', async () => {
    const { plugin, github } = await start();
    github.inject({
      match: op('actions/list-repo-workflows'),
      response: { status: 200, body: { total_count: 'two', workflows: [] } },
    });

    const result = await plugin.testConnection(ciContext(h!, { repositories: ['acme/app'] }).context);

    expect(result.checks.find((check) => check.name === 'workflows acme/app')?.message).toMatch(
      /^GitHub answered GET \/repos\/\{owner\}\/\{repo\}\/actions\/workflows with an unexpected shape at \/total_count/,
    );
  });
});

describe('github_app ci checkHealth', () => {
  it('is healthy, saying how many runners are online and how much of the rate limit is left', async () => {
    const { plugin, github } = await start();
    const { context, calls } = ciContext(h!, { repositories: ['acme/app'], organization: 'acme' });

    const health = await plugin.checkHealth(context);

    const resets = new Date(github.state.rateLimit.reset * 1000).toISOString();
    expect(health.status).toBe('healthy');
    expect(health.message).toMatch(
      new RegExp(
        `^the App and installation 100 authenticate; 1 of 2 self-hosted runners of acme online \\(0 busy\\); \\d+ of 5000 requests left until ${resets}$`,
      ),
    );
    expect(calls).toContain('github_app:list_org_runners');
    expect(calls).not.toContain('github_app:get_rate_limit');
  });

  it('is degraded when every self-hosted runner of the organisation is offline', async () => {
    const { plugin, github } = await start();
    github.setRunnersStatus('acme', 'offline');

    const health = await plugin.checkHealth(ciContext(h!, { organization: 'acme' }).context);

    expect(health.status).toBe('degraded');
    expect(health.message).toMatch(
      /^every self-hosted runner of acme is offline \(0 of 2 online\): its jobs wait until one is started; the App and installation 100 authenticate; /,
    );
  });

  it('counts runners across pages', async () => {
    const { plugin, github } = await start();
    for (let i = 0; i < 150; i++) github.addRunner('acme', `pool-${i}`, { status: 'offline' });
    github.addRunner('acme', 'last', { busy: true });

    const health = await plugin.checkHealth(ciContext(h!, { organization: 'acme' }).context);

    expect(health.status).toBe('healthy');
    expect(health.message).toContain('2 of 153 self-hosted runners of acme online (1 busy)');
    expect(github.requests('actions/list-self-hosted-runners-for-org')).toHaveLength(2);
  });

  it('stays healthy when the runners cannot be read, and says which permission to grant', async () => {
    const { plugin } = await start({ ...FULL_PERMISSIONS, actions: 'read' });

    const health = await plugin.checkHealth(ciContext(h!, { organization: 'acme' }).context);

    expect(health.status).toBe('healthy');
    expect(health.message).toContain(
      `the installation cannot list the self-hosted runners of acme (GitHub: Resource not accessible by integration): ${GRANT_RUNNERS}`,
    );
  });

  it('stays healthy when the App is not installed on the organisation, and says to install it', async () => {
    const { plugin } = await start();

    const health = await plugin.checkHealth(
      ciContext(h!, { repositories: ['acme/app'], organization: 'elsewhere' }).context,
    );

    expect(health.status).toBe('healthy');
    expect(health.message).toContain(
      'the App is not installed on the organisation elsewhere (or it does not exist): install it there',
    );
  });

  it.each([
    ['read from the runners answer', { organization: 'acme' }, 'list_org_runners'],
    ['read from GET /rate_limit', { repositories: ['acme/app'] }, 'get_rate_limit'],
  ])(
    'is degraded when the rate limit is nearly spent (%s), saying when it resets',
    async (_name, config, operation) => {
      const { plugin, github } = await start();
      github.state.rateLimit.remaining = 400;
      const { context, calls } = ciContext(h!, config);

      const health = await plugin.checkHealth(context);

      const resets = new Date(github.state.rateLimit.reset * 1000).toISOString();
      expect(health.status).toBe('degraded');
      expect(health.message).toMatch(
        new RegExp(
          `^the installation's rate limit is nearly spent: \\d+ of 5000 requests left \\(under 10 %\\); it resets at ${resets}`,
        ),
      );
      expect(calls).toContain(`github_app:${operation}`);
    },
  );

  it('is unhealthy when GitHub refuses the App key', async () => {
    const { plugin } = await start();
    const credentials = createInlineCredentialsAccessor({
      appId: String(h!.github.state.app.id),
      privateKey: generateAppKeys().privateKeyPem,
    });

    const health = await plugin.checkHealth(
      ciContext(h!, { repositories: ['acme/app'], organization: 'acme' }, { credentials }).context,
    );

    expect(health.status).toBe('unhealthy');
    expect(health.message).toMatch(/^GitHub refused the App's credentials \(401\)/);
  });

  it('is unhealthy when the installation is refused (suspended)', async () => {
    const { plugin, github } = await start();
    const installation = github.state.installations[0];
    if (installation) installation.suspended = true;

    const health = await plugin.checkHealth(
      ciContext(h!, { installationId: 100, organization: 'acme' }).context,
    );

    expect(health).toEqual({
      status: 'unhealthy',
      message: 'installation 100 refused to issue a token (suspended?)',
    });
  });

  it('is unhealthy, naming the field, when the runners answer is malformed', async () => {
    const { plugin, github } = await start();
    github.inject({
      match: op('actions/list-self-hosted-runners-for-org'),
      response: { status: 200, body: { total_count: 1, runners: [{ name: 'x', status: 'online' }] } },
    });

    const health = await plugin.checkHealth(ciContext(h!, { organization: 'acme' }).context);

    expect(health.status).toBe('unhealthy');
    expect(health.message).toMatch(
      /^GitHub answered GET \/orgs\/\{org\}\/actions\/runners with an unexpected shape at \/runners\/0\/busy/,
    );
  });
});

describe('github_app scm beside ci', () => {
  it('keeps the scm connection test as it was, reading no Actions endpoint, with organization set', async () => {
    const { plugin, github } = await start();

    const result = await plugin.testConnection(
      h!.context({ repositories: ['acme/app'], organization: 'acme' }),
    );

    expect(steps(result.checks)).toEqual([
      ['app', true],
      ['installation', true],
      ['installation_token', true],
      ['permissions', true],
      ['repository acme/app', true],
      ['version', true],
    ]);
    expect(result.message).toBe('the GitHub App can post checks, statuses and comments');
    expect(github.exchanges.filter((e) => e.operationId?.startsWith('actions/'))).toEqual([]);
  });
});

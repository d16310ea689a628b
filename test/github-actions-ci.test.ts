import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGitHub, GHES_DESCRIPTION, startFakeGitHub } from './fakes/github/fake-github.js';
import { CI_PERMISSIONS } from './fakes/github/state.js';
import { pollNow, registerWithSecret, startLoopbackTestApp, type TestApp } from './support/app.js';
import { testDatabaseTargets } from './support/databases.js';

/**
 * GitHub Actions as a `ci` integration of the `github_app` provider, end to end through the public API
 * on both databases: the App's private key stored as a secret, a `ci` integration watching a repository's
 * workflows and an organisation's self-hosted runners on the fake GitHub (held to GitHub's REST
 * description), its connection test, health from the poller (healthy, then degraded when the runners go
 * offline), and SCM operations refused on it.
 */

const targets = await testDatabaseTargets();

describe.each(targets)('GitHub Actions as a ci integration through the API ($dialect)', (target) => {
  let github: FakeGitHub;
  let t: TestApp;
  let id: string;
  /** Every body the API answered, to look for the private key in them. */
  const answered: string[] = [];

  beforeAll(async () => {
    if (!target.available) return;
    github = await startFakeGitHub({
      description: GHES_DESCRIPTION,
      installations: [{ id: 100, account: 'acme', repositories: ['acme/app'], permissions: CI_PERMISSIONS }],
    });
    const ci = github.addWorkflow('acme/app', { name: 'CI' });
    github.addWorkflowRun(ci, { branch: 'main', conclusion: 'success' });
    github.addRunner('acme', 'build-1');
    github.addRunner('acme', 'build-2', { busy: true });
    t = await startLoopbackTestApp(target);
  }, 60_000);
  afterAll(async () => {
    await t?.dispose();
    await github?.close();
  });

  const request = async (options: Parameters<TestApp['request']>[0]) => {
    const response = await t.request(options);
    answered.push(JSON.stringify(response.body));
    return response;
  };
  const health = async () =>
    (await request({ method: 'GET', url: `/api/v1/integrations/${id}/health` })).body.health;

  it.skipIf(!target.available)('lists github_app as serving scm and ci', async () => {
    const providers = await request({ method: 'GET', url: '/api/v1/providers' });

    const entry = providers.body.items.find((p: { provider: string }) => p.provider === 'github_app');
    expect(entry.types).toEqual(['scm', 'ci']);
  });

  it.skipIf(!target.available)(
    "registers a ci integration with the App's stored key and tests it",
    async () => {
      const created = await registerWithSecret(
        t,
        {
          name: 'actions-app',
          value: { appId: String(github.state.app.id), privateKey: github.state.keys.privateKeyPem },
        },
        {
          name: 'actions',
          type: 'ci',
          provider: 'github_app',
          endpoint: github.origin,
          config: { repositories: ['acme/app'], organization: 'acme' },
        },
      );
      answered.push(JSON.stringify(created));
      id = created.id;

      const tested = await request({ method: 'POST', url: `/api/v1/integrations/${id}/test` });

      expect(tested.status).toBe(200);
      expect(tested.body.success).toBe(true);
      expect(
        tested.body.checks.map((check: { name: string; ok: boolean }) => [check.name, check.ok]),
      ).toEqual([
        ['app', true],
        ['installation', true],
        ['installation_token', true],
        ['permissions', true],
        ['workflows acme/app', true],
        ['latest run acme/app', true],
        ['runners acme', true],
        ['version', true],
      ]);
      expect(tested.body.checks[5].message).toBe("latest run #1 of 'CI' on main: completed, success");
      expect(tested.body.checks[6].message).toBe('2 of 2 self-hosted runners online');
      expect(github.violations).toEqual([]);
    },
  );

  it.skipIf(!target.available)('refuses a config the schema does not allow, naming the field', async () => {
    const refused = await request({
      method: 'POST',
      url: '/api/v1/integrations',
      payload: {
        name: 'actions-bad',
        type: 'ci',
        provider: 'github_app',
        endpoint: github.origin,
        credentials: { appId: '1', privateKey: 'not-a-key' },
        config: { organization: 'not an org!' },
      },
    });

    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('/config/organization');
  });

  it.skipIf(!target.available)('polls healthy, then degraded when every runner goes offline', async () => {
    expect(await pollNow(t, id)).toBe(1);
    const healthy = await health();

    github.setRunnersStatus('acme', 'offline');
    expect(await pollNow(t, id)).toBe(1);
    const degraded = await health();
    github.setRunnersStatus('acme', 'online');
    expect(await pollNow(t, id)).toBe(1);
    const recovered = await health();

    expect(healthy.status).toBe('healthy');
    expect(healthy.message).toContain('2 of 2 self-hosted runners of acme online (1 busy)');
    expect(degraded.status).toBe('degraded');
    expect(degraded.message).toMatch(/^every self-hosted runner of acme is offline \(0 of 2 online\)/);
    expect(recovered.status).toBe('healthy');
    expect(github.violations).toEqual([]);
  });

  it.skipIf(!target.available)('refuses SCM operations on the ci integration with a 400', async () => {
    const annotate = await request({
      method: 'POST',
      url: `/api/v1/integrations/${id}/scm/annotate`,
      payload: {
        owner: 'acme',
        repository: 'app',
        pullRequestNumber: 7,
        commitSha: 'a'.repeat(40),
        sarif: { version: '2.1.0', runs: [{ tool: { driver: { name: 'scanner' } }, results: [] }] },
        operations: ['comment'],
      },
    });
    const status = await request({
      method: 'POST',
      url: `/api/v1/integrations/${id}/scm/statuses`,
      payload: {
        owner: 'acme',
        repository: 'app',
        commitSha: 'a'.repeat(40),
        state: 'success',
        context: 'security/scan',
      },
    });

    for (const refused of [annotate, status]) {
      expect(refused.status).toBe(400);
      expect(JSON.stringify(refused.body)).toContain(
        "integration 'actions' is a ci integration; annotations need an scm one",
      );
    }
    expect(github.writes()).toEqual([]);
  });

  it.skipIf(!target.available)('never shows the private key in an answer', () => {
    const key = github.state.keys.privateKeyPem.split('\n')[1] ?? 'missing';

    expect(answered.length).toBeGreaterThan(0);
    expect(answered.join('\n')).not.toContain(key);
  });
});

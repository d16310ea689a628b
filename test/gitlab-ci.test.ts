import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGitLab, type FakeRunner, startFakeGitLab } from './fakes/gitlab/fake-gitlab.js';
import { pollNow, registerWithSecret, startLoopbackTestApp, type TestApp } from './support/app.js';
import { testDatabaseTargets } from './support/databases.js';

/**
 * The `gitlab` provider as a `ci` integration (GitLab CI/CD), end to end through the public API on both
 * databases: a read_api token stored as a secret, the integration registered and tested, its health
 * polled healthy and then degraded once the project's runners go offline; SCM operations on it refused.
 * Every request is held to GitLab's own OpenAPI description by the fake.
 */

const targets = await testDatabaseTargets();

describe.each(targets)('GitLab CI through the API ($dialect)', (target) => {
  let gitlab: FakeGitLab;
  let shopRunner: FakeRunner;
  let groupRunner: FakeRunner;
  let t: TestApp;
  let id: string;

  beforeAll(async () => {
    if (!target.available) return;
    gitlab = await startFakeGitLab();
    const bot = gitlab.addUser({ username: 'ci-watcher', bot: true });
    const shop = gitlab.addProject({ path: 'acme/platform/shop', sharedRunnersEnabled: false });
    gitlab.addMember(shop, bot, 40);
    gitlab.addPipeline(shop, '4b825dc642cb6eb9a060e54bf8d69288fbee4904', { ref: 'main', status: 'success' });
    shopRunner = gitlab.addRunner({ type: 'project_type', projects: [shop], description: 'shop-1' });
    groupRunner = gitlab.addRunner({ type: 'group_type', group: 'acme', description: 'acme-docker' });
    t = await startLoopbackTestApp(target);
    const created = await registerWithSecret(
      t,
      { name: 'gitlab-ci-token', value: gitlab.addToken(bot, { scopes: ['read_api'] }) },
      {
        name: 'gitlab-ci',
        type: 'ci',
        provider: 'gitlab',
        endpoint: gitlab.url,
        config: { repositories: ['acme/platform/shop'] },
      },
    );
    id = created.id;
  }, 60_000);
  afterAll(async () => {
    await t?.dispose();
    await gitlab?.close();
  });

  it.skipIf(!target.available)('lists the provider as serving scm and ci', async () => {
    const providers = await t.request({ method: 'GET', url: '/api/v1/providers' });
    const listed = providers.body.items.find((entry: { provider: string }) => entry.provider === 'gitlab');

    expect(listed.types).toEqual(['scm', 'ci']);
  });

  it.skipIf(!target.available)('tests the connection step by step', async () => {
    const tested = await t.request({ method: 'POST', url: `/api/v1/integrations/${id}/test` });

    expect(tested.status).toBe(200);
    expect(tested.body).toMatchObject({
      success: true,
      message: `connected to GitLab CI/CD at ${gitlab.url}`,
    });
    expect(tested.body.checks.map((check: { name: string }) => check.name)).toEqual([
      'reachable',
      'authenticated',
      'token',
      'version',
      'project acme/platform/shop',
      'pipelines acme/platform/shop',
      'runners acme/platform/shop',
    ]);
    expect(tested.body.checks.at(-1).message).toBe('2 online runners can take its jobs');
    expect(gitlab.violations).toEqual([]);
  });

  it.skipIf(!target.available)('polls healthy, then degraded once the runners go offline', async () => {
    const health = async () =>
      (await t.request({ method: 'GET', url: `/api/v1/integrations/${id}/health` })).body.health;

    expect(await pollNow(t, id)).toBe(1);
    expect(await health()).toMatchObject({
      status: 'healthy',
      message: expect.stringMatching(/online runners: acme\/platform\/shop 2$/),
    });

    shopRunner.status = 'offline';
    groupRunner.status = 'offline';
    expect(await pollNow(t, id)).toBe(1);
    expect(await health()).toMatchObject({
      status: 'degraded',
      message: expect.stringMatching(/^no online runner for acme\/platform\/shop \(0 online\)/),
    });

    shopRunner.status = 'online';
    expect(await pollNow(t, id)).toBe(1);
    expect((await health()).status).toBe('healthy');
    expect(gitlab.violations).toEqual([]);
  });

  it.skipIf(!target.available)(
    'refuses SCM operations on a ci integration with a 400 that says why',
    async () => {
      const writes = gitlab.writes().length;

      const comment = await t.request({
        method: 'POST',
        url: `/api/v1/integrations/${id}/scm/comments`,
        payload: { owner: 'acme/platform', repository: 'shop', pullRequestNumber: 1, body: 'scan: clean' },
      });
      const status = await t.request({
        method: 'POST',
        url: `/api/v1/integrations/${id}/scm/statuses`,
        payload: {
          owner: 'acme/platform',
          repository: 'shop',
          commitSha: '4b825dc642cb6eb9a060e54bf8d69288fbee4904',
          state: 'success',
          context: 'security/scan',
        },
      });

      for (const refused of [comment, status]) {
        expect(refused.status).toBe(400);
        expect(refused.body.error.message).toContain(
          "integration 'gitlab-ci' is a ci integration; annotations need an scm one",
        );
      }
      expect(gitlab.writes().length).toBe(writes);
    },
  );
});

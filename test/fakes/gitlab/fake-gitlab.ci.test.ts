import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGitLab, startFakeGitLab } from './fake-gitlab.js';
import { onceClient, seedWorld, sender, type World } from './fake-gitlab.test-kit.js';
import type { FakeProject } from './state.js';

/** The fake's CI/CD reads: pipelines and project runners, with GitLab's paging and permission rules. */

const http = onceClient();
const SHA = (digit: string) => digit.repeat(40);

describe('fake GitLab CI/CD', () => {
  let gitlab: FakeGitLab;
  let world: World;
  let api: string;
  let maintainer: string;
  let maintainerReadApi: string;
  const send = sender(http, () => gitlab.url);

  beforeAll(async () => {
    gitlab = await startFakeGitLab();
    world = seedWorld(gitlab);
    api = `/api/v4/projects/${world.project.id}`;
    const owner = gitlab.addUser({ username: 'release-manager' });
    gitlab.addMember(world.project, owner, 40);
    maintainer = gitlab.addToken(owner, { scopes: ['api'] });
    maintainerReadApi = gitlab.addToken(owner, { scopes: ['read_api'] });
    gitlab.addPipeline(world.project, SHA('1'), { ref: 'main', status: 'success' });
    gitlab.addPipeline(world.project, SHA('2'), {
      ref: 'feature',
      status: 'failed',
      source: 'merge_request_event',
    });
    gitlab.addPipeline(world.project, SHA('3'), { ref: 'main', status: 'running' });
  });
  afterEach(() => {
    world.project.buildsAccessLevel = 'enabled';
    world.project.publicBuilds = true;
  });
  afterAll(async () => {
    await gitlab.close();
    await http.close();
  });

  describe('pipelines', () => {
    it('lists newest first, one page at a time, with GitLab paging headers, to a read_api token', async () => {
      const first = await send('GET', `${api}/pipelines?per_page=1`, {
        token: world.tokens.developerReadApi,
      });
      const second = await send('GET', `${api}/pipelines?per_page=1&page=2`, {
        token: world.tokens.developerReadApi,
      });

      expect(first.status).toBe(200);
      expect(first.body).toEqual([
        expect.objectContaining({
          sha: SHA('3'),
          ref: 'main',
          status: 'running',
          project_id: world.project.id,
          web_url: expect.stringMatching(/\/acme\/platform\/app\/-\/pipelines\/\d+$/),
        }),
      ]);
      expect(first.headers).toMatchObject({ 'x-total': '3', 'x-next-page': '2', 'x-per-page': '1' });
      expect(second.body.map((p: { sha: string }) => p.sha)).toEqual([SHA('2')]);
      expect(gitlab.violations).toEqual([]);
    });

    it('filters by status, ref, scope and source, and sorts on request', async () => {
      const token = world.tokens.reporter;
      const shas = async (query: string) =>
        (await send('GET', `${api}/pipelines?${query}`, { token })).body.map((p: { sha: string }) => p.sha);

      expect(await shas('status=failed')).toEqual([SHA('2')]);
      expect(await shas('ref=main')).toEqual([SHA('3'), SHA('1')]);
      expect(await shas('scope=finished&sort=asc')).toEqual([SHA('1'), SHA('2')]);
      expect(await shas('scope=running')).toEqual([SHA('3')]);
      expect(await shas('source=merge_request_event')).toEqual([SHA('2')]);
      expect(await shas('order_by=status&sort=asc')).toEqual([SHA('2'), SHA('3'), SHA('1')]);
      expect(gitlab.violations).toEqual([]);
    });

    it('answers an empty list for a project without pipelines', async () => {
      const empty = gitlab.addProject({ path: 'acme/quiet' });
      const reader = gitlab.addUser({ username: 'quiet-reader' });
      gitlab.addMember(empty, reader, 20);

      const listed = await send('GET', `/api/v4/projects/${empty.id}/pipelines?per_page=1`, {
        token: gitlab.addToken(reader, { scopes: ['read_api'] }),
      });
      const stranger = await send('GET', `/api/v4/projects/${empty.id}/pipelines`, {
        token: world.tokens.outsider,
      });

      expect(listed.status).toBe(200);
      expect(listed.body).toEqual([]);
      expect(listed.headers['x-total']).toBe('0');
      expect(stranger).toMatchObject({ status: 404, body: { message: '404 Project Not Found' } });
      expect(gitlab.violations).toEqual([]);
    });

    it('lets a Guest read pipelines only while "Public pipelines" is on', async () => {
      const open = await send('GET', `${api}/pipelines`, { token: world.tokens.guest });
      world.project.publicBuilds = false;
      const closed = await send('GET', `${api}/pipelines`, { token: world.tokens.guest });
      const reporter = await send('GET', `${api}/pipelines`, { token: world.tokens.reporter });

      expect(open.status).toBe(200);
      expect(closed).toMatchObject({ status: 403, body: { message: '403 Forbidden' } });
      expect(reporter.status).toBe(200);
      expect(gitlab.violations).toEqual([]);
    });

    it('refuses every role once CI/CD is disabled, and says so on the project', async () => {
      world.project.buildsAccessLevel = 'disabled';

      const pipelines = await send('GET', `${api}/pipelines`, { token: maintainer });
      const project = await send('GET', api, { token: world.tokens.developer });

      expect(pipelines).toMatchObject({ status: 403, body: { message: '403 Forbidden' } });
      expect(project.body).toMatchObject({ jobs_enabled: false, builds_access_level: 'disabled' });
      expect(gitlab.rejections.at(-1)).toMatchObject({
        operationId: 'getApiV4ProjectsIdPipelines',
        status: 403,
      });
      expect(gitlab.violations).toEqual([]);
    });

    it('keeps members-only CI/CD from signed-in non-members of a public project', async () => {
      const open: FakeProject = gitlab.addProject({
        path: 'acme/open-source',
        visibility: 'public',
        buildsAccessLevel: 'private',
      });
      gitlab.addPipeline(open, SHA('4'), { status: 'success' });
      const path = `/api/v4/projects/${open.id}`;

      const outsider = await send('GET', `${path}/pipelines`, { token: world.tokens.outsider });
      const project = await send('GET', path, { token: world.tokens.outsider });
      open.buildsAccessLevel = 'enabled';
      const opened = await send('GET', `${path}/pipelines`, { token: world.tokens.outsider });

      expect(outsider.status).toBe(403);
      expect(project.body).toMatchObject({ jobs_enabled: false, builds_access_level: 'private' });
      expect(opened.body.map((p: { sha: string }) => p.sha)).toEqual([SHA('4')]);
      expect(gitlab.violations).toEqual([]);
    });

    it('reports a filter it does not model as unimplemented rather than ignoring it', async () => {
      const answer = await send('GET', `${api}/pipelines?username=root`, { token: world.tokens.reporter });

      expect(answer.status).toBe(501);
      expect(gitlab.violations.splice(0)).toEqual([
        expect.objectContaining({ kind: 'unimplemented', operationId: 'getApiV4ProjectsIdPipelines' }),
      ]);
    });

    it('holds the query to the description: an unknown status is a contract violation', async () => {
      const answer = await send('GET', `${api}/pipelines?status=green`, { token: world.tokens.reporter });

      expect(answer.status).toBe(422);
      expect(gitlab.violations.splice(0)).toEqual([expect.objectContaining({ kind: 'request' })]);
    });
  });

  describe('project runners', () => {
    let other: FakeProject;

    beforeAll(() => {
      other = gitlab.addProject({ path: 'other/tool' });
      gitlab.addRunner({ type: 'instance_type', description: 'shared-1' });
      gitlab.addRunner({ type: 'group_type', group: 'acme', description: 'acme-group', tags: ['docker'] });
      gitlab.addRunner({ type: 'group_type', group: 'acme/platform/app-x', description: 'not-a-parent' });
      gitlab.addRunner({
        type: 'project_type',
        projects: [world.project],
        description: 'app-offline',
        status: 'offline',
      });
      gitlab.addRunner({
        type: 'project_type',
        projects: [world.project],
        description: 'app-paused',
        paused: true,
      });
      gitlab.addRunner({ type: 'project_type', projects: [other], description: 'elsewhere' });
    });

    const descriptions = async (query = '', token = maintainer) => {
      const answer = await send('GET', `${api}/runners${query}`, { token });
      expect(answer.status).toBe(200);
      return answer.body.map((runner: { description: string }) => runner.description);
    };

    it("lists the project's own, its groups' and the instance's runners to a Maintainer", async () => {
      const answer = await send('GET', `${api}/runners`, { token: maintainerReadApi });

      expect(answer.status).toBe(200);
      expect(answer.body.map((runner: { description: string }) => runner.description)).toEqual([
        'shared-1',
        'acme-group',
        'app-offline',
        'app-paused',
      ]);
      expect(answer.body[0]).toMatchObject({
        runner_type: 'instance_type',
        is_shared: true,
        online: true,
        status: 'online',
        paused: false,
        active: true,
      });
      expect(answer.headers['x-total']).toBe('4');
      expect(gitlab.violations).toEqual([]);
    });

    it('filters by status, paused, type, tags and the deprecated scope', async () => {
      expect(await descriptions('?status=online')).toEqual(['shared-1', 'acme-group', 'app-paused']);
      expect(await descriptions('?status=offline')).toEqual(['app-offline']);
      expect(await descriptions('?status=online&paused=false')).toEqual(['shared-1', 'acme-group']);
      expect(await descriptions('?type=project_type')).toEqual(['app-offline', 'app-paused']);
      expect(await descriptions('?tag_list=docker')).toEqual(['acme-group']);
      expect(await descriptions('?scope=shared')).toEqual(['shared-1']);
      expect(await descriptions('?scope=paused')).toEqual(['app-paused']);
      expect(gitlab.violations).toEqual([]);
    });

    it('follows a runner going offline, and leaves instance runners out where the project refuses them', async () => {
      const runner = gitlab.addRunner({
        type: 'project_type',
        projects: [world.project],
        description: 'late',
      });
      expect(await descriptions('?status=online')).toContain('late');

      runner.status = 'offline';
      world.project.sharedRunnersEnabled = false;
      const online = await descriptions('?status=online');
      world.project.sharedRunnersEnabled = true;

      expect(online).toEqual(['acme-group', 'app-paused']);
      expect(gitlab.violations).toEqual([]);
    });

    it("refuses Developers with GitLab's 403: listing runners needs the Maintainer role", async () => {
      const developer = await send('GET', `${api}/runners?status=online`, { token: world.tokens.developer });
      const outsider = await send('GET', `${api}/runners`, { token: world.tokens.outsider });

      expect(developer).toMatchObject({ status: 403, body: { message: '403 Forbidden' } });
      expect(outsider).toMatchObject({ status: 404, body: { message: '404 Project Not Found' } });
      expect(gitlab.violations).toEqual([]);
    });

    it('refuses a token without read_api or api, and reads the token itself with any scope', async () => {
      const owner = gitlab.addUser({ username: 'profile-only' });
      gitlab.addMember(world.project, owner, 40);
      const readUser = gitlab.addToken(owner, { scopes: ['read_user'] });

      const runners = await send('GET', `${api}/runners`, { token: readUser });
      const self = await send('GET', '/api/v4/personal_access_tokens/self', { token: readUser });

      expect(runners).toMatchObject({
        status: 403,
        body: { error: 'insufficient_scope', scope: 'api read_api' },
      });
      expect(self.body).toMatchObject({ scopes: ['read_user'], active: true });
      expect(gitlab.violations).toEqual([]);
    });

    it('holds the query to the description: an unknown runner status is a contract violation', async () => {
      const answer = await send('GET', `${api}/runners?status=busy`, { token: maintainer });

      expect(answer.status).toBe(422);
      expect(gitlab.violations.splice(0)).toEqual([expect.objectContaining({ kind: 'request' })]);
    });
  });
});

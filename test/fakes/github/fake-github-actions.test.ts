import { createSign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testHttpClient } from '../../support/http.js';
import { type FakeGitHub, GHES_DESCRIPTION, startFakeGitHub } from './fake-github.js';
import { CI_PERMISSIONS, FULL_PERMISSIONS } from './state.js';

/**
 * The fake GitHub's Actions routes: workflows, workflow runs and an organisation's self-hosted runners
 * as an App's installation reads them. It must refuse what GitHub refuses (no `actions: read`, no
 * `organization_self_hosted_runners: read`, a repository or organisation outside the installation, the
 * App's JWT where a token belongs, a request the description does not allow), or the `ci` tests prove
 * nothing.
 */

const http = testHttpClient();

function appJwt(github: FakeGitHub): string {
  const now = Math.floor(Date.now() / 1000);
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode({ iat: now - 60, exp: now + 500, iss: github.state.app.id })}`;
  const signature = createSign('RSA-SHA256')
    .update(unsigned)
    .sign(github.state.keys.privateKeyPem, 'base64url');
  return `${unsigned}.${signature}`;
}

describe.each([
  ['api.github.com', 'api.github.com'],
  ['GitHub Enterprise Server', GHES_DESCRIPTION],
] as const)('fake GitHub Actions (%s)', (_name, description) => {
  let github: FakeGitHub;
  /** Installation tokens by installation: 100 reads everything, 200 lacks actions, 300 lacks runners. */
  const tokens = new Map<number, string>();

  /** A GET of a path below the API root, or of a URL GitHub gave (a `Link`). */
  const get = async (path: string, authorization: string) => {
    const response = await http.request({
      method: 'GET',
      url: path.startsWith('http') ? path : `${github.apiUrl}${path}`,
      headers: { authorization, accept: 'application/vnd.github+json' },
      okStatuses: [401, 403, 404, 422, 501],
    });
    return { status: response.status, headers: response.headers, body: response.json<any>() };
  };
  const as = (installation: number) => `token ${tokens.get(installation)}`;

  beforeAll(async () => {
    github = await startFakeGitHub({
      description,
      installations: [
        { id: 100, account: 'acme', repositories: ['acme/app', 'acme/empty'], permissions: CI_PERMISSIONS },
        { id: 200, account: 'beta', repositories: ['beta/app'], permissions: FULL_PERMISSIONS },
        {
          id: 300,
          account: 'gamma',
          repositories: ['gamma/app'],
          permissions: { ...FULL_PERMISSIONS, actions: 'read' },
        },
      ],
    });
    for (const id of [100, 200, 300]) {
      const response = await http.request({
        method: 'POST',
        url: `${github.apiUrl}/app/installations/${id}/access_tokens`,
        headers: { authorization: `Bearer ${appJwt(github)}`, accept: 'application/vnd.github+json' },
      });
      tokens.set(id, response.json<{ token: string }>().token);
    }
    const ci = github.addWorkflow('acme/app', { name: 'CI' });
    const release = github.addWorkflow('acme/app', { name: 'Release', state: 'disabled_manually' });
    github.addWorkflow('acme/app', { name: 'Nightly' });
    github.addWorkflowRun(ci, { branch: 'main', conclusion: 'success' });
    github.addWorkflowRun(release, { branch: 'v1', event: 'release', conclusion: 'failure' });
    github.addWorkflowRun(ci, { branch: 'feature', event: 'pull_request', status: 'in_progress' });
    github.addRunner('acme', 'build-1');
    github.addRunner('acme', 'build-2', { status: 'offline', os: 'Windows' });
    github.addRunner('beta', 'other');
  });
  afterAll(async () => {
    await github.close();
  });

  it('lists workflows a page at a time with GitHub Link paging and the full count', async () => {
    const first = await get('/repos/acme/app/actions/workflows?per_page=1', as(100));
    const next = /<([^>]+)>; rel="next"/.exec(String(first.headers.link))?.[1];
    const second = await get(next ?? 'no next link', as(100));
    const empty = await get('/repos/acme/empty/actions/workflows?per_page=1', as(100));

    expect(first.status).toBe(200);
    expect(first.body.total_count).toBe(3);
    expect(first.body.workflows.map((w: { name: string }) => w.name)).toEqual(['CI']);
    expect(first.headers.link).toMatch(/rel="last"/);
    expect(second.body.workflows.map((w: { name: string; state: string }) => [w.name, w.state])).toEqual([
      ['Release', 'disabled_manually'],
    ]);
    expect(empty.body).toEqual({ total_count: 0, workflows: [] });
    expect(empty.headers.link).toBeUndefined();
    expect(github.violations).toEqual([]);
  });

  it('lists runs newest first, filtered by branch, event and status as GitHub documents', async () => {
    const latest = await get('/repos/acme/app/actions/runs?per_page=1', as(100));
    const onMain = await get('/repos/acme/app/actions/runs?branch=main', as(100));
    const failed = await get('/repos/acme/app/actions/runs?status=failure', as(100));
    const running = await get('/repos/acme/app/actions/runs?status=in_progress&event=pull_request', as(100));

    expect(latest.body.total_count).toBe(3);
    expect(latest.body.workflow_runs).toHaveLength(1);
    expect(latest.body.workflow_runs[0]).toMatchObject({
      name: 'CI',
      run_number: 2,
      head_branch: 'feature',
      status: 'in_progress',
      conclusion: null,
      event: 'pull_request',
    });
    expect(onMain.body.workflow_runs.map((r: { conclusion: string }) => r.conclusion)).toEqual(['success']);
    expect(failed.body.workflow_runs.map((r: { name: string }) => r.name)).toEqual(['Release']);
    expect(running.body.total_count).toBe(1);
    expect(github.violations).toEqual([]);
  });

  it("lists an organisation's self-hosted runners, online and offline, with their labels", async () => {
    const listed = await get('/orgs/acme/actions/runners?per_page=100', as(100));
    const byName = await get('/orgs/ACME/actions/runners?name=build-2', as(100));

    expect(listed.status).toBe(200);
    expect(listed.body.total_count).toBe(2);
    expect(listed.body.runners.map((r: { name: string; status: string }) => [r.name, r.status])).toEqual([
      ['build-1', 'online'],
      ['build-2', 'offline'],
    ]);
    expect(listed.body.runners[1].labels).toEqual([
      { id: 1, name: 'self-hosted', type: 'read-only' },
      { id: 2, name: 'Windows', type: 'read-only' },
      { id: 3, name: 'X64', type: 'custom' },
    ]);
    expect(byName.body.runners).toHaveLength(1);

    github.setRunnersStatus('acme', 'offline');
    const offline = await get('/orgs/acme/actions/runners', as(100));
    github.setRunnersStatus('acme', 'online');

    expect(offline.body.runners.map((r: { status: string }) => r.status)).toEqual(['offline', 'offline']);
    expect(github.violations).toEqual([]);
  });

  it('answers 403 "Resource not accessible by integration" without the permission each read needs', async () => {
    const workflows = await get('/repos/beta/app/actions/workflows?per_page=1', as(200));
    const runs = await get('/repos/beta/app/actions/runs?per_page=1', as(200));
    const runners = await get('/orgs/gamma/actions/runners', as(300));
    const gammaRuns = await get('/repos/gamma/app/actions/runs?per_page=1', as(300));

    for (const refused of [workflows, runs, runners]) {
      expect(refused.status).toBe(403);
      expect(refused.body.message).toBe('Resource not accessible by integration');
    }
    expect(gammaRuns.status).toBe(200);
    expect(github.violations).toEqual([]);
  });

  it('answers 404 for a repository or an organisation outside the installation', async () => {
    const repository = await get('/repos/beta/app/actions/workflows', as(100));
    const organisation = await get('/orgs/beta/actions/runners', as(100));

    expect(repository).toMatchObject({ status: 404, body: { message: 'Not Found' } });
    expect(organisation).toMatchObject({ status: 404, body: { message: 'Not Found' } });
    expect(github.violations).toEqual([]);
  });

  it("finds the installation on an organisation with the App's JWT", async () => {
    const found = await get('/orgs/acme/installation', `Bearer ${appJwt(github)}`);
    const unknown = await get('/orgs/nobody/installation', `Bearer ${appJwt(github)}`);

    expect(found.status).toBe(200);
    expect(found.body.id).toBe(100);
    expect(unknown.status).toBe(404);
    expect(github.violations).toEqual([]);
  });

  it.each([
    ['a page size that is not a number', '/repos/acme/app/actions/workflows?per_page=many', 422],
    ['a query parameter GitHub does not know', '/repos/acme/app/actions/workflows?limit=1', 422],
    ['a run status GitHub does not know', '/repos/acme/app/actions/runs?status=broken', 422],
    ['a filter the fake does not model', '/repos/acme/app/actions/runs?actor=octocat', 501],
  ])('records %s as a violation', async (_name, path, status) => {
    const before = github.violations.length;

    const response = await get(path, as(100));

    expect(response.status).toBe(status);
    expect(github.violations.length).toBe(before + 1);
    github.violations.length = before;
  });

  it("records the App's JWT on an Actions read as a violation, answered 401", async () => {
    const before = github.violations.length;

    const response = await get('/orgs/acme/actions/runners', `Bearer ${appJwt(github)}`);

    expect(response.status).toBe(401);
    expect(github.violations.at(-1)?.problems).toEqual([
      "actions/list-self-hosted-runners-for-org takes an installation token, not the App's JWT",
    ]);
    github.violations.length = before;
  });
});

afterAll(async () => {
  await http.close();
});

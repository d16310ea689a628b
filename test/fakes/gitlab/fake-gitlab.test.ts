import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aliasHost } from '../openapi/host-alias.js';
import { type FakeGitLab, startFakeGitLab } from './fake-gitlab.js';
import { BASE, HEAD, onceClient, START, seedWorld, sender, type World } from './fake-gitlab.test-kit.js';

/** The fake must answer like GitLab and refuse what GitLab's description refuses, or the provider's tests prove nothing. */

const http = onceClient();

describe('fake GitLab', () => {
  let gitlab: FakeGitLab;
  let world: World;
  let api: string;
  const send = sender(http, () => gitlab.url);

  beforeAll(async () => {
    gitlab = await startFakeGitLab();
    world = seedWorld(gitlab);
    api = `/api/v4/projects/${world.project.id}`;
  });
  afterAll(async () => {
    await gitlab.close();
    await http.close();
  });

  it('answers the instance, the caller and the project like GitLab', async () => {
    const token = world.tokens.developer;

    const version = await send('GET', '/api/v4/version', { token });
    const metadata = await send('GET', '/api/v4/metadata', { token });
    const user = await send('GET', '/api/v4/user', { headers: { authorization: `Bearer ${token}` } });
    const self = await send('GET', '/api/v4/personal_access_tokens/self', { token });
    const byId = await send('GET', api, { token });
    const byPath = await send('GET', '/api/v4/projects/acme%2Fplatform%2Fapp', { token });

    expect(version.body).toMatchObject({ version: '17.5.1-ee', revision: expect.any(String) });
    expect(metadata.body.version).toBe('17.5.1-ee');
    expect(user.body).toMatchObject({ username: 'scanner-bot', id: expect.any(Number), name: 'scanner-bot' });
    expect(self.body).toMatchObject({ scopes: ['api'], active: true, revoked: false, expires_at: null });
    expect(byId.body).toMatchObject({
      id: world.project.id,
      path_with_namespace: 'acme/platform/app',
      permissions: { project_access: { access_level: 30 }, group_access: null },
    });
    expect(byPath.body.id).toBe(world.project.id);
    expect(version.headers['ratelimit-remaining']).toMatch(/^\d+$/);
    expect(version.headers['ratelimit-observed']).toMatch(/^\d+$/);
    expect(gitlab.violations).toEqual([]);
  });

  it('serves the merge request, its diff and versions', async () => {
    const token = world.tokens.developer;

    const mr = await send('GET', `${api}/merge_requests/7`, { token });
    const diffs = await send('GET', `${api}/merge_requests/7/diffs`, { token });
    const versions = await send('GET', `${api}/merge_requests/7/versions`, { token });

    expect(mr.body).toMatchObject({
      iid: 7,
      sha: HEAD,
      diff_refs: { base_sha: BASE, start_sha: START, head_sha: HEAD },
      web_url: `${gitlab.url}/acme/platform/app/-/merge_requests/7`,
    });
    expect(diffs.body.map((d: { new_path: string }) => d.new_path)).toEqual([
      'src/app.ts',
      'docs/new.md',
      'src/new-name.ts',
    ]);
    expect(diffs.body[2]).toMatchObject({ old_path: 'src/old-name.ts', renamed_file: true, new_file: false });
    expect(diffs.body[0].diff).toMatch(/^@@ -1,3 \+1,4 @@/);
    expect(versions.body[0]).toMatchObject({
      head_commit_sha: HEAD,
      base_commit_sha: BASE,
      start_commit_sha: START,
    });
    expect(gitlab.violations).toEqual([]);
  });

  it('keeps notes, threads, statuses and commit comments', async () => {
    const token = world.tokens.developer;
    const notes = `${api}/merge_requests/7/notes`;

    const created = await send('POST', notes, { token, json: { body: 'summary' } });
    const edited = await send('PUT', `${notes}/${created.body.id}`, { token, json: { body: 'summary v2' } });
    const read = await send('GET', `${notes}/${created.body.id}`, { token });
    const thread = await send('POST', `${api}/merge_requests/7/discussions`, {
      token,
      json: { body: 'look' },
    });
    const resolved = await send('PUT', `${api}/merge_requests/7/discussions/${thread.body.id}`, {
      token,
      json: { resolved: true },
    });
    const threads = await send('GET', `${api}/merge_requests/7/discussions`, { token });
    const status = await send('POST', `${api}/statuses/${HEAD}`, {
      token,
      json: { state: 'running', name: 'scan', target_url: 'https://scan.example/1', description: 'scanning' },
    });
    const statuses = await send('GET', `${api}/repository/commits/${HEAD}/statuses`, { token });
    const commit = await send('GET', `${api}/repository/commits/${HEAD}`, { token });
    const comment = await send('POST', `${api}/repository/commits/${HEAD}/comments`, {
      token,
      json: { note: 'on a line', path: 'src/app.ts', line: 2, line_type: 'new' },
    });
    const comments = await send('GET', `${api}/repository/commits/${HEAD}/comments`, { token });
    const deleted = await send('DELETE', `${notes}/${created.body.id}`, { token });

    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ body: 'summary', system: false, type: null, noteable_iid: 7 });
    expect(created.body.author).toMatchObject({ username: 'scanner-bot' });
    expect([edited.body.body, read.body.body]).toEqual(['summary v2', 'summary v2']);
    expect(thread.body).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f]{40}$/),
      individual_note: false,
    });
    expect(resolved.body.notes[0]).toMatchObject({
      resolved: true,
      resolved_by: { username: 'scanner-bot' },
    });
    expect(threads.body.map((t: { individual_note: boolean }) => t.individual_note)).toEqual([true, false]);
    expect(status.status).toBe(201);
    expect(status.body).toMatchObject({ sha: HEAD, ref: 'feature-7', status: 'running', name: 'scan' });
    expect(statuses.body).toHaveLength(1);
    expect(commit.body).toMatchObject({ id: HEAD, last_pipeline: { id: status.body.pipeline_id } });
    expect(comment.status).toBe(201);
    expect(comment.body).toMatchObject({ note: 'on a line', path: 'src/app.ts', line: 2, line_type: 'new' });
    expect(comments.body).toHaveLength(1);
    expect(deleted.status).toBe(204);
    expect(gitlab.state.notes(world.project, 7).map((n) => n.type)).toEqual(['DiscussionNote']);
    expect(gitlab.writes()).toHaveLength(7);
    expect(gitlab.violations).toEqual([]);
    expect(gitlab.rejections).toEqual([]);
  });

  it('pages with X-Page, X-Next-Page, X-Total and an absolute Link', async () => {
    const author = gitlab.addUser({ username: 'chatty' });
    for (let i = 0; i < 5; i++) gitlab.addNote(world.project, 7, author, `n${i}`);
    const all = gitlab.state.notes(world.project, 7).length;
    const last = Math.ceil(all / 2);
    const page = (n: number) =>
      send('GET', `${api}/merge_requests/7/notes?per_page=2&page=${n}`, { token: world.tokens.reporter });

    const second = await page(2);
    const final = await page(last);

    expect(second.headers).toMatchObject({
      'x-page': '2',
      'x-per-page': '2',
      'x-next-page': '3',
      'x-prev-page': '1',
      'x-total': String(all),
    });
    expect(second.headers.link).toContain(
      `<${gitlab.url}${api}/merge_requests/7/notes?per_page=2&page=3>; rel="next"`,
    );
    expect(final.headers['x-next-page']).toBe('');
    expect(final.headers.link).not.toContain('rel="next"');
    expect(gitlab.violations).toEqual([]);
  });

  const unauthorized = { message: '401 Unauthorized' };
  const forbidden = { message: '403 Forbidden' };
  it.each([
    ['no token', 'GET', 'notes', 'none', 401, unauthorized],
    [
      'a read_api token writing',
      'POST',
      'notes',
      'developerReadApi',
      403,
      { error: 'insufficient_scope', scope: 'api' },
    ],
    ['a guest on notes', 'GET', 'notes', 'guest', 403, forbidden],
    ['a reporter posting a status', 'POST', 'status', 'reporter', 403, forbidden],
    ['a JOB-TOKEN on notes', 'GET', 'notes', 'job', 401, unauthorized],
    ['a non-member', 'GET', 'notes', 'outsider', 404, { message: '404 Project Not Found' }],
  ] as const)('refuses %s', async (_name, method, target, who, status, body) => {
    const path = target === 'notes' ? `${api}/merge_requests/7/notes` : `${api}/statuses/${HEAD}`;
    const json = method === 'GET' ? undefined : target === 'notes' ? { body: 'x' } : { state: 'success' };
    const token = who === 'none' || who === 'job' ? undefined : world.tokens[who];
    const headers: Record<string, string> = who === 'job' ? { 'job-token': world.tokens.job } : {};

    const answer = await send(method, path, { token, headers, json });

    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject(body);
    expect(answer.headers['ratelimit-limit']).toBeDefined();
    expect(gitlab.violations).toEqual([]);
  });

  it('lets a JOB-TOKEN post a commit status, and refuses revoked and expired tokens', async () => {
    const user = gitlab.addUser({ username: 'leaver' });
    gitlab.addMember(world.project, user, 30);
    const revoked = gitlab.addToken(user, { scopes: ['api'] });
    const expired = gitlab.addToken(user, { scopes: ['api'], expiresAt: '2020-01-01' });
    gitlab.revokeToken(revoked);

    const job = await send('POST', `${api}/statuses/${HEAD}`, {
      headers: { 'job-token': world.tokens.job },
      json: { state: 'pending', name: 'job' },
    });
    const gone = await send('GET', '/api/v4/user', { token: revoked });
    const old = await send('GET', '/api/v4/user', { token: expired });

    expect(job.status).toBe(201);
    expect(gone.body).toEqual({
      error: 'invalid_token',
      error_description: 'Token was revoked. You have to re-authorize from the user.',
    });
    expect([gone.status, old.status]).toEqual([401, 401]);
    expect(old.body.error_description).toMatch(/^Token is expired/);
  });

  it.each([
    ['an unknown query parameter', 'GET', '/merge_requests/7/notes?colour=red', undefined, /'colour' is not/],
    ['an unknown body field', 'POST', '/merge_requests/7/notes', { body: 'x', colour: 'red' }, /colour/],
    [
      'resolved in the query',
      'PUT',
      '/merge_requests/7/discussions/abc?resolved=true',
      undefined,
      /resolved/,
    ],
    ['a state outside the enum', 'POST', `/statuses/${HEAD}`, { state: 'error' }, /allowed values/],
    ['an unencoded project path', 'GET', '/../acme/platform/app', undefined, /no operation/],
  ] as const)('records %s as a violation', async (_name, method, suffix, json, problem) => {
    const before = gitlab.violations.length;

    const answer = await send(method, `${api}${suffix}`, { token: world.tokens.developer, json });

    expect(answer.status).toBe(422);
    expect(gitlab.violations.slice(before).map((v) => v.problems.join('; '))).toEqual([
      expect.stringMatching(problem),
    ]);
  });

  it("records a GitHub-style 'token' Authorization as a guard violation", async () => {
    const before = gitlab.violations.length;

    const answer = await send('GET', '/api/v4/user', {
      headers: { authorization: `token ${world.tokens.developer}` },
    });

    expect(answer.status).toBe(401);
    expect(gitlab.violations.slice(before)).toEqual([
      expect.objectContaining({ kind: 'guard', problems: [expect.stringMatching(/Bearer/)] }),
    ]);
  });
});

describe('fake GitLab under a relative root at a public address', () => {
  let gitlab: FakeGitLab;
  let world: World;
  const client = onceClient();
  let aliased: ReturnType<typeof aliasHost>;

  beforeAll(async () => {
    gitlab = await startFakeGitLab({ basePath: '/gitlab', publicOrigin: 'https://gitlab.example.com' });
    world = seedWorld(gitlab);
    aliased = aliasHost(client, 'https://gitlab.example.com', gitlab.origin);
  });
  afterAll(async () => {
    await gitlab.close();
    await client.close();
  });

  it('serves every path under the root and writes the public address into web_url and Link', async () => {
    const author = gitlab.addUser({ username: 'chatty' });
    for (let i = 0; i < 3; i++) gitlab.addNote(world.project, 7, author, `n${i}`);
    const send = sender(aliased, () => 'https://gitlab.example.com/gitlab');

    const notes = await send(
      'GET',
      `/api/v4/projects/acme%2Fplatform%2Fapp/merge_requests/7/notes?per_page=2`,
      {
        token: world.tokens.developer,
      },
    );
    const mr = await send('GET', `/api/v4/projects/${world.project.id}/merge_requests/7`, {
      token: world.tokens.developer,
    });
    const outside = await send('GET', '/../api/v4/version', { token: world.tokens.developer });

    expect(notes.status).toBe(200);
    expect(notes.headers.link).toContain(
      '<https://gitlab.example.com/gitlab/api/v4/projects/acme%2Fplatform%2Fapp/merge_requests/7/notes?per_page=2&page=2>; rel="next"',
    );
    expect(mr.body.web_url).toBe('https://gitlab.example.com/gitlab/acme/platform/app/-/merge_requests/7');
    expect(gitlab.url).toBe(`${gitlab.origin}/gitlab`);
    expect(gitlab.publicUrl).toBe('https://gitlab.example.com/gitlab');
    expect(outside.status).toBe(422);
    expect(gitlab.violations.map((v) => v.problems.join())).toEqual([
      expect.stringMatching(/outside the API root \/gitlab/),
    ]);
  });
});

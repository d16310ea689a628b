import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGitLab, startFakeGitLab } from './fake-gitlab.js';
import { BASE, HEAD, onceClient, START, seedWorld, sender, type World } from './fake-gitlab.test-kit.js';

/** GitLab's business rules the description cannot say: where a thread may sit, status transitions, limits. */

const http = onceClient();
const NO_LINE_CODE = `400 Bad request - Note {:line_code=>["can't be blank", "must be a valid line code"]}`;

afterAll(() => http.close());

describe('fake GitLab business rules', () => {
  let gitlab: FakeGitLab;
  let world: World;
  let api: string;
  const send = sender(http, () => gitlab.url);
  const refs = { position_type: 'text', base_sha: BASE, start_sha: START, head_sha: HEAD };
  const thread = (position: Record<string, unknown>, token = world.tokens.reporter) =>
    send('POST', `${api}/merge_requests/7/discussions`, { token, json: { body: 'finding', position } });

  beforeAll(async () => {
    gitlab = await startFakeGitLab();
    world = seedWorld(gitlab);
    api = `/api/v4/projects/${world.project.id}`;
  });
  afterAll(() => gitlab.close());

  it.each([
    ['an added line (new_line only)', { old_path: 'src/app.ts', new_path: 'src/app.ts', new_line: 2 }],
    [
      'a context line (both, shifted)',
      { old_path: 'src/app.ts', new_path: 'src/app.ts', old_line: 3, new_line: 4 },
    ],
    ['a removed line (old_line only)', { old_path: 'src/app.ts', new_path: 'src/app.ts', old_line: 2 }],
    [
      'a line of a new file (old_path = new_path)',
      { old_path: 'docs/new.md', new_path: 'docs/new.md', new_line: 1 },
    ],
    ['a line of a renamed file', { old_path: 'src/old-name.ts', new_path: 'src/new-name.ts', new_line: 11 }],
  ])('starts a thread on %s', async (_name, lines) => {
    const answer = await thread({ ...refs, ...lines });

    expect(answer.status).toBe(201);
    expect(answer.body.notes[0]).toMatchObject({
      type: 'DiffNote',
      resolvable: true,
      resolved: false,
      position: { ...refs, ...lines },
    });
    expect(gitlab.violations).toEqual([]);
  });

  it.each([
    ['a context line named by new_line only', { new_path: 'src/app.ts', new_line: 4 }],
    ['a line outside the hunks', { new_path: 'src/app.ts', new_line: 40 }],
    ['a file not in the diff', { new_path: 'README.md', new_line: 1 }],
    [
      'the wrong old_path of a renamed file',
      { old_path: 'src/new-name.ts', new_path: 'src/new-name.ts', new_line: 11 },
    ],
    [
      'a head_sha that is not the diff head',
      { new_path: 'src/app.ts', new_line: 2, head_sha: 'e'.repeat(40) },
    ],
    ['the target branch head as start_sha', { new_path: 'src/app.ts', new_line: 2, start_sha: BASE }],
  ])('refuses a thread on %s with GitLab 400', async (_name, lines) => {
    const before = gitlab.rejections.length;

    const answer = await thread({ ...refs, ...lines });

    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ message: NO_LINE_CODE });
    expect(gitlab.rejections.slice(before)).toHaveLength(1);
    expect(gitlab.violations).toEqual([]);
  });

  it('keeps an older version placeable after a push, and diffs against the newest', async () => {
    const newHead = 'f'.repeat(40);
    gitlab.addMergeRequest(world.project, {
      iid: 7,
      baseSha: BASE,
      startSha: START,
      headSha: newHead,
      files: [{ path: 'src/app.ts', diff: '@@ -1,1 +1,2 @@\n import a\n+import b\n' }],
    });

    const old = await thread({ ...refs, new_path: 'src/app.ts', new_line: 3 });
    const current = await thread({ ...refs, head_sha: newHead, new_path: 'src/app.ts', new_line: 2 });
    const mr = await send('GET', `${api}/merge_requests/7`, { token: world.tokens.reporter });
    const versions = await send('GET', `${api}/merge_requests/7/versions`, { token: world.tokens.reporter });

    expect([old.status, current.status]).toEqual([201, 201]);
    expect(mr.body.diff_refs.head_sha).toBe(newHead);
    expect(versions.body.map((v: { head_commit_sha: string }) => v.head_commit_sha)).toEqual([newHead, HEAD]);
  });

  it('lets only a developer or the MR author resolve; only the author (or a maintainer) edit a note', async () => {
    const created = await thread({ ...refs, new_path: 'src/app.ts', new_line: 2 });
    const note = created.body.notes[0].id;

    const byReporter = await send('PUT', `${api}/merge_requests/7/discussions/${created.body.id}`, {
      token: world.tokens.reporter,
      json: { resolved: true },
    });
    const editByOther = await send('PUT', `${api}/merge_requests/7/notes/${note}`, {
      token: world.tokens.developer,
      json: { body: 'mine now' },
    });
    const deleteByOther = await send('DELETE', `${api}/merge_requests/7/notes/${note}`, {
      token: world.tokens.developer,
    });
    const byDeveloper = await send('PUT', `${api}/merge_requests/7/discussions/${created.body.id}`, {
      token: world.tokens.developer,
      json: { resolved: true },
    });

    expect([byReporter.status, editByOther.status, deleteByOther.status]).toEqual([403, 403, 403]);
    expect(byReporter.body).toEqual({ message: '403 Forbidden' });
    expect(byDeveloper.body.notes[0]).toMatchObject({ resolved: true });
    expect(gitlab.violations).toEqual([]);
  });

  it('limits a note to 1,000,000 characters', async () => {
    const notes = `${api}/merge_requests/7/notes`;

    const atLimit = await send('POST', notes, {
      token: world.tokens.reporter,
      json: { body: 'x'.repeat(1_000_000) },
    });
    const over = await send('POST', notes, {
      token: world.tokens.reporter,
      json: { body: 'x'.repeat(1_000_001) },
    });
    const editOver = await send('PUT', `${notes}/${atLimit.body.id}`, {
      token: world.tokens.reporter,
      json: { body: 'é'.repeat(1_000_001) },
    });

    expect(atLimit.status).toBe(201);
    expect(over.status).toBe(400);
    expect(over.body).toEqual({
      message: '400 Bad request - Note {:note=>["is too long (maximum is 1000000 characters)"]}',
    });
    expect(editOver.body.message).toMatch(/^400 Bad request - Failed to save note \{:note=>\["is too long/);
    expect(gitlab.violations).toEqual([]);
  });

  it('moves a status through GitLab’s state machine and refuses a transition to the same state', async () => {
    const post = (state: string, extra: Record<string, unknown> = {}) =>
      send('POST', `${api}/statuses/${HEAD}`, {
        token: world.tokens.developer,
        json: { state, name: 'gate', ...extra },
      });

    const answers = [];
    for (const state of ['pending', 'pending', 'running', 'running', 'success', 'success'])
      answers.push(await post(state));
    const tooLong = await post('failed', { description: 'x'.repeat(256) });
    const latest = await send('GET', `${api}/repository/commits/${HEAD}/statuses?name=gate`, {
      token: world.tokens.reporter,
    });
    const all = await send('GET', `${api}/repository/commits/${HEAD}/statuses?name=gate&all=true`, {
      token: world.tokens.reporter,
    });
    const unknown = await send('POST', `${api}/statuses/${'0'.repeat(40)}`, {
      token: world.tokens.developer,
      json: { state: 'success' },
    });

    expect(answers.map((a) => a.status)).toEqual([201, 400, 201, 400, 201, 201]);
    expect(answers[1]?.body.message).toBe(
      'Cannot transition status via :enqueue from :pending (Reason(s): Status cannot transition via "enqueue")',
    );
    expect(answers[3]?.body.message).toMatch(/^Cannot transition status via :run from :running/);
    expect(tooLong.body).toEqual({ message: { description: ['is too long (maximum is 255 characters)'] } });
    expect(latest.body).toHaveLength(1);
    expect(all.body.map((s: { status: string }) => s.status)).toEqual(['success', 'success']);
    expect(unknown.body).toEqual({ message: '404 Commit Not Found' });
    expect(gitlab.violations).toEqual([]);
  });

  it('keeps a commit comment off the diff as a comment on the whole commit', async () => {
    const answer = await send('POST', `${api}/repository/commits/${HEAD}/comments`, {
      token: world.tokens.reporter,
      json: { note: 'elsewhere', path: 'src/app.ts', line: 99, line_type: 'new' },
    });

    expect(answer.body).toMatchObject({ note: 'elsewhere', path: null, line: null, line_type: null });
    expect(gitlab.violations).toEqual([]);
  });

  it('answers 429 with Retry-After once the rate limit is spent', async () => {
    gitlab.rateLimit.remaining = 1;

    const last = await send('GET', '/api/v4/version', { token: world.tokens.reporter });
    const throttled = await send('GET', '/api/v4/version', { token: world.tokens.reporter });
    gitlab.rateLimit.remaining = 2000;

    expect(last.headers['ratelimit-remaining']).toBe('0');
    expect(throttled.status).toBe(429);
    expect(throttled.body).toBe('Retry later\n');
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('fake GitLab random faults', () => {
  const run = async (seed: number) => {
    const gitlab = await startFakeGitLab();
    const world = seedWorld(gitlab);
    const send = sender(http, () => gitlab.url);
    const tally = gitlab.injectRandomFaults({ rate: 0.25, seed });
    const answers: { method: string; status: number }[] = [];
    for (let i = 0; i < 300; i++) {
      const method = i % 2 === 0 ? 'POST' : 'GET';
      const json = method === 'POST' ? { body: `note ${i}` } : undefined;
      const answer = await send(method, `/api/v4/projects/${world.project.id}/merge_requests/7/notes`, {
        token: world.tokens.reporter,
        json,
      });
      answers.push({ method, status: answer.status });
    }
    await gitlab.close();
    return { gitlab, world, tally, answers };
  };

  it('fails a seeded share the same way every time; 409 only on POST; a 500 after the write keeps it', async () => {
    const first = await run(7);
    const second = await run(7);

    expect(first.answers).toEqual(second.answers);
    expect(first.tally.injected / 300).toBeGreaterThan(0.18);
    expect(first.tally.injected / 300).toBeLessThan(0.32);
    expect(first.answers.filter((a) => a.status === 409 && a.method === 'GET')).toEqual([]);
    expect(Object.keys(first.tally.byKind).sort()).toEqual([
      '409 Resource lock',
      '429 Retry-After and RateLimit',
      '429 without headers',
      '500 after the write',
      '502',
      '503',
    ]);
    const refusedPosts = first.gitlab.exchanges.filter(
      (e) => e.method === 'POST' && e.injected && !e.applied,
    );
    expect(first.gitlab.state.notes(first.world.project, 7)).toHaveLength(150 - refusedPosts.length);
    expect(first.gitlab.violations).toEqual([]);
  });
});

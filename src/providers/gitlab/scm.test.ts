import { describe, expect, it } from 'vitest';
import { commentMarker } from '../../annotations/markdown.js';
import { createEgressPolicy, createHttpClient } from '../../net/index.js';
import type { ScmCheckRunAnnotation } from '../../plugins/contracts.js';
import { checkRunMarkerKey } from './check-runs.js';
import { HEAD, TARGET, useGitLab } from './gitlab.test-kit.js';

const h = useGitLab();
const { owner, repository, pullRequestNumber } = TARGET;

describe('the summary note', () => {
  it('is created, left alone when unchanged, and updated in place', async () => {
    const writes = () => h.gitlab.writes().length;
    const before = writes();

    const created = await h.client().postComment({ owner, repository, pullRequestNumber, body: 'first' });
    expect(created).toMatchObject({ success: true, result: { action: 'created' } });
    expect(created.result?.url).toBe(
      `${h.gitlab.url}/acme/platform/app/-/merge_requests/7#note_${created.result?.commentId}`,
    );

    const again = await h.client().postComment({ owner, repository, pullRequestNumber, body: 'first' });
    expect(again.result).toMatchObject({ action: 'unchanged', commentId: created.result?.commentId });
    const changed = await h.client().postComment({ owner, repository, pullRequestNumber, body: 'second' });
    expect(changed.result).toMatchObject({ action: 'updated', commentId: created.result?.commentId });

    expect(writes() - before).toBe(2);
    const ours = h.gitlab.state.notes(h.project, 7).filter((note) => note.author.id === h.bot.id);
    expect(ours.map((note) => note.body)).toEqual([`${commentMarker('default')}\nsecond`]);
  });

  it('never touches a note of someone else that carries our marker, and finds ours past the first page', async () => {
    const alice = h.gitlab.addUser({ username: 'mallory' });
    h.gitlab.addMember(h.project, alice, 30);
    h.gitlab.addNote(h.project, 7, alice, `${commentMarker('scanner:x')}\nfake results`);
    const first = await h.client().postComment({
      owner,
      repository,
      pullRequestNumber,
      body: `${commentMarker('scanner:x')}\nreal results`,
    });
    expect(first.result?.action).toBe('created');
    for (let n = 0; n < 120; n++) h.gitlab.addNote(h.project, 7, alice, `chatter ${n}`);

    const again = await h.client().postComment({
      owner,
      repository,
      pullRequestNumber,
      body: `${commentMarker('scanner:x')}\nreal results, updated`,
    });
    expect(again.result).toMatchObject({ action: 'updated', commentId: first.result?.commentId });
    const marked = h.gitlab.state.notes(h.project, 7).filter((note) => note.body.includes('scanner:x'));
    expect(marked.map((note) => [note.author.username, note.body.split('\n')[1]])).toEqual([
      ['mallory', 'fake results'],
      ['scanner-bot', 'real results, updated'],
    ]);
  });

  it('cuts a body over 1,000,000 characters to fit, closing its markdown', async () => {
    const body = `<details><summary>all</summary>\n\n${'x'.repeat(120)}\n`.repeat(9_000);
    const result = await h
      .client()
      .postComment({ owner, repository, pullRequestNumber, body, updateExisting: false });
    expect(result.success).toBe(true);
    const note = h.gitlab.state
      .notes(h.project, 7)
      .find((candidate) => String(candidate.id) === result.result?.commentId);
    expect([...(note?.body ?? '')].length).toBeLessThanOrEqual(1_000_000);
    expect(note?.body).toMatch(/<\/details>\n*\n---\n_Cut to fit GitLab's limit of 1,000,000 characters/);
  });

  it('refuses to change a note by someone else named by commentId', async () => {
    const other = h.gitlab.addNote(h.project, 7, h.gitlab.addUser({ username: 'bob' }), 'mine');
    const result = await h
      .client()
      .postComment({ owner, repository, pullRequestNumber, body: 'x', commentId: String(other.id) });
    expect(result).toMatchObject({ success: false, isTransient: false });
    expect(result.errorMessage).toMatch(/written by someone else/);
  });
});

describe('commit statuses', () => {
  it('set once, unchanged when the same, updated when not, on the latest pipeline', async () => {
    const sha = 'e'.repeat(40);
    h.gitlab.addCommit(h.project, sha);
    const pipeline = h.gitlab.addPipeline(h.project, sha, { status: 'running' });
    const status = {
      owner,
      repository,
      commitSha: sha,
      context: 'security/scan',
      description: 'Scanning',
    } as const;

    expect((await h.client().postStatus({ ...status, state: 'pending' })).result?.action).toBe('created');
    expect((await h.client().postStatus({ ...status, state: 'pending' })).result?.action).toBe('unchanged');
    const done = await h
      .client()
      .postStatus({ ...status, state: 'failure', description: `Failed: ${'x'.repeat(300)}` });
    expect(done.result?.action).toBe('updated');

    // GitLab moves a status that has not finished to its new state in place.
    const posted = h.gitlab.state.statuses(h.project, sha);
    expect(posted.map((entry) => [entry.name, entry.status, entry.pipelineId])).toEqual([
      ['security/scan', 'failed', pipeline.id],
    ]);
    expect([...(posted[0]?.description ?? '')].length).toBe(255);
  });

  it('is a permanent failure naming the role when the token cannot set statuses', async () => {
    const reporter = h.gitlab.addUser({ username: 'reporter-2' });
    h.gitlab.addMember(h.project, reporter, 20);
    const token = h.gitlab.addToken(reporter, { scopes: ['api'] });
    const result = await h
      .client({ token })
      .postStatus({ owner, repository, commitSha: HEAD, state: 'success', context: 'c' });
    expect(result).toMatchObject({ success: false, isTransient: false, skippedOffline: false });
    expect(result.errorMessage).toMatch(/^setting the commit status: GitLab forbade it \(403\)/);
  });

  it('reports an unknown commit as not found', async () => {
    const result = await h
      .client()
      .postStatus({ owner, repository, commitSha: 'f'.repeat(40), state: 'success', context: 'c' });
    expect(result).toMatchObject({ success: false, isTransient: false });
    expect(result.errorMessage).toMatch(/not found \(404\)/);
  });
});

describe('check runs, emulated', () => {
  const annotations: ScmCheckRunAnnotation[] = [
    {
      path: 'src/app.ts',
      startLine: 2,
      endLine: 2,
      annotationLevel: 'failure',
      message: 'SQL injection | <script>',
      title: 'CWE-89',
    },
    { path: 'docs/read me.md', startLine: 1, endLine: 3, annotationLevel: 'notice', message: 'typo' },
  ];

  const run = (headSha: string, summary = '## 2 findings\nmore') => ({
    owner,
    repository,
    headSha,
    name: 'Security scan',
    conclusion: 'failure',
    summary,
    annotations,
  });
  const reports = (notes: readonly { body?: string | null; note?: string | null }[]) =>
    notes
      .map((entry) => entry.body ?? entry.note ?? '')
      .filter((text) => text.startsWith(commentMarker(checkRunMarkerKey('Security scan'))));

  it('on a merge request’s head: a status named after the run, and one note on the merge request kept up to date', async () => {
    const first = await h.client().createCheckRun(run(HEAD));
    expect(first).toMatchObject({ success: true, result: { annotationsPosted: 2 } });

    const status = h.gitlab.state.statuses(h.project, HEAD).filter((entry) => entry.name === 'Security scan');
    expect(status.map((entry) => [entry.status, entry.description])).toEqual([['failed', '2 findings']]);
    expect(reports(h.gitlab.state.commitComments(h.project, HEAD))).toEqual([]);
    const [note = ''] = reports(h.gitlab.state.notes(h.project, 7));
    expect(note).toContain('### Security scan: failed');
    expect(note).toContain(`[src/app.ts:2](${h.gitlab.url}/acme/platform/app/-/blob/${HEAD}/src/app.ts#L2)`);
    expect(note).toContain('SQL injection &#124; &lt;script&gt;');
    expect(note).toContain(`/blob/${HEAD}/docs/read%20me.md#L1`);

    const writes = h.gitlab.writes().length;
    const again = await h.client().createCheckRun(run(HEAD));
    expect(again.result?.action).toBe('unchanged');
    expect(h.gitlab.writes().length).toBe(writes);

    const changed = await h.client().createCheckRun(run(HEAD, '## 1 finding'));
    expect(changed.result?.action).toBe('updated');
    const after = reports(h.gitlab.state.notes(h.project, 7));
    expect(after).toHaveLength(1);
    expect(after[0]).toContain('1 finding');
  });

  it('on a commit no open merge request ends at: one commit comment, not repeated', async () => {
    const lone = 'c'.repeat(40);
    h.gitlab.addCommit(h.project, lone);

    await h.client().createCheckRun(run(lone));
    const writes = h.gitlab.writes().length;
    const again = await h.client().createCheckRun(run(lone));

    const comments = reports(h.gitlab.state.commitComments(h.project, lone));
    expect(comments).toHaveLength(1);
    expect(comments[0]).toContain('### Security scan: failed');
    expect(again.result?.action).toBe('unchanged');
    expect(h.gitlab.writes().length).toBe(writes);
  });

  it.each([
    [{ status: 'queued' }, 'pending'],
    [{ status: 'in_progress' }, 'running'],
    [{ conclusion: 'success' }, 'success'],
    [{ conclusion: 'neutral' }, 'success'],
    [{ conclusion: 'skipped' }, 'skipped'],
    [{ conclusion: 'cancelled' }, 'canceled'],
    [{ conclusion: 'timed_out' }, 'failed'],
  ])('maps %j to %s', async (fields, state) => {
    const sha = `${Object.values(fields)[0]}`
      .padEnd(40, '0')
      .replace(/[^0-9a-f]/g, 'a')
      .slice(0, 40);
    h.gitlab.addCommit(h.project, sha);
    const result = await h
      .client()
      .createCheckRun({ owner, repository, headSha: sha, name: 'gate', ...fields });
    expect(result.success).toBe(true);
    expect(h.gitlab.state.statuses(h.project, sha).map((entry) => entry.status)).toEqual([state]);
  });
});

describe('inline discussions', () => {
  const finding = (path: string, line: number, message = `finding at ${line}`): ScmCheckRunAnnotation => ({
    path,
    startLine: line,
    endLine: line,
    annotationLevel: 'warning',
    message,
    title: 'Rule',
  });

  it('opens discussions on added lines only, renamed files by their old path, and never twice', async () => {
    const findings = [
      finding('src/app.ts', 2),
      finding('./src/app.ts', 3),
      finding('src/app.ts', 1),
      finding('src/new-name.ts', 11),
      finding('other.ts', 5),
    ];
    const result = await h.client().postInlineComments({ ...TARGET, findings, markerKey: 'inline:test' });

    expect(result.success).toBe(true);
    expect(result.result?.posted).toBe(3);
    expect(result.result?.fallback.map((item) => `${item.path}:${item.startLine}`)).toEqual([
      'src/app.ts:1',
      'other.ts:5',
    ]);
    const positions = h.gitlab.state
      .discussions(h.project, 7)
      .flat()
      .filter((note) => note.body.includes('inline:test'))
      .map((note) => [note.position?.old_path, note.position?.new_path, note.position?.new_line]);
    expect(positions).toEqual([
      ['src/app.ts', 'src/app.ts', 2],
      ['src/app.ts', 'src/app.ts', 3],
      ['src/old-name.ts', 'src/new-name.ts', 11],
    ]);

    const again = await h.client().postInlineComments({ ...TARGET, findings, markerKey: 'inline:test' });
    expect(again.result).toMatchObject({ posted: 0, unchanged: 3 });
  });

  it('resolves its own open threads whose finding is gone, once, and no one else’s', async () => {
    const post = (findings: ScmCheckRunAnnotation[], markerKey = 'inline:resolve') =>
      h.client().postInlineComments({ ...TARGET, findings, markerKey });
    const ours = () =>
      h.gitlab.state
        .discussions(h.project, 7)
        .map((notes) => notes[0]!)
        .filter((note) => note.body.includes('inline:resolve'))
        .map((note) => [note.position?.new_line, note.resolved]);
    await post([finding('src/app.ts', 2, 'other scanner')], 'inline:other');
    await post([finding('src/app.ts', 2, 'kept'), finding('src/app.ts', 3, 'fixed later')]);

    const fixedOne = await post([finding('src/app.ts', 2, 'kept')]);
    const again = await post([finding('src/app.ts', 2, 'kept')]);
    const allFixed = await post([]);

    expect(fixedOne.result).toMatchObject({ posted: 0, unchanged: 1, resolved: 1 });
    expect(again.result?.resolved).toBeUndefined();
    expect(allFixed.result).toMatchObject({ posted: 0, resolved: 1 });
    expect(ours()).toEqual([
      [2, true],
      [3, true],
    ]);
    const other = h.gitlab.state
      .discussions(h.project, 7)
      .map((notes) => notes[0]!)
      .find((note) => note.body.includes('inline:other'));
    expect(other?.resolved).toBe(false);
  });

  it('uses the caller’s changed lines when given, and falls back when GitLab refuses a line', async () => {
    const result = await h.client().postInlineComments({
      ...TARGET,
      findings: [finding('src/app.ts', 3, 'kept'), finding('src/app.ts', 4, 'refused')],
      markerKey: 'inline:given',
      // Line 4 is a context line: GitLab wants its old line too, so it refuses a new line alone.
      changedLines: [{ path: 'src/app.ts', lines: [3, 4] }],
    });
    expect(result.result?.posted).toBe(1);
    expect(result.result?.fallback.map((item) => item.message)).toEqual(['refused']);
  });

  it('sends nothing when the merge request has moved on from the findings’ commit', async () => {
    const writes = h.gitlab.writes().length;
    const result = await h
      .client()
      .postInlineComments({ ...TARGET, commitSha: 'a'.repeat(40), findings: [finding('src/app.ts', 2)] });
    expect(result.result).toMatchObject({
      posted: 0,
      fallback: [expect.objectContaining({ path: 'src/app.ts' })],
    });
    expect(h.gitlab.writes().length).toBe(writes);
  });
});

describe('failures', () => {
  it('a 503 is a transient failure, and a note that may have been written is not sent again', async () => {
    const writes = h.gitlab.writes().length;
    const notes = h.gitlab.state.notes(h.project, 7).length;
    h.gitlab.inject({
      match: (request) => request.method === 'POST',
      response: { status: 503, body: { message: '503 Service Unavailable' } },
    });
    const result = await h
      .client()
      .postComment({ owner, repository, pullRequestNumber, body: 'x', updateExisting: false });
    h.gitlab.clearFaults();
    expect(result).toMatchObject({ success: false, isTransient: true });
    expect(result.errorMessage).toMatch(/^posting the note: GitLab request failed \(HTTP 503\)/);
    expect(h.gitlab.writes().length - writes).toBe(1);
    expect(h.gitlab.state.notes(h.project, 7).length).toBe(notes);
  });

  it('sends a write again after GitLab’s 409 "Resource lock", which wrote nothing', async () => {
    const notes = h.gitlab.state.notes(h.project, 7).length;
    h.gitlab.inject({
      match: (request) => request.method === 'POST',
      response: { status: 409, body: { message: 'Resource lock' } },
      times: 1,
    });
    const result = await h
      .client()
      .postComment({ owner, repository, pullRequestNumber, body: 'after a lock', updateExisting: false });
    expect(result).toMatchObject({ success: true, result: { action: 'created' } });
    expect(h.gitlab.state.notes(h.project, 7).length).toBe(notes + 1);
  });

  it('offline, nothing is sent and the result says so', async () => {
    const offline = createHttpClient({
      policy: createEgressPolicy({ allowPrivateNetworks: true, allowlist: [], allowAnyPort: true }),
      offline: true,
    });
    const requests = h.gitlab.requests().length;
    const result = await h
      .client({ http: offline })
      .postStatus({ owner, repository, commitSha: HEAD, state: 'success', context: 'c' });
    expect(result).toMatchObject({
      success: false,
      skippedOffline: true,
      errorMessage: 'offline mode: nothing was sent to GitLab',
    });
    expect(h.gitlab.requests().length).toBe(requests);
  });
});

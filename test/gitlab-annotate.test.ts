import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGitLab, startFakeGitLab } from './fakes/gitlab/fake-gitlab.js';
import type { FakeProject } from './fakes/gitlab/state.js';
import { startTestApp, type TestApp } from './support/app.js';
import { testDatabaseTargets } from './support/databases.js';

/**
 * The `gitlab` provider end to end, through the public API on both databases: a token stored as a
 * secret, a GitLab integration, its connection test, and a real scanner's SARIF annotated onto a merge
 * request (summary note, commit status, emulated check run, inline discussions) twice, the second time
 * writing nothing; every request held to GitLab's own OpenAPI description by the fake.
 */

const targets = await testDatabaseTargets();
const HEAD = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';
const SARIF = JSON.parse(
  readFileSync(new URL('./fixtures/sarif/gosec-cwe-taxonomy-fixes.sarif', import.meta.url), 'utf8'),
) as {
  runs: {
    results: {
      locations?: {
        physicalLocation?: { artifactLocation?: { uri?: string }; region?: { startLine?: number } };
      }[];
    }[];
  }[];
};

/** The files and lines gosec reported, as added lines of the merge request's diff. */
function diffOfFindings(): { path: string; diff: string }[] {
  const lines = new Map<string, Set<number>>();
  for (const result of SARIF.runs[0]?.results ?? []) {
    const location = result.locations?.[0]?.physicalLocation;
    const path = location?.artifactLocation?.uri;
    const line = location?.region?.startLine;
    if (!path || !line) continue;
    lines.set(path, new Set([...(lines.get(path) ?? []), line]));
  }
  return [...lines].map(([path, found]) => {
    const last = Math.max(...found);
    // A new file: every line added, so every finding is on the diff.
    const body = Array.from({ length: last }, (_, index) => `+line ${index + 1}`).join('\n');
    return { path, diff: `@@ -0,0 +1,${last} @@\n${body}\n` };
  });
}

describe.each(targets)('GitLab through the API ($dialect)', (target) => {
  let gitlab: FakeGitLab;
  let project: FakeProject;
  let t: TestApp;
  let id: string;

  beforeAll(async () => {
    if (!target.available) return;
    gitlab = await startFakeGitLab();
    const bot = gitlab.addUser({ username: 'scanner-bot', bot: true });
    project = gitlab.addProject({ path: 'acme/platform/shop' });
    gitlab.addMember(project, bot, 30);
    gitlab.addCommit(project, HEAD);
    gitlab.addMergeRequest(project, {
      iid: 12,
      baseSha: 'b'.repeat(40),
      headSha: HEAD,
      files: diffOfFindings().map(({ path, diff }) => ({ path, newFile: true, diff })),
    });
    t = await startTestApp(target, { config: { allowPrivateNetworks: true, egressAllowAnyPort: true } });
    const secret = await t.request({
      method: 'POST',
      url: '/api/v1/secrets',
      payload: { name: 'gitlab-token', value: gitlab.addToken(bot, { scopes: ['api'] }) },
    });
    const created = await t.request({
      method: 'POST',
      url: '/api/v1/integrations',
      payload: {
        name: 'gitlab',
        type: 'scm',
        provider: 'gitlab',
        endpoint: gitlab.url,
        authRef: secret.body.authRef,
        config: { repositories: ['acme/platform/shop'] },
      },
    });
    expect(created.status).toBe(201);
    id = created.body.id;
  }, 60_000);
  afterAll(async () => {
    await t?.dispose();
    await gitlab?.close();
  });

  it.skipIf(!target.available)('tests the connection', async () => {
    const tested = await t.request({ method: 'POST', url: `/api/v1/integrations/${id}/test` });
    expect(tested.body).toMatchObject({
      success: true,
      message: expect.stringMatching(/connected to GitLab/),
    });
    expect(tested.body.checks.map((check: { name: string }) => check.name)).toEqual([
      'reachable',
      'authenticated',
      'token',
      'version',
      'project acme/platform/shop',
    ]);
  });

  it.skipIf(!target.available)('annotates a merge request, and a second run writes nothing', async () => {
    const annotate = () =>
      t.request({
        method: 'POST',
        url: `/api/v1/integrations/${id}/scm/annotate`,
        payload: {
          owner: 'acme/platform',
          repository: 'shop',
          pullRequestNumber: 12,
          commitSha: HEAD,
          sarif: SARIF,
          operations: ['comment', 'status', 'checkRun', 'inline'],
        },
      });

    const first = await annotate();
    expect(first.status).toBe(200);
    expect(first.body.outcome).toBe('fail');
    expect(
      first.body.operations.map((entry: { operation: string; result: { success: boolean } }) => [
        entry.operation,
        entry.result.success,
      ]),
    ).toEqual([
      ['comment', true],
      ['status', true],
      ['checkRun', true],
      ['inline', true],
    ]);
    const notes = gitlab.state.notes(project, 12);
    // The summary note and the check run's report, each kept in place on the merge request.
    expect(notes.filter((note) => !note.type)).toHaveLength(2);
    expect(notes.filter((note) => note.type === 'DiffNote').length).toBeGreaterThan(0);
    expect(gitlab.state.statuses(project, HEAD).map((status) => [status.name, status.status])).toEqual(
      expect.arrayContaining([
        ['security/scan', 'failed'],
        ['Security scan', 'failed'],
      ]),
    );
    expect(gitlab.state.commitComments(project, HEAD)).toHaveLength(0);

    const writes = gitlab.writes().length;
    const second = await annotate();
    expect(second.status).toBe(200);
    expect(
      second.body.operations.map(
        (entry: { result: { result?: { action?: string } } }) => entry.result.result?.action,
      ),
    ).toEqual(['unchanged', 'unchanged', 'unchanged', 'unchanged']);
    expect(gitlab.writes().length).toBe(writes);
    expect(gitlab.violations).toEqual([]);
  });
});

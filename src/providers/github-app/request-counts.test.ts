import { describe, expect, it } from 'vitest';
import { commentMarker } from '../../annotations/markdown.js';
import type { GitHubCheckRunAnnotation } from './check-runs.js';
import { TARGET, useHarness } from './github-app.test-kit.js';

/**
 * Requests counted at the fake: each operation takes the fewest GitHub allows, a repeat writes nothing,
 * and concurrent calls for one pull request leave one comment. The integration names its installation and
 * the App's slug, so the only request besides the operation's own is the installation token (one per
 * plugin instance, then cached).
 */

/** GitHub takes at most 50 annotations per create or update request. */
const PER_REQUEST = 50;

/**
 * The least writes for a check run of `n` annotations: the create carries the first 50 (and the conclusion
 * when that is all), each update 50 more, and the last update carries the conclusion. Never fewer than one.
 */
const checkRunWrites = (n: number) => Math.max(1, Math.ceil(n / PER_REQUEST));
/** The one read an `ensure` needs: the latest run of that name on the commit (is it already there?). */
const CHECK_RUN_READS = 1;
/** The installation token, once per plugin instance. */
const TOKEN = 1;

const config = { installationId: 100, appSlug: 'scan-bot' };
const annotation = (i: number): GitHubCheckRunAnnotation => ({
  path: `src/file-${i % 13}.ts`,
  startLine: (i % 900) + 1,
  endLine: (i % 900) + 1,
  annotationLevel: i % 3 === 0 ? 'failure' : 'warning',
  message: `finding ${i}`,
});
const run = (n: number) => ({
  owner: TARGET.owner,
  repository: TARGET.repository,
  headSha: TARGET.commitSha,
  name: 'Security scan',
  conclusion: n === 0 ? 'success' : 'failure',
  summary: `${n} findings`,
  annotations: Array.from({ length: n }, (_, i) => annotation(i)),
});
const comment = (text: string) => ({ ...TARGET, body: `${commentMarker('scan')}\n${text}` });

const h = useHarness();

describe('github_app request counts', () => {
  it.each([0, 1, 50, 51, 1_000, 5_000])(
    '%i annotations: max(1, ceil(n / 50)) writes, 1 read, and nothing written the second time',
    async (n) => {
      const client = h().client(config);
      const input = run(n);

      const first = await client.createCheckRun(input);
      const firstRequests = h().github.exchanges.length;
      const firstWrites = h().github.writes();
      const second = await client.createCheckRun(input);

      expect(first.result).toMatchObject({ annotationsPosted: n, action: 'created' });
      expect(firstWrites).toHaveLength(checkRunWrites(n));
      expect(firstRequests).toBe(TOKEN + CHECK_RUN_READS + checkRunWrites(n));
      const sizes = firstWrites.map(
        (w) => (w.body as { output: { annotations: unknown[] } }).output.annotations.length,
      );
      expect(sizes.every((size) => size <= PER_REQUEST)).toBe(true);
      expect(sizes.slice(0, -1).every((size) => size === PER_REQUEST)).toBe(true);
      expect(firstWrites.at(-1)?.body).toMatchObject({ status: 'completed', conclusion: input.conclusion });
      const stored = h().github.state.checkRuns;
      expect(stored).toHaveLength(1);
      expect(stored[0]?.annotations.map((a) => a.message)).toEqual(input.annotations.map((a) => a.message));
      expect(stored[0]).toMatchObject({ status: 'completed', conclusion: input.conclusion });

      expect(second.result).toMatchObject({ checkRunId: first.result?.checkRunId, action: 'unchanged' });
      expect(h().github.exchanges.length - firstRequests).toBe(CHECK_RUN_READS);
      expect(h().github.writes()).toHaveLength(checkRunWrites(n));
    },
  );

  it('comment: one list and one create; the same body again is one list and no write', async () => {
    const client = h().client(config);

    await client.postComment(comment('2 findings'));
    const first = h().github.exchanges.map((e) => e.operationId);
    await client.postComment(comment('2 findings'));

    expect(first).toEqual([
      'apps/create-installation-access-token',
      'issues/list-comments',
      'issues/create-comment',
    ]);
    expect(
      h()
        .github.exchanges.slice(first.length)
        .map((e) => e.operationId),
    ).toEqual(['issues/list-comments']);
  });

  it('status: one read and one write; the same status again is one read and no write', async () => {
    const client = h().client(config);
    const status = { ...TARGET, state: 'failure' as const, context: 'security/scan', description: '1 high' };

    await client.postStatus(status);
    const first = h().github.exchanges.map((e) => e.operationId);
    await client.postStatus(status);

    expect(first).toEqual([
      'apps/create-installation-access-token',
      'repos/get-combined-status-for-ref',
      'repos/create-commit-status',
    ]);
    expect(
      h()
        .github.exchanges.slice(first.length)
        .map((e) => e.operationId),
    ).toEqual(['repos/get-combined-status-for-ref']);
  });
});

describe('github_app concurrent calls for one pull request', () => {
  it('leaves exactly one comment when two calls race (Promise.all)', async () => {
    const client = h().client(config);

    const results = await Promise.all([
      client.postComment(comment('from call a')),
      client.postComment(comment('from call b')),
    ]);

    expect(results.map((r) => r.success)).toEqual([true, true]);
    expect(results.map((r) => r.result?.action).sort()).toEqual(['created', 'updated']);
    expect(h().github.state.comments).toHaveLength(1);
    expect(h().github.writes('issues/create-comment')).toHaveLength(1);
  });

  it('leaves exactly one comment when two integrations of the same App race on the same pull request', async () => {
    const a = h().client(config);
    const b = h().client(config, { id: 'int-2', name: 'github-again', authRef: 'authref://local/other' });

    const results = await Promise.all([
      a.postComment(comment('same')),
      b.postComment(comment('same')),
      a.postComment({ ...comment('same'), owner: 'ACME', repository: 'App' }),
    ]);

    expect(results.every((r) => r.success)).toBe(true);
    expect(results.map((r) => r.result?.action).sort()).toEqual(['created', 'unchanged', 'unchanged']);
    expect(h().github.state.comments).toHaveLength(1);
  });

  it('writes one status and one check run when identical calls race', async () => {
    const client = h().client(config);
    const status = { ...TARGET, state: 'success' as const, context: 'security/scan' };
    const input = run(120);

    const [s1, s2, c1, c2] = await Promise.all([
      client.postStatus(status),
      client.postStatus(status),
      client.createCheckRun(input),
      client.createCheckRun(input),
    ]);

    expect([s1, s2].map((r) => r.result?.action).sort()).toEqual(['created', 'unchanged']);
    expect([c1, c2].map((r) => r.result?.action).sort()).toEqual(['created', 'unchanged']);
    expect(h().github.writes('repos/create-commit-status')).toHaveLength(1);
    expect(h().github.writes('checks/create')).toHaveLength(1);
    expect(h().github.writes('checks/update')).toHaveLength(checkRunWrites(120) - 1);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GHES_DESCRIPTION, type GitHubDescription } from '../../../test/fakes/github/fake-github.js';
import { commentMarker } from '../../annotations/markdown.js';
import type { GitHubCheckRunAnnotation } from './check-runs.js';
import { type Harness, startHarness, TARGET } from './github-app.test-kit.js';

/**
 * The provider's main scenarios, once against github.com's description and once against the newest GitHub
 * Enterprise Server's (`GHES_DESCRIPTION`; the fake's own test checks it is the newest in the package), each at the address a user would paste (`https://github.com`,
 * `https://ghe.example.com/api/v3/`), normalised by the provider and served by the fake at that address
 * (`aliasHost`). Every request and every answer is checked against the description: zero violations.
 */

interface Profile {
  readonly description: GitHubDescription;
  /** What the user pastes. */
  readonly endpoint: string;
  /** Where the provider must send requests after normalising it. */
  readonly rest: string;
  /** What the connection test's `version` check says. */
  readonly version: string;
}

const PROFILES: readonly Profile[] = [
  {
    description: 'api.github.com',
    endpoint: 'https://github.com/',
    rest: 'https://api.github.com',
    version: 'github.com',
  },
  {
    description: GHES_DESCRIPTION,
    endpoint: 'https://ghe.example.com/api/v3/',
    rest: 'https://ghe.example.com/api/v3',
    version: `GitHub Enterprise Server ${GHES_DESCRIPTION.slice('ghes-'.length)}.0`,
  },
];

const patch = ['@@ -1,2 +1,4 @@', ' one', '+two', '+three', ' four'].join('\n');
const annotation = (i: number): GitHubCheckRunAnnotation => ({
  path: `src/file-${i % 5}.ts`,
  startLine: i + 1,
  endLine: i + 1,
  annotationLevel: 'warning',
  message: `finding ${i}`,
});
const mallory = { login: 'mallory', id: 66, type: 'User' as const };

describe.each(PROFILES)('github_app against $description at $endpoint', (profile) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      endpoint: profile.endpoint,
      fake: {
        description: profile.description,
        pulls: [
          {
            repository: 'acme/app',
            number: TARGET.pullRequestNumber,
            headSha: TARGET.commitSha,
            files: [{ filename: 'src/a.ts', patch }],
          },
        ],
      },
    });
  });
  afterAll(async () => {
    await h.close();
  });

  const client = () => h.client({ repositories: ['acme/app'] });
  const writesSince = (before: number) => h.github.writes().length - before;

  it('tests the connection and checks health', async () => {
    const context = h.context({ repositories: ['acme/app'] });

    const result = await h.plugin.testConnection(context);
    const health = await h.plugin.checkHealth(context);

    expect(result.checks.map((check) => [check.name, check.ok])).toEqual([
      ['app', true],
      ['installation', true],
      ['installation_token', true],
      ['permissions', true],
      ['repository acme/app', true],
      ['version', true],
    ]);
    expect(result.checks.at(-1)?.message).toBe(profile.version);
    // GHES said its version on every answer: no `GET /meta` for it.
    expect(h.github.requests('meta/get')).toHaveLength(0);
    expect(health.status).toBe('healthy');
  });

  it('ensures the comment: created, found again across pages, updated in place, then left alone', async () => {
    for (let i = 0; i < 130; i++) h.github.addComment('acme/app', 7, `chatter ${i}`, mallory);
    const body = (text: string) => ({ ...TARGET, body: `${commentMarker('scan')}\n${text}` });

    const created = await client().postComment(body('3 findings'));
    const updated = await client().postComment(body('2 findings'));
    const before = h.github.writes().length;
    const unchanged = await client().postComment(body('2 findings'));

    expect(created.result?.action).toBe('created');
    expect(updated.result).toMatchObject({ commentId: created.result?.commentId, action: 'updated' });
    expect(unchanged.result).toMatchObject({ commentId: created.result?.commentId, action: 'unchanged' });
    expect(writesSince(before)).toBe(0);
    // The second page was reached through a `Link` under the pasted address, which the provider followed.
    expect(h.github.requests('issues/list-comments').some((e) => e.query.includes('page=2'))).toBe(true);
    const ours = h.github.state.comments.filter((c) => c.user.login === 'scan-bot[bot]');
    expect(ours.map((c) => c.body)).toEqual([`${commentMarker('scan')}\n2 findings`]);
  });

  it('sets the commit status once', async () => {
    const status = { ...TARGET, state: 'failure' as const, context: 'security/scan', description: '2 high' };

    const first = await client().postStatus(status);
    const before = h.github.writes().length;
    const again = await client().postStatus(status);

    expect(first.result?.action).toBe('created');
    expect(again.result?.action).toBe('unchanged');
    expect(writesSince(before)).toBe(0);
  });

  it('creates the check run with every annotation in batches of 50, and not again', async () => {
    const run = {
      owner: TARGET.owner,
      repository: TARGET.repository,
      headSha: TARGET.commitSha,
      name: 'Security scan',
      conclusion: 'failure',
      summary: '120 findings',
      annotations: Array.from({ length: 120 }, (_, i) => annotation(i)),
    };
    const before = h.github.writes().length;

    const first = await client().createCheckRun(run);
    const sent = h.github.writes().slice(before);
    const again = await client().createCheckRun(run);

    expect(first.result).toMatchObject({ annotationsPosted: 120, action: 'created' });
    expect(sent.map((w) => w.operationId)).toEqual(['checks/create', 'checks/update', 'checks/update']);
    expect(again.result).toMatchObject({ checkRunId: first.result?.checkRunId, action: 'unchanged' });
    expect(h.github.writes().length - before).toBe(3);
    const stored = h.github.state.checkRuns.find((r) => String(r.id) === first.result?.checkRunId);
    expect(stored?.annotations.map((a) => a.message)).toEqual(run.annotations.map((a) => a.message));
    expect(stored).toMatchObject({ status: 'completed', conclusion: 'failure' });
  });

  it('posts inline review comments on diff lines only, and not twice', async () => {
    const request = {
      ...TARGET,
      findings: [
        { ...annotation(0), path: 'src/a.ts', startLine: 2, endLine: 3 },
        { ...annotation(1), path: 'src/a.ts', startLine: 4, endLine: 4 },
      ],
    };

    const first = await client().postInlineComments(request);
    const again = await client().postInlineComments(request);

    expect(first.result).toMatchObject({ posted: 1, unchanged: 0 });
    expect(first.result?.fallback.map((f) => f.startLine)).toEqual([4]);
    expect(again.result).toMatchObject({ posted: 0, unchanged: 1 });
    expect(h.github.writes('pulls/create-review')).toHaveLength(1);
  });

  it(`sent everything to ${profile.rest}, within ${profile.description}: no violation, no refusal`, () => {
    const operations = new Set(h.github.exchanges.map((e) => e.operationId));

    expect(h.github.violations).toEqual([]);
    expect(h.github.state.rejections).toEqual([]);
    expect(h.github.publicApiUrl).toBe(profile.rest);
    expect([...operations].sort()).toEqual([
      'apps/create-installation-access-token',
      'apps/get-authenticated',
      'apps/get-repo-installation',
      'checks/create',
      'checks/list-for-ref',
      'checks/update',
      'issues/create-comment',
      'issues/list-comments',
      'issues/update-comment',
      'pulls/create-review',
      'pulls/list-files',
      'pulls/list-review-comments',
      'rate-limit/get',
      'repos/create-commit-status',
      'repos/get',
      'repos/get-combined-status-for-ref',
    ]);
  });
});

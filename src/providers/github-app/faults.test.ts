import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultTally } from '../../../test/fakes/github/fake-github.js';
import { commentMarker } from '../../annotations/markdown.js';
import { resolveLevelMapping } from '../../annotations/policy.js';
import type { ScmOperationResult } from '../../plugins/contracts.js';
import { type GitHubCheckRunAnnotation, type GitHubCheckRunRequest, toWireAnnotation } from './check-runs.js';
import { type Harness, startHarness } from './github-app.test-kit.js';

/**
 * 1,000 annotation operations (comments, statuses, check runs with a few annotations) on five pull
 * requests, two callers per pull request at once, while the fake fails a seeded 20% of ALL requests (token
 * requests included) with GitHub's transient faults: 502 and 503, a 500 after the write was made, 429 with
 * `Retry-After`, secondary rate limits with and without `Retry-After`. The outbound client runs on a virtual
 * clock (its waits move the clock and return at once) and waits at most 10 s for a server-requested delay,
 * so a secondary limit without a header (GitHub: "wait at least a minute") fails at once as transient;
 * writes are not spaced (`minWriteIntervalMs: 0`).
 *
 * Every operation must end in success or a transient failure (nothing here is permanent), never throw;
 * each pull request ends with at most one comment of ours; every check run reported done holds all its
 * annotations.
 */

const PULLS = [11, 12, 13, 14, 15].map((number) => ({
  repository: 'acme/app',
  number,
  headSha: number.toString(16).padStart(2, '0').repeat(20),
  files: [],
}));
const CALLERS_PER_PULL = 2;
const OPERATIONS = 1_000;
const PER_CALLER = OPERATIONS / (PULLS.length * CALLERS_PER_PULL);
const ANNOTATION_COUNTS = [3, 5, 0, 60, 7, 1, 2];
const MARKER = commentMarker('scan');
const BOT = 'scan-bot[bot]';

type Kind = 'comment' | 'status' | 'check run';
interface Outcome {
  readonly kind: Kind;
  readonly pull: number;
  readonly result: ScmOperationResult<unknown> | undefined;
  readonly thrown?: unknown;
  readonly run?: GitHubCheckRunRequest;
}

const annotation = (round: number, i: number): GitHubCheckRunAnnotation => ({
  path: `src/module-${i % 4}/file-${round % 9}.ts`,
  startLine: i + 1,
  endLine: i + 1 + (i % 3 === 0 ? 2 : 0),
  ...(i % 3 === 0 ? {} : { startColumn: 2, endColumn: 8 }),
  annotationLevel: 'warning',
  severity: (['critical', 'high', 'medium', 'low', 'info'] as const)[i % 5],
  title: `rule ${i % 7}`,
  message: `finding ${i} of round ${round}`,
});

describe('github_app under injected faults', () => {
  let h: Harness;
  let tally: FaultTally;
  let virtualMs = 0;
  const waits: number[] = [];
  const outcomes: Outcome[] = [];
  let elapsedMs = 0;

  beforeAll(async () => {
    h = await startHarness({
      fake: { pulls: PULLS },
      plugin: { minWriteIntervalMs: 0 },
      now: () => Date.now() + virtualMs,
      sleep: async (ms) => {
        waits.push(ms);
        virtualMs += ms;
      },
      retry: { maxWaitMs: 10_000 },
    });
    tally = h.github.injectRandomFaults({ rate: 0.2, seed: 20_260_127 });

    const caller = async (pull: (typeof PULLS)[number], callerIndex: number) => {
      for (let step = 0; step < PER_CALLER; step++) {
        const round = step * CALLERS_PER_PULL + callerIndex;
        const kind: Kind = (['comment', 'status', 'check run'] as const)[step % 3] as Kind;
        // A client per operation: each gets a fresh deadline, as each annotate request does.
        const client = h.client();
        const target = { owner: 'acme', repository: 'app' };
        const version = Math.floor(round / 4);
        let run: GitHubCheckRunRequest | undefined;
        try {
          let result: ScmOperationResult<unknown>;
          if (kind === 'comment') {
            result = await client.postComment({
              ...target,
              pullRequestNumber: pull.number,
              body: `${MARKER}\n## Scan\n${version} findings on #${pull.number}`,
            });
          } else if (kind === 'status') {
            result = await client.postStatus({
              ...target,
              commitSha: pull.headSha,
              context: 'security/scan',
              state: version % 2 === 0 ? 'failure' : 'success',
              description: `${version} findings`,
            });
          } else {
            const count = ANNOTATION_COUNTS[version % ANNOTATION_COUNTS.length] ?? 0;
            run = {
              ...target,
              headSha: pull.headSha,
              name: 'Security scan',
              conclusion: count === 0 ? 'success' : 'failure',
              summary: `${count} findings (version ${version})`,
              annotations: Array.from({ length: count }, (_, i) => annotation(version, i)),
            };
            result = await client.createCheckRun(run);
          }
          outcomes.push({ kind, pull: pull.number, result, ...(run ? { run } : {}) });
        } catch (thrown) {
          outcomes.push({ kind, pull: pull.number, result: undefined, thrown });
        }
      }
    };

    const started = performance.now();
    await Promise.all(
      PULLS.flatMap((pull) => Array.from({ length: CALLERS_PER_PULL }, (_, i) => caller(pull, i))),
    );
    elapsedMs = performance.now() - started;
  }, 60_000);
  afterAll(() => h.close());

  it('injected transient faults into 20% of all requests, of every kind', () => {
    const share = tally.injected / tally.candidates;

    expect(outcomes).toHaveLength(OPERATIONS);
    expect(share).toBeGreaterThan(0.17);
    expect(share).toBeLessThan(0.23);
    expect(Object.keys(tally.byKind).sort()).toEqual([
      '403 secondary, Retry-After',
      '403 secondary, no header',
      '429 Retry-After',
      '500 after the write',
      '502',
      '503',
    ]);
    expect(h.github.exchanges.filter((e) => e.injected)).toHaveLength(tally.injected);
    // The retries waited what GitHub asked (2 s, 3 s) on the virtual clock, not on the wall clock.
    expect(waits).toContain(2_000);
    expect(waits).toContain(3_000);
    expect(elapsedMs).toBeLessThan(30_000);
  });

  it('ends every operation in success or a transient failure, never a permanent one, never a throw', () => {
    const thrown = outcomes.filter((o) => o.thrown !== undefined);
    const permanent = outcomes.filter((o) => o.result && !o.result.success && !o.result.isTransient);
    const transient = outcomes.filter((o) => o.result && !o.result.success && o.result.isTransient);
    const succeeded = outcomes.filter((o) => o.result?.success);

    expect(thrown).toEqual([]);
    expect(permanent.map((o) => o.result?.errorMessage)).toEqual([]);
    expect(succeeded.length + transient.length).toBe(OPERATIONS);
    // Each transient failure names a transient cause: a server error or a rate limit.
    for (const o of transient) {
      expect(o.result?.skippedOffline).toBe(false);
      expect(o.result?.errorMessage).toMatch(/HTTP 50[023]|rate limit was reached \((403|429)\)/);
    }
    // Retries carried most operations through; the rest are left to a later retry (isTransient).
    expect(succeeded.length).toBeGreaterThan(OPERATIONS * 0.6);
    expect(transient.length).toBeGreaterThan(0);
    for (const kind of ['comment', 'status', 'check run'] as const) {
      expect(succeeded.filter((o) => o.kind === kind).length).toBeGreaterThan(0);
    }
  });

  it('leaves at most one comment of ours per pull request, and one where a comment succeeded', () => {
    for (const pull of PULLS) {
      const ours = h.github.state.comments.filter(
        (c) => c.issue === pull.number && c.user.login === BOT && c.body.startsWith(MARKER),
      );
      const posted = outcomes.some(
        (o) => o.pull === pull.number && o.kind === 'comment' && o.result?.success,
      );

      expect(ours.length).toBeLessThanOrEqual(1);
      if (posted) expect(ours).toHaveLength(1);
      expect(ours[0]?.body ?? '').toMatch(new RegExp(`findings on #${pull.number}$`));
    }
    expect(h.github.state.comments.length).toBeLessThanOrEqual(PULLS.length);
  });

  it('loses no annotation: every check run reported done holds all of its annotations', () => {
    const mapping = resolveLevelMapping({});
    const done = outcomes.filter((o) => o.kind === 'check run' && o.result?.success);

    expect(done.length).toBeGreaterThan(0);
    for (const outcome of done) {
      const id = (outcome.result?.result as { checkRunId?: string } | undefined)?.checkRunId;
      const stored = h.github.state.checkRuns.find((r) => String(r.id) === id);
      const expected = (outcome.run?.annotations ?? []).map((a) => toWireAnnotation(a, mapping));

      expect(stored).toMatchObject({ status: 'completed', conclusion: outcome.run?.conclusion });
      expect(stored?.annotations).toEqual(expected);
    }
  });

  it('made only requests GitHub describes, and nothing GitHub would refuse', () => {
    expect(h.github.violations).toEqual([]);
    expect(h.github.state.rejections).toEqual([]);
  });
});

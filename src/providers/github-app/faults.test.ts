import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeRequest, FakeResponse } from '../../../test/fakes/openapi/contract-server.js';
import { commentMarker } from '../../annotations/markdown.js';
import type { ScmOperationResult } from '../../plugins/contracts.js';
import { type Harness, startHarness, TARGET } from './github-app.test-kit.js';

/** A small xorshift, so the run is the same every time. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return ((state >>> 0) % 10_000) / 10_000;
  };
}

const FAULTS: readonly FakeResponse[] = [
  { status: 502, body: { message: 'Bad Gateway' } },
  { status: 429, headers: { 'retry-after': '0' }, body: { message: 'Too many requests' } },
  { status: 403, body: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes.' } },
];

describe('github_app under injected faults', () => {
  let h: Harness;
  const results: ScmOperationResult<unknown>[] = [];
  const completeRuns: string[] = [];

  beforeAll(async () => {
    h = await startHarness();
    const random = seeded(20260127);
    h.github.inject({
      // One repository request in five fails (token requests too would only add retries).
      match: (request: FakeRequest) => !request.operation.operationId.startsWith('apps/') && random() < 0.2,
      response: () => FAULTS[Math.floor(random() * FAULTS.length)] as FakeResponse,
    });
    const client = h.client();
    const annotations = Array.from({ length: 60 }, (_, i) => ({
      path: `src/f${i}.ts`,
      startLine: 1,
      endLine: 1,
      annotationLevel: 'warning' as const,
      message: `m${i}`,
    }));
    for (let round = 0; round < 40; round++) {
      results.push(
        await client.postComment({ ...TARGET, body: `${commentMarker('k')}\nround ${round}` }),
        await client.postStatus({ ...TARGET, state: round % 2 ? 'success' : 'failure', context: 'scan' }),
      );
      const run = await client.createCheckRun({
        owner: TARGET.owner,
        repository: TARGET.repository,
        headSha: TARGET.commitSha,
        name: 'scan',
        conclusion: 'success',
        summary: `round ${round}`,
        annotations,
      });
      results.push(run);
      if (run.success && run.result) completeRuns.push(run.result.checkRunId);
    }
  });
  afterAll(() => h.close());

  it('ends every operation in success or a transient failure', () => {
    const faults = h.github.exchanges.filter((exchange) => exchange.injected).length;

    expect(faults).toBeGreaterThan(30);
    expect(results.filter((r) => !r.success && !r.isTransient)).toEqual([]);
    expect(results.filter((r) => r.success).length).toBeGreaterThan(results.length / 2);
  });

  it('leaves one comment and loses no annotation of a run it reported done', () => {
    const ours = h.github.state.comments.filter((c) => c.body.startsWith(commentMarker('k')));
    const runs = h.github.state.checkRuns.filter((run) => completeRuns.includes(String(run.id)));

    expect(ours).toHaveLength(1);
    expect(runs.length).toBe(completeRuns.length);
    for (const run of runs) {
      expect(run.annotations).toHaveLength(60);
      expect(run.status).toBe('completed');
    }
    expect(h.github.violations).toEqual([]);
    expect(h.github.state.rejections).toEqual([]);
  });
});

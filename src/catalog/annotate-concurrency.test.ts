import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseTargets } from '../../test/support/databases.js';
import {
  type AnnotateHarness,
  call,
  finding,
  report,
  SHA,
  startAnnotateHarness,
  startSecondApp,
} from '../api/annotate.test-kit.js';
import type { App } from '../app.js';
import { silentLogger } from '../core/logger.js';
import { asConnectorPlugin } from '../plugins/contracts.js';
import { noCredentials } from '../secrets/index.js';

const targets = await testDatabaseTargets();
const pr = { owner: 'acme', repository: 'shop', pullRequestNumber: 5, commitSha: SHA };

describe.each(targets)('concurrent annotate calls on $dialect', (target) => {
  let h: AnnotateHarness;
  let second: App;
  beforeAll(async () => {
    if (!target.available) return;
    h = await startAnnotateHarness(target);
    second = await startSecondApp(h.t.app, [asConnectorPlugin(h.plugin)]);
  });
  afterAll(async () => {
    await second?.close();
    await h?.t.dispose();
  });
  const test = it.skipIf(!target.available);

  test('without the lock, two writers of the slow in-memory SCM would both create a comment', async () => {
    const id = await h.integration('unserialised', { scmDelayMs: 50 });
    const client = h.plugin.scm({
      integration: {
        id,
        tenantId: 'default',
        name: 'x',
        type: 'scm',
        endpoint: 'https://scm.example.com',
        authRef: null,
        config: { health: 'healthy', delayMs: 0, scmFailure: 'none', scmDelayMs: 50, images: [] },
      },
      http: undefined as never,
      credentials: noCredentials,
      logger: silentLogger,
      signal: AbortSignal.timeout(5_000),
      now: () => new Date(),
    });
    const comment = { ...pr, body: 'same body' };

    await Promise.all([client.postComment(comment), client.postComment(comment)]);

    expect(h.plugin.scmState(id).comments).toHaveLength(2);
  });

  test('two annotates of one pull request at once produce one comment', async () => {
    const id = await h.integration('serialised', { scmDelayMs: 50 });

    const responses = await Promise.all([
      h.annotate(id, { ...pr, findings: report([finding()]) }),
      h.annotate(id, { ...pr, findings: report([finding({ ruleId: 'OTHER' })]) }),
    ]);

    expect(responses.map((r) => r.status)).toEqual([200, 200]);
    const state = h.plugin.scmState(id);
    expect(state.comments).toHaveLength(1);
    expect(state.checkRuns).toHaveLength(1);
    expect(responses.map((r) => r.body.operations[0].result.result.commentId)).toEqual(['1', '1']);
  });

  test('two instances on one database annotating one pull request at once produce one comment', async () => {
    const id = await h.integration('two-instances', { scmDelayMs: 50 });
    const body = { ...pr, findings: report([finding()]) };

    const responses = await Promise.all([
      h.annotate(id, body),
      call(second, 'POST', `/api/v1/integrations/${id}/scm/annotate`, body),
      h.annotate(id, { ...body, findings: report([]) }),
      call(second, 'POST', `/api/v1/integrations/${id}/scm/annotate`, { ...body, findings: report([]) }),
    ]);

    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(h.plugin.scmState(id).comments).toHaveLength(1);
    expect(h.plugin.scmState(id).checkRuns).toHaveLength(1);
  });

  test('different pull requests do not wait for each other', async () => {
    const id = await h.integration('parallel', { scmDelayMs: 200 });
    const started = performance.now();

    await Promise.all(
      [1, 2, 3, 4].map((n) => h.annotate(id, { ...pr, pullRequestNumber: n, findings: report([]) })),
    );

    expect(performance.now() - started).toBeLessThan(4 * 200);
    expect(h.plugin.scmState(id).comments).toHaveLength(4);
  });
});

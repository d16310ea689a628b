import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseTargets } from '../../test/support/databases.js';
import { commentMarker } from '../annotations/index.js';
import { ScmAnnotationCompletedDataSchema } from '../events/schemas.js';
import { asConnectorPlugin, CAPABILITIES, type ConnectorPlugin } from '../plugins/contracts.js';
import { createInMemoryPlugin } from '../providers/in-memory/plugin.js';
import {
  type AnnotateHarness,
  captureLogs,
  finding,
  noScmPlugin,
  readSarif,
  report,
  SHA,
  SHA_256,
  startAnnotateHarness,
} from './annotate.test-kit.js';

const targets = await testDatabaseTargets();
const ajv = new AjvModule.default({ allErrors: true, strict: false });
addFormatsModule.default(ajv);
const validateEventData = ajv.compile(ScmAnnotationCompletedDataSchema);

/** The in-memory provider without inline comments: no `postInlineComments`, no `scm.inline_comment`. */
function noInlinePlugin(): ConnectorPlugin {
  const inner = createInMemoryPlugin();
  return asConnectorPlugin({
    ...inner,
    provider: 'no_inline',
    capabilities: CAPABILITIES.filter((capability) => capability !== 'scm.inline_comment'),
    scm: (context) => {
      const { postInlineComments: _omitted, ...client } = inner.scm(context);
      return client;
    },
  });
}

describe.each(targets)('annotate on $dialect', (target) => {
  let h: AnnotateHarness;
  const logs = captureLogs();
  beforeAll(async () => {
    if (target.available)
      h = await startAnnotateHarness(target, {
        logger: logs.logger,
        extraPlugins: [noScmPlugin(), noInlinePlugin()],
      });
  });
  afterAll(async () => h?.t.dispose());
  const test = it.skipIf(!target.available);
  const target7 = { owner: 'acme', repository: 'shop', pullRequestNumber: 7, commitSha: SHA };

  test('posts comment, status and check run from a real SARIF file, with an event, metrics and logs', async () => {
    const id = await h.integration('sarif');

    const response = await h.annotate(id, { ...target7, sarif: readSarif('gosec-cwe-taxonomy-fixes.sarif') });

    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const body = response.body;
    expect(body).toMatchObject({
      integrationId: id,
      provider: 'in_memory',
      platform: 'generic',
      markerKey: 'security/scan',
      dryRun: false,
      outcome: 'fail',
      posted: true,
      queued: 0,
    });
    expect(body.operations.map((o: any) => [o.operation, o.result.success, o.result.result.action])).toEqual([
      ['comment', true, 'created'],
      ['status', true, 'created'],
      ['checkRun', true, 'created'],
      // No diff given: no line is known to be added, so every finding stays in the check run.
      ['inline', true, 'unchanged'],
    ]);
    expect(body.operations[3].result.result).toMatchObject({ posted: 0, fallback: body.findings.inline });
    const state = h.plugin.scmState(id);
    expect(state.writes).toBe(3);
    expect(state.comments).toHaveLength(1);
    expect(state.comments[0]!.body.split('\n')[0]).toBe(commentMarker('security/scan'));
    expect(state.statuses[0]).toMatchObject({ commitSha: SHA, state: 'failure', context: 'security/scan' });
    expect(state.checkRuns[0]).toMatchObject({ headSha: SHA, conclusion: 'failure', status: 'completed' });
    expect(state.checkRuns[0]!.annotations!.length).toBe(body.findings.inline);

    const events = (await h.t.app.store.outbox.listForTenant('default', 1000)).filter(
      (event) => event.type === 'scm.annotation.completed' && event.subject === id,
    );
    expect(events).toHaveLength(1);
    expect(validateEventData(events[0]!.data), JSON.stringify(validateEventData.errors)).toBe(true);
    expect(events[0]!.data).toMatchObject({
      pullRequestNumber: 7,
      commitSha: SHA,
      outcome: 'fail',
      counts: body.counts,
      requestedBy: 'token:bootstrap-admin',
      operations: [
        { kind: 'comment' },
        { kind: 'status' },
        { kind: 'check_run' },
        { kind: 'inline_comment' },
      ],
    });

    const metrics = (await h.t.request({ method: 'GET', url: '/metrics', token: null })).body as string;
    expect(metrics).toContain(
      'scm_annotation_total{provider="in_memory",operation="check_run",status="success"} ',
    );
    expect(metrics).toContain(
      'scm_annotation_duration_seconds_count{provider="in_memory",operation="comment"}',
    );
    const posted = logs.lines().filter((l) => l.msg === 'annotation posted' && l.integrationId === id);
    expect(posted.map((l) => l.operation).sort()).toEqual([
      'check_run',
      'comment',
      'inline_comment',
      'status',
    ]);
    expect(posted[0]).toMatchObject({
      provider: 'in_memory',
      prNumber: 7,
      commitSha: SHA,
      tenantId: 'default',
    });
  });

  test('annotating again with the same findings writes nothing', async () => {
    const id = await h.integration('again');
    const request = { ...target7, findings: report([finding(), finding({ ruleId: 'R2', path: 'b.ts' })]) };
    await h.annotate(id, request);
    const writes = h.plugin.scmState(id).writes;

    const second = await h.annotate(id, request);

    expect(second.status).toBe(200);
    expect(second.body.operations.map((o: any) => o.result.result.action)).toEqual([
      'unchanged',
      'unchanged',
      'unchanged',
      'unchanged',
    ]);
    expect(h.plugin.scmState(id).writes).toBe(writes);
  });

  test('a moved finding and a fixed one change the comment and check run in place', async () => {
    const id = await h.integration('moved');
    const moving = finding({ ruleId: 'MOVE', startLine: 10 });
    const fixed = finding({ ruleId: 'FIXED', path: 'src/old.ts', startLine: 3 });
    await h.annotate(id, { ...target7, findings: report([moving, fixed]) });
    const before = structuredClone(h.plugin.scmState(id));

    const after = await h.annotate(id, { ...target7, findings: report([{ ...moving, startLine: 42 }]) });

    const state = h.plugin.scmState(id);
    expect(after.body.operations.map((o: any) => o.result.result.action)).toEqual([
      'updated',
      'created',
      'updated',
      'unchanged',
    ]);
    expect(state.comments).toHaveLength(1);
    expect(state.comments[0]).toMatchObject({ id: before.comments[0]!.id, updates: 1 });
    expect(state.comments[0]!.body).not.toContain('FIXED');
    expect(state.checkRuns).toHaveLength(1);
    expect(state.checkRuns[0]!.annotations).toEqual([
      expect.objectContaining({ path: 'src/app.ts', startLine: 42, title: expect.stringContaining('MOVE') }),
    ]);
  });

  test('several scanners keep separate comments (marker from the context)', async () => {
    const id = await h.integration('scanners');

    await h.annotate(id, { ...target7, context: 'security/trivy', findings: report([finding()]) });
    await h.annotate(id, { ...target7, context: 'Semgrep (code)', findings: report([finding()]) });
    await h.annotate(id, { ...target7, context: 'security/trivy', findings: report([]) });

    const comments = h.plugin.scmState(id).comments;
    expect(comments).toHaveLength(2);
    expect(comments[0]!.body).toMatch(/^<!-- integrations-catalog:annotation key=security\/trivy -->/);
    expect(comments[1]!.body).toMatch(
      /^<!-- integrations-catalog:annotation key=Semgrep-code-[0-9a-f]{12} -->/,
    );
  });

  test('a commit without a pull request gets a status and a check run only', async () => {
    const id = await h.integration('commit-only');

    const response = await h.annotate(id, {
      owner: 'acme',
      repository: 'shop',
      commitSha: SHA_256.toUpperCase(),
      findings: report([finding({ severity: 'low' })]),
    });

    expect(response.body.operations.map((o: any) => o.operation)).toEqual(['status', 'checkRun']);
    expect(response.body).toMatchObject({ pullRequestNumber: null, commitSha: SHA_256, outcome: 'pass' });
    expect(h.plugin.scmState(id).comments).toEqual([]);
  });

  test('operations, policy, level mapping and scope are honoured', async () => {
    const id = await h.integration('options', { policy: { failOn: ['critical'] } });
    const findings = report([finding(), finding({ ruleId: 'M', severity: 'medium', path: 'other.ts' })]);

    const byIntegration = await h.annotate(id, { ...target7, operations: ['status'], findings });
    const byRequest = await h.annotate(id, {
      ...target7,
      operations: ['checkRun'],
      policy: { failOn: ['high'], warnOn: ['medium'] },
      levelMapping: { high: 'warning' },
      scope: 'changed-lines',
      diff: 'diff --git a/src/app.ts b/src/app.ts\n--- a/src/app.ts\n+++ b/src/app.ts\n@@ -9,0 +10,1 @@\n+x\n',
      findings,
    });

    expect(byIntegration.body).toMatchObject({ outcome: 'pass', policy: { failOn: ['critical'] } });
    expect(byIntegration.body.operations.map((o: any) => o.operation)).toEqual(['status']);
    expect(byRequest.body).toMatchObject({
      outcome: 'fail',
      excluded: { medium: 1 },
      findings: { inline: 1 },
    });
    const run = h.plugin.scmState(id).checkRuns[0]!;
    expect(run.annotations!.map((a) => [a.path, a.annotationLevel])).toEqual([['src/app.ts', 'warning']]);
  });

  test('inline comments go only on added lines, once; the others are counted as fallback', async () => {
    const id = await h.integration('inline');
    const diff = [
      'diff --git a/src/app.ts b/src/app.ts',
      '--- a/src/app.ts',
      '+++ b/src/app.ts',
      '@@ -9,0 +10,2 @@',
      '+x',
      '+y',
      '',
    ].join('\n');
    const findings = report([
      finding({ title: 'Use of <script> | `eval` *here*' }), // line 10: added
      finding({ ruleId: 'SPAN', startLine: 11, endLine: 12 }), // touches 11, but 12 was not added
      finding({ ruleId: 'ELSEWHERE', path: 'src/other.ts', startLine: 3 }), // not in the diff
    ]);
    const request = { ...target7, diff, findings };

    const first = await h.annotate(id, request);
    const writes = h.plugin.scmState(id).writes;
    const second = await h.annotate(id, request);

    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const inline = (body: any) => body.operations.find((o: any) => o.operation === 'inline');
    expect(first.body.findings).toMatchObject({ inline: 2 });
    expect(inline(first.body)).toMatchObject({
      posted: { pullRequestNumber: 7, commitSha: SHA, findings: 2 },
      result: { success: true, result: { posted: 1, unchanged: 0, fallback: 1, action: 'created' } },
    });
    const state = h.plugin.scmState(id);
    expect(state.inlineComments).toHaveLength(1);
    const [comment] = state.inlineComments;
    expect(comment).toMatchObject({ pullRequest: 'acme/shop#7', path: 'src/app.ts', line: 10 });
    expect(comment!.body.split('\n')[0]).toBe(commentMarker('security/scan'));
    expect(comment!.body).toContain('Use of &lt;script&gt; &#124; &#96;eval&#96; \\*here\\*');
    expect(comment!.body).not.toContain('<script>');
    // What fell back is in the check run, as is every finding with a path.
    expect(state.checkRuns[0]!.annotations!.map((a) => a.title)).toEqual(
      expect.arrayContaining([expect.stringContaining('SPAN'), expect.stringContaining('ELSEWHERE')]),
    );

    expect(inline(second.body).result).toMatchObject({
      success: true,
      result: { posted: 0, unchanged: 1, fallback: 1, action: 'unchanged' },
    });
    expect(h.plugin.scmState(id).writes).toBe(writes);
    expect(h.plugin.scmState(id).inlineComments).toHaveLength(1);
  });

  test('inline comments from changedLines, only when asked; they need a pull request', async () => {
    const id = await h.integration('inline-options');
    const findings = report([finding(), finding({ ruleId: 'R2', startLine: 20 })]);
    const changedLines = [{ path: 'src/app.ts', lines: [10, 20] }];

    const without = await h.annotate(id, {
      ...target7,
      operations: ['comment', 'status'],
      changedLines,
      findings,
    });
    const only = await h.annotate(id, { ...target7, operations: ['inline'], changedLines, findings });
    const noPullRequest = await h.annotate(id, {
      owner: 'acme',
      repository: 'shop',
      commitSha: SHA,
      operations: ['inline'],
      findings,
    });

    expect(without.body.operations.map((o: any) => o.operation)).toEqual(['comment', 'status']);
    expect(only.body.operations.map((o: any) => [o.operation, o.result.result.posted])).toEqual([
      ['inline', 2],
    ]);
    expect(h.plugin.scmState(id).inlineComments.map((c) => c.line)).toEqual([10, 20]);
    expect(noPullRequest.status).toBe(400);
    expect(noPullRequest.body.error.message).toContain('inline needs pullRequestNumber');
  });

  test('a provider without inline comments does not run the operation', async () => {
    const created = await h.t.request({
      method: 'POST',
      url: '/api/v1/integrations',
      payload: { name: 'no-inline', type: 'scm', provider: 'no_inline', endpoint: 'https://scm.example.com' },
    });
    const id = created.body.id;
    const body = {
      ...target7,
      changedLines: [{ path: 'src/app.ts', lines: [10] }],
      findings: report([finding()]),
    };

    const annotated = await h.annotate(id, body);
    const asked = await h.annotate(id, { ...body, operations: ['inline'] });

    expect(annotated.status, JSON.stringify(annotated.body)).toBe(200);
    expect(annotated.body.operations.map((o: any) => [o.operation, o.result.success])).toEqual([
      ['comment', true],
      ['status', true],
      ['checkRun', true],
    ]);
    expect(annotated.body.posted).toBe(true);
    expect(asked.status).toBe(400);
    expect(asked.body.error.message).toContain('scm.inline_comment');
  });

  test('a dry run returns the payloads and posts, keeps and records nothing', async () => {
    const id = await h.integration('dry');
    const eventsBefore = (await h.t.app.store.outbox.listForTenant('default', 10_000)).length;

    const response = await h.annotate(id, {
      ...target7,
      asciiOnly: true,
      dryRun: true,
      sarif: JSON.parse(readSarif('semgrep-dataflow-codeflows.sarif')),
    });

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ dryRun: true, posted: false, queued: 0 });
    expect(response.body.payloads.comment.body).toMatch(/^<!-- integrations-catalog:annotation/);
    expect([...response.body.payloads.comment.body].every((c: string) => c.charCodeAt(0) < 128)).toBe(true);
    expect(response.body.payloads.status).toMatchObject({ commitSha: SHA, context: 'security/scan' });
    expect(response.body.payloads.checkRun).toMatchObject({ headSha: SHA, status: 'completed' });
    expect(response.body.operations.every((o: any) => o.result === undefined)).toBe(true);
    expect(h.plugin.scmState(id).writes).toBe(0);
    expect((await h.t.app.store.outbox.listForTenant('default', 10_000)).length).toBe(eventsBefore);
  });

  test('refuses providers without the scm capability and non-scm integrations (400)', async () => {
    const noScm = await h.t.request({
      method: 'POST',
      url: '/api/v1/integrations',
      payload: { name: 'no-scm', type: 'scm', provider: 'no_scm', endpoint: 'https://scm.example.com' },
    });
    const registry = await h.t.request({
      method: 'POST',
      url: '/api/v1/integrations',
      payload: { name: 'reg', type: 'registry', provider: 'in_memory', endpoint: 'https://r.example.com' },
    });
    const body = { ...target7, findings: report([]) };

    const refused = await h.annotate(noScm.body.id, body);
    const wrongType = await h.annotate(registry.body.id, body);
    const recorded = await h.t.request({
      method: 'GET',
      url: `/api/v1/integrations/${noScm.body.id}/scm/recorded`,
    });

    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toContain('does not offer the scm capability');
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error.message).toContain('registry integration');
    expect(recorded.status).toBe(400);
  });

  test('a disabled integration refuses posts (409) but allows a dry run', async () => {
    const id = await h.integration('disabled');
    await h.t.request({ method: 'PATCH', url: `/api/v1/integrations/${id}`, payload: { enabled: false } });

    const posted = await h.annotate(id, { ...target7, findings: report([]) });
    const dry = await h.annotate(id, { ...target7, findings: report([]), dryRun: true });

    expect(posted.status).toBe(409);
    expect(dry.status).toBe(200);
  });

  test('the lower-level operations return an ScmOperationResult each, as ensure operations', async () => {
    const id = await h.integration('direct');
    const url = `/api/v1/integrations/${id}/scm`;
    const comment = { owner: 'acme', repository: 'shop', pullRequestNumber: 3, body: 'hello' };
    const status = { owner: 'acme', repository: 'shop', commitSha: SHA, state: 'pending', context: 'ci' };
    const checkRun = {
      owner: 'acme',
      repository: 'shop',
      headSha: SHA,
      name: 'lint',
      status: 'completed',
      conclusion: 'neutral',
      annotations: [
        { path: 'a.ts', startLine: 1, endLine: 2, annotationLevel: 'notice', message: 'm', title: 't' },
      ],
    };

    const posted = await Promise.all([
      h.t.request({ method: 'POST', url: `${url}/comments`, payload: comment }),
      h.t.request({ method: 'POST', url: `${url}/statuses`, payload: status }),
      h.t.request({ method: 'POST', url: `${url}/check-runs`, payload: checkRun }),
    ]);
    const again = await h.t.request({ method: 'POST', url: `${url}/comments`, payload: comment });
    const recorded = await h.t.request({ method: 'GET', url: `${url}/recorded` });

    expect(posted.map((r) => [r.status, r.body.success, r.body.result.action])).toEqual([
      [200, true, 'created'],
      [200, true, 'created'],
      [200, true, 'created'],
    ]);
    expect(posted[2]!.body.result.annotationsPosted).toBe(1);
    expect(again.body).toMatchObject({ success: true, isTransient: false, skippedOffline: false });
    expect(again.body.result.action).toBe('unchanged');
    expect(recorded.status).toBe(200);
    expect(recorded.body).toMatchObject({
      comments: [{ id: '1', pullRequest: 'acme/shop#3', body: 'hello', updates: 0 }],
      statuses: [{ commitSha: SHA, state: 'pending', context: 'ci' }],
      checkRuns: [{ name: 'lint', headSha: SHA, annotations: [{ path: 'a.ts' }] }],
      writes: 3,
    });
  });

  test('another tenant gets 404 for everything; a read-only token cannot post', async () => {
    const id = await h.integration('isolated');
    const other = await h.t.token('other-tenant');
    const reader = await h.t.token('default', ['integrations:read']);
    const body = { ...target7, findings: report([finding()]) };

    const annotated = await h.annotate(id, body, other);
    const direct = await h.t.request({
      method: 'POST',
      url: `/api/v1/integrations/${id}/scm/statuses`,
      payload: { owner: 'a', repository: 'b', commitSha: SHA, state: 'success', context: 'c' },
      token: other,
    });
    const recorded = await h.t.request({
      method: 'GET',
      url: `/api/v1/integrations/${id}/scm/recorded`,
      token: other,
    });
    const readOnly = await h.annotate(id, body, reader);
    const readerRecorded = await h.t.request({
      method: 'GET',
      url: `/api/v1/integrations/${id}/scm/recorded`,
      token: reader,
    });

    expect([annotated.status, direct.status, recorded.status]).toEqual([404, 404, 404]);
    expect(readOnly.status).toBe(403);
    expect(readerRecorded.status).toBe(200);
    expect(h.plugin.scmState(id).writes).toBe(0);
  });
});

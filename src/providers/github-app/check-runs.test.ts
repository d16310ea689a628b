import { describe, expect, it } from 'vitest';
import type { GitHubCheckRunAnnotation } from './check-runs.js';
import { TARGET, useHarness } from './github-app.test-kit.js';

const annotation = (i: number): GitHubCheckRunAnnotation => ({
  path: `src/file-${i % 7}.ts`,
  startLine: i + 1,
  endLine: i + 1,
  annotationLevel: 'warning',
  message: `finding ${i}`,
});
const run = (annotations: readonly GitHubCheckRunAnnotation[]) => ({
  owner: TARGET.owner,
  repository: TARGET.repository,
  headSha: TARGET.commitSha,
  name: 'Security scan',
  conclusion: 'failure',
  summary: `${annotations.length} findings`,
  annotations,
});

describe('github_app createCheckRun', () => {
  const h = useHarness();

  it('delivers 120 annotations: a create with 50, then two updates, the last completing the run', async () => {
    const annotations = Array.from({ length: 120 }, (_, i) => annotation(i));

    const result = await h().client().createCheckRun(run(annotations));

    expect(result).toMatchObject({ success: true, result: { annotationsPosted: 120, action: 'created' } });
    const writes = h().github.writes();
    expect(writes.map((w) => w.operationId)).toEqual(['checks/create', 'checks/update', 'checks/update']);
    const sizes = writes.map(
      (w) => (w.body as { output: { annotations: unknown[] } }).output.annotations.length,
    );
    expect(sizes).toEqual([50, 50, 20]);
    expect(writes[0]?.body).toMatchObject({ status: 'in_progress' });
    expect(writes[2]?.body).toMatchObject({ status: 'completed', conclusion: 'failure' });
    const stored = h().github.state.checkRuns[0];
    expect(stored?.annotations.map((a) => a.message)).toEqual(annotations.map((a) => a.message));
    expect(stored).toMatchObject({ status: 'completed', conclusion: 'failure' });
  });

  it.each([
    [0, 1],
    [1, 1],
    [50, 1],
    [51, 2],
    [1_000, 20],
  ])('%i annotations take %i requests', async (count, requests) => {
    const result = await h()
      .client()
      .createCheckRun(run(Array.from({ length: count }, (_, i) => annotation(i))));

    expect(result.result?.annotationsPosted).toBe(count);
    expect(h().github.writes()).toHaveLength(requests);
    expect(h().github.state.checkRuns[0]?.annotations).toHaveLength(count);
  });

  it('writes nothing the second time for the same input', async () => {
    const client = h().client();
    const input = run(Array.from({ length: 60 }, (_, i) => annotation(i)));
    const first = await client.createCheckRun(input);
    const writes = h().github.writes().length;

    const second = await client.createCheckRun(input);
    const changed = await client.createCheckRun({ ...input, summary: 'different' });

    expect(second.result).toMatchObject({ checkRunId: first.result?.checkRunId, action: 'unchanged' });
    expect(h().github.writes().length - writes).toBe(2);
    expect(changed.result?.action).toBe('created');
  });

  it('maps severities with the configured levels and keeps columns to one-line annotations', async () => {
    const client = h().client({ levelMapping: { medium: 'failure' } });

    await client.createCheckRun(
      run([
        { ...annotation(0), severity: 'medium', startColumn: 3, endColumn: 9 },
        { ...annotation(1), severity: 'low', startLine: 4, endLine: 8, startColumn: 1, endColumn: 2 },
        { ...annotation(2), annotationLevel: 'notice', title: 'T'.repeat(400) },
      ]),
    );

    const [first, second, third] = h().github.state.checkRuns[0]?.annotations ?? [];
    expect(first).toMatchObject({ annotation_level: 'failure', start_column: 3, end_column: 9 });
    expect(second).toMatchObject({ annotation_level: 'notice', start_line: 4, end_line: 8 });
    expect(second).not.toHaveProperty('start_column');
    expect(third?.annotation_level).toBe('notice');
    expect(third?.title?.length).toBeLessThanOrEqual(255);
  });

  it('cuts summary and text to 65,535 characters', async () => {
    const huge = '| a | b |\n'.repeat(10_000);

    const result = await h()
      .client()
      .createCheckRun({ ...run([]), summary: huge, text: huge });

    expect(result.success).toBe(true);
    const output = h().github.state.checkRuns[0]?.output;
    expect(output?.summary?.length).toBeLessThanOrEqual(65_535);
    expect(output?.text?.length).toBeLessThanOrEqual(65_535);
    expect(output?.summary).toMatch(/were left out/);
  });

  it('refuses a completed run without a conclusion before sending anything', async () => {
    const result = await h()
      .client()
      .createCheckRun({ ...run([]), conclusion: undefined, status: 'completed' });

    expect(result).toMatchObject({ success: false, isTransient: false });
    expect(result.errorMessage).toMatch(/needs a conclusion/);
    expect(h().github.writes()).toHaveLength(0);
  });
});

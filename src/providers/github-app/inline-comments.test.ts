import { afterEach, describe, expect, it } from 'vitest';
import {
  commentMarker,
  readFindings,
  renderInlineComments,
  resolveLevelMapping,
} from '../../annotations/index.js';
import type { ScmAnnotationClient, ScmInlineCommentsRequest } from '../../plugins/contracts.js';
import type { GitHubCheckRunAnnotation } from './check-runs.js';
import { type Harness, startHarness, TARGET } from './github-app.test-kit.js';

const patch = [
  '@@ -1,3 +1,5 @@',
  ' one',
  '+two',
  '+three',
  ' four',
  ' five',
  '@@ -20,2 +22,3 @@',
  ' ctx',
  '+added',
  ' ctx',
].join('\n');
const files = [
  { filename: 'src/a.ts', patch },
  ...Array.from({ length: 140 }, (_, i) => ({ filename: `gen/f${i}.ts`, patch: '@@ -0,0 +1 @@\n+x' })),
  { filename: 'big.bin' },
];
const finding = (path: string, startLine: number, endLine = startLine): GitHubCheckRunAnnotation => ({
  path,
  startLine,
  endLine,
  annotationLevel: 'failure',
  title: `issue at ${startLine}`,
  message: `details of ${path}:${startLine}`,
});
const findings = [
  finding('src/a.ts', 2, 3), // added lines of one hunk: a multi-line comment
  finding('./src/a.ts', 23), // added
  finding('src/a.ts', 4), // context line: not an added line
  finding('src/a.ts', 3, 23), // spans two hunks
  finding('src/other.ts', 1), // not in the pull request
  finding('gen/f139.ts', 1), // on the second page of files
  finding('big.bin', 1), // no patch
];
const request = { ...TARGET, findings, markerKey: 'scanner:trivy' };

let h: Harness | undefined;
afterEach(async () => {
  expect(h?.github.violations).toEqual([]);
  expect(h?.github.state.rejections).toEqual([]);
  await h?.close();
  h = undefined;
});

describe('github_app postInlineComments', () => {
  it('comments only on added lines of the diff and hands the rest back', async () => {
    h = await startHarness({
      fake: { pulls: [{ repository: 'acme/app', number: 7, headSha: TARGET.commitSha, files }] },
    });

    const result = await h.client().postInlineComments(request);

    expect(result.success).toBe(true);
    expect(result.result).toMatchObject({ posted: 3, unchanged: 0 });
    expect(result.result?.fallback.map((f) => `${f.path}:${f.startLine}`)).toEqual([
      'src/a.ts:4',
      'src/a.ts:3',
      'src/other.ts:1',
      'big.bin:1',
    ]);
    const stored = h.github.state.reviewComments.map((c) => [c.path, c.startLine, c.line]);
    expect(stored).toEqual([
      ['src/a.ts', 2, 3],
      ['src/a.ts', null, 23],
      ['gen/f139.ts', null, 1],
    ]);
    expect(h.github.requests('pulls/list-files')).toHaveLength(2);
    expect(h.github.writes('pulls/create-review')).toHaveLength(1);
  });

  it('does not repeat comments it already left', async () => {
    h = await startHarness({
      fake: { pulls: [{ repository: 'acme/app', number: 7, headSha: TARGET.commitSha, files }] },
    });
    const client = h.client();
    await client.postInlineComments(request);

    const again = await client.postInlineComments(request);

    expect(again.result).toMatchObject({ posted: 0, unchanged: 3 });
    expect(h.github.writes('pulls/create-review')).toHaveLength(1);
  });

  it('falls back instead of failing when GitHub refuses the review (the diff moved)', async () => {
    h = await startHarness({
      fake: { pulls: [{ repository: 'acme/app', number: 7, headSha: TARGET.commitSha, files }] },
    });
    h.github.inject({
      match: (r) => r.operation.operationId === 'pulls/create-review',
      response: {
        status: 422,
        body: {
          message: 'Unprocessable Entity',
          errors: ['pull_request_review_thread.line must be part of the diff'],
        },
      },
    });

    const result = await h.client().postInlineComments(request);

    expect(result.success).toBe(true);
    expect(result.result?.posted).toBe(0);
    expect(result.result?.fallback).toHaveLength(findings.length);
  });

  it('sends at most 30 comments per review', async () => {
    const many = Array.from({ length: 70 }, (_, i) => ({ filename: `m${i}.ts`, patch: '@@ -0,0 +1 @@\n+x' }));
    h = await startHarness({
      fake: { pulls: [{ repository: 'acme/app', number: 7, headSha: TARGET.commitSha, files: many }] },
    });

    const result = await h
      .client()
      .postInlineComments({ ...TARGET, findings: many.map((f) => finding(f.filename, 1)) });

    expect(result.result?.posted).toBe(70);
    expect(h.github.writes('pulls/create-review')).toHaveLength(3);
  });

  it('takes the annotate flow request through the contract (escaped findings, its own diff)', async () => {
    h = await startHarness({
      fake: { pulls: [{ repository: 'acme/app', number: 7, headSha: TARGET.commitSha, files }] },
    });
    const report = readFindings(
      {
        findings: [
          {
            ruleId: 'R1',
            severity: 'high',
            title: 'Use of <b>eval</b> | here',
            message: 'a `b`',
            path: 'src/a.ts',
            startLine: 23,
          },
          {
            ruleId: 'R2',
            severity: 'low',
            title: 'Context line',
            message: 'm',
            path: 'src/a.ts',
            startLine: 4,
          },
        ],
      },
      { format: 'native' },
    );
    const contractRequest: ScmInlineCommentsRequest = {
      ...TARGET,
      findings: renderInlineComments(report.findings, { levelMapping: resolveLevelMapping() }),
      markerKey: 'security/scan',
      // What the caller knows: GitHub's own diff wins (line 4 is context there, not added).
      changedLines: [{ path: 'src/a.ts', lines: [4, 23] }],
    };
    const client: ScmAnnotationClient = h.client();

    const first = await client.postInlineComments!(contractRequest);
    const again = await client.postInlineComments!(contractRequest);

    expect(first.result).toMatchObject({ posted: 1, unchanged: 0 });
    expect(first.result?.fallback.map((f) => `${f.path}:${f.startLine}`)).toEqual(['src/a.ts:4']);
    expect(again.result).toMatchObject({ posted: 0, unchanged: 1 });
    const [stored] = h.github.state.reviewComments;
    expect(stored).toMatchObject({ path: 'src/a.ts', line: 23 });
    expect(stored!.body.split('\n')[0]).toBe(commentMarker('security/scan'));
    expect(stored!.body).toContain('Use of &lt;b&gt;eval&lt;/b&gt; &#124; here');
    expect(stored!.body).not.toContain('<b>');
    expect(h.github.writes('pulls/create-review')).toHaveLength(1);
  });
});

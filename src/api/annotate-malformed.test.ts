import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseTargets } from '../../test/support/databases.js';
import {
  type AnnotateHarness,
  finding,
  readSarif,
  report,
  SHA,
  startAnnotateHarness,
} from './annotate.test-kit.js';

/**
 * Hostile and broken input to the annotate routes: each gets a clear 4xx naming the field, or (marked
 * `partial`) a 200 whose response accounts for what could not be used. Never a 5xx.
 */

const targets = await testDatabaseTargets();
const base = { owner: 'acme', repository: 'shop', pullRequestNumber: 7, commitSha: SHA };
const sarifLog = (results: unknown[], extra: Record<string, unknown> = {}) => ({
  version: '2.1.0',
  runs: [{ tool: { driver: { name: 'x', rules: [{ id: 'R1' }] } }, results, ...extra }],
});
const result = (extra: Record<string, unknown> = {}) => ({
  ruleId: 'R1',
  level: 'error',
  message: { text: 'bad' },
  locations: [{ physicalLocation: { artifactLocation: { uri: 'src/a.ts' }, region: { startLine: 3 } } }],
  ...extra,
});
const many = (count: number) =>
  report(
    Array.from({ length: count }, (_, i) => ({
      ruleId: 'R',
      severity: 'low',
      title: 't',
      message: 'm',
      path: `f${i % 100}.ts`,
      startLine: (i % 1000) + 1,
    })),
  );
const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;

type Expectation = number | 'partial';
interface Case {
  readonly name: string;
  readonly body: unknown;
  readonly status: Expectation;
  /** The route under `/api/v1/integrations/{id}/scm/`; default `annotate`. */
  readonly route?: string;
  /** A field the error names, or a check of a partial result. */
  readonly field?: string;
  readonly partial?: (body: any) => void;
  readonly raw?: boolean;
}

const CASES: Case[] = [
  { name: 'body that is not JSON', body: '{"owner":', status: 400, raw: true },
  { name: 'body that is an array', body: [base], status: 400 },
  { name: 'body with invalid UTF-8', body: Buffer.from([0x7b, 0xff, 0x7d]), status: 400, raw: true },
  {
    name: 'unknown field',
    body: { ...base, findings: report([]), extra: 1 },
    status: 400,
    field: '/body/extra',
  },
  { name: 'owner missing', body: { ...base, owner: undefined, findings: report([]) }, status: 400 },
  { name: 'owner with ..', body: { ...base, owner: '../etc', findings: report([]) }, status: 400 },
  { name: 'owner with a NUL', body: { ...base, owner: 'ac\u0000me', findings: report([]) }, status: 400 },
  { name: 'owner as a number', body: { ...base, owner: 42, findings: report([]) }, status: 400 },
  { name: 'repository ..', body: { ...base, repository: '..', findings: report([]) }, status: 400 },
  {
    name: 'repository with a slash',
    body: { ...base, repository: 'a/b', findings: report([]) },
    status: 400,
  },
  {
    name: 'repository with a newline',
    body: { ...base, repository: 'shop\n', findings: report([]) },
    status: 400,
  },
  { name: 'short SHA', body: { ...base, commitSha: 'abc1234', findings: report([]) }, status: 400 },
  { name: '41-digit SHA', body: { ...base, commitSha: `${SHA}0`, findings: report([]) }, status: 400 },
  { name: 'SHA not hex', body: { ...base, commitSha: 'g'.repeat(40), findings: report([]) }, status: 400 },
  { name: 'SHA missing', body: { ...base, commitSha: undefined, findings: report([]) }, status: 400 },
  { name: 'PR number 0', body: { ...base, pullRequestNumber: 0, findings: report([]) }, status: 400 },
  { name: 'PR number negative', body: { ...base, pullRequestNumber: -3, findings: report([]) }, status: 400 },
  {
    name: 'PR number huge',
    body: { ...base, pullRequestNumber: 2 ** 31, findings: report([]) },
    status: 400,
  },
  {
    name: 'PR number fractional',
    body: { ...base, pullRequestNumber: 1.5, findings: report([]) },
    status: 400,
  },
  { name: 'PR number as text', body: { ...base, pullRequestNumber: '7', findings: report([]) }, status: 400 },
  { name: 'neither findings nor SARIF', body: base, status: 400, field: '/body/findings' },
  {
    name: 'both findings and SARIF',
    body: { ...base, findings: report([]), sarif: sarifLog([]) },
    status: 400,
  },
  {
    name: 'SARIF text that is not JSON',
    body: { ...base, sarif: '{"runs": [' },
    status: 400,
    field: '/body/sarif',
  },
  { name: 'SARIF as an array', body: { ...base, sarif: [] }, status: 400 },
  { name: 'SARIF without runs', body: { ...base, sarif: { version: '2.1.0' } }, status: 400 },
  { name: 'SARIF runs not a list', body: { ...base, sarif: { version: '2.1.0', runs: 'x' } }, status: 400 },
  { name: 'SARIF nested 100,000 deep', body: { ...base, sarif: deep }, status: 400, field: '/body/sarif' },
  {
    name: 'SARIF result whose ruleIndex points nowhere',
    body: { ...base, sarif: sarifLog([result({ ruleId: undefined, ruleIndex: 99 })]) },
    status: 'partial',
    partial: (body) => expect(body.findings.read + body.findings.skipped).toBe(1),
  },
  {
    name: 'SARIF result without a location',
    body: { ...base, sarif: sarifLog([result({ locations: [] })]) },
    status: 'partial',
    partial: (body) => expect(body.findings).toMatchObject({ read: 1, inline: 0 }),
  },
  {
    name: 'SARIF location outside the repository (file:///etc/passwd)',
    body: {
      ...base,
      sarif: sarifLog([
        result({ locations: [{ physicalLocation: { artifactLocation: { uri: 'file:///etc/passwd' } } }] }),
      ]),
    },
    status: 'partial',
    partial: (body) => expect(body.findings.outsideRepository).toBe(1),
  },
  {
    name: 'SARIF message of 1 MB',
    body: { ...base, sarif: sarifLog([result({ message: { text: 'x'.repeat(1_000_000) } })]) },
    status: 'partial',
    partial: (body) => expect(body.posted).toBe(true),
  },
  { name: 'findings as text', body: { ...base, findings: 'lots' }, status: 400 },
  { name: 'findings list not a list', body: { ...base, findings: { findings: {} } }, status: 400 },
  {
    name: 'unknown severity',
    body: { ...base, findings: report([finding({ severity: 'urgent' })]) },
    status: 400,
    field: '/body/findings/findings/0/severity',
  },
  {
    name: 'finding message over 64 KiB',
    body: { ...base, findings: report([finding({ message: 'x'.repeat(65_537) })]) },
    status: 400,
  },
  {
    name: 'finding path with a control character',
    body: { ...base, findings: report([finding({ path: 'src/\u0007bell.ts' })]) },
    status: 400,
  },
  {
    name: 'finding path leaving the repository (../../etc/passwd)',
    body: { ...base, findings: report([finding({ path: '../../etc/passwd' })]) },
    status: 'partial',
    partial: (body) => expect(body.findings).toMatchObject({ read: 1, outsideRepository: 1, inline: 0 }),
  },
  { name: '100,001 findings', body: { ...base, findings: many(100_001) }, status: 400 },
  {
    name: '100,000 findings',
    body: { ...base, findings: many(100_000) },
    status: 'partial',
    partial: (body) => {
      expect(body.counts.low).toBe(100_000);
      expect(body.operations[2].posted.annotations).toBe(1000);
    },
  },
  { name: 'unknown operation', body: { ...base, operations: ['deploy'], findings: report([]) }, status: 400 },
  { name: 'no operation', body: { ...base, operations: [], findings: report([]) }, status: 400 },
  {
    name: 'an operation twice',
    body: { ...base, operations: ['status', 'status'], findings: report([]) },
    status: 400,
  },
  {
    name: 'comment without a pull request',
    body: { ...base, pullRequestNumber: undefined, operations: ['comment'], findings: report([]) },
    status: 400,
    field: '/body/operations',
  },
  { name: 'unknown scope', body: { ...base, scope: 'everything', findings: report([]) }, status: 400 },
  {
    name: 'changed-lines scope without a diff',
    body: { ...base, scope: 'changed-lines', findings: report([]) },
    status: 400,
    field: '/body/changedLines',
  },
  {
    name: 'changed line 0',
    body: {
      ...base,
      scope: 'changed-lines',
      changedLines: [{ path: 'a', lines: [0] }],
      findings: report([]),
    },
    status: 400,
  },
  {
    name: 'both diff and changedLines',
    body: { ...base, diff: '', changedLines: [], findings: report([]) },
    status: 400,
    field: '/body/diff',
  },
  {
    name: 'marker key closing the comment',
    body: { ...base, markerKey: 'a -->', findings: report([]) },
    status: 400,
  },
  { name: 'context with a tab', body: { ...base, context: 'a\tb', findings: report([]) }, status: 400 },
  { name: 'context of blanks', body: { ...base, context: '   ', findings: report([]) }, status: 400 },
  {
    name: 'context of 300 characters',
    body: { ...base, context: 'c'.repeat(300), findings: report([]) },
    status: 400,
  },
  {
    name: 'unknown annotation level',
    body: { ...base, levelMapping: { high: 'error' }, findings: report([]) },
    status: 400,
  },
  {
    name: 'unknown severity in policy',
    body: { ...base, policy: { failOn: ['urgent'] }, findings: report([]) },
    status: 400,
  },
  {
    name: 'relative repositoryRoot',
    body: { ...base, repositoryRoot: 'src', sarif: sarifLog([]) },
    status: 400,
  },
  {
    name: 'javascript: target URL',
    body: { ...base, targetUrl: 'javascript:alert(1)', findings: report([]) },
    status: 400,
  },
  { name: 'body over 32 MiB', body: { ...base, sarif: 'x'.repeat(33 * 1024 * 1024) }, status: 413 },
  { name: 'comment without a body', route: 'comments', body: { ...base, body: '' }, status: 400 },
  {
    name: 'status with an unknown state',
    route: 'statuses',
    body: { ...base, state: 'green', context: 'c' },
    status: 400,
  },
  {
    name: 'check run annotation path with ..',
    route: 'check-runs',
    body: {
      ...base,
      headSha: SHA,
      name: 'n',
      annotations: [{ path: 'a/../../x', startLine: 1, endLine: 1, annotationLevel: 'notice', message: 'm' }],
    },
    status: 400,
  },
  {
    name: 'check run annotation ending before it starts',
    route: 'check-runs',
    body: {
      owner: 'acme',
      repository: 'shop',
      headSha: SHA,
      name: 'n',
      annotations: [{ path: 'a.ts', startLine: 5, endLine: 2, annotationLevel: 'notice', message: 'm' }],
    },
    status: 400,
    field: '/body/annotations/0/endLine',
  },
  {
    name: 'check run with 1,001 annotations',
    route: 'check-runs',
    body: {
      owner: 'acme',
      repository: 'shop',
      headSha: SHA,
      name: 'n',
      annotations: Array.from({ length: 1001 }, () => ({
        path: 'a.ts',
        startLine: 1,
        endLine: 1,
        annotationLevel: 'notice',
        message: 'm',
      })),
    },
    status: 400,
  },
];

describe.each(targets)('malformed annotate input on $dialect', (target) => {
  let h: AnnotateHarness;
  let id: string;
  beforeAll(async () => {
    if (!target.available) return;
    h = await startAnnotateHarness(target);
    id = await h.integration('hostile');
  });
  afterAll(async () => h?.t.dispose());
  const test = it.skipIf(!target.available);

  test('has at least 30 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });

  test.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const response = await h.t.request({
      method: 'POST',
      url: `/api/v1/integrations/${id}/scm/${c.route ?? 'annotate'}`,
      headers: { 'content-type': 'application/json' },
      payload: c.raw ? (c.body as string) : JSON.stringify(c.body),
    });

    expect(response.status, JSON.stringify(response.body).slice(0, 500)).toBe(
      c.status === 'partial' ? 200 : c.status,
    );
    if (c.status === 'partial') c.partial?.(response.body);
    else {
      expect(response.body.error.message).toBeTruthy();
      if (c.field)
        expect(response.body.error.details.map((d: { field: string }) => d.field)).toContain(c.field);
    }
  });

  test('a path id that is not a UUID, or another one, is a 400 or 404', async () => {
    const body = { ...base, findings: report([]) };

    const notUuid = await h.annotate('not-a-uuid', body);
    const unknown = await h.annotate('01890a5d-ac96-774b-bcce-b302099a8057', body);
    const replayUnknown = await h.t.request({
      method: 'POST',
      url: '/api/v1/offline-queue/01890a5d-ac96-774b-bcce-b302099a8057/replay',
    });

    expect([notUuid.status, unknown.status, replayUnknown.status]).toEqual([400, 404, 404]);
  });

  test('every real SARIF fixture annotates without a 5xx', async () => {
    const names = [
      'bandit-eval-context-region.sarif',
      'checkov-terraform-with-secret.sarif',
      'hadolint-no-results-minified.sarif',
    ];

    const statuses = await Promise.all(
      names.map(
        async (name) => (await h.annotate(id, { ...base, dryRun: true, sarif: readSarif(name) })).status,
      ),
    );

    expect(statuses).toEqual([200, 200, 200]);
  });
});

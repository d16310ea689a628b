import { describe, expect, it } from 'vitest';
import { aFinding, aReport } from './annotations.test-kit.js';
import type { ReadFinding } from './findings.js';
import type { ReportSummary } from './headline.js';
import { batches, PLATFORM_LIMITS } from './limits.js';
import { toEntries } from './order.js';
import { DEFAULT_LEVEL_MAPPING, DEFAULT_POLICY, evaluatePolicy } from './policy.js';
import { type CheckRunOptions, renderCheckRun } from './render-check-run.js';
import { countBySeverity, zeroCounts } from './severity.js';
import { utf8Length } from './text.js';

function render(findings: readonly ReadFinding[], options: Partial<CheckRunOptions> = {}) {
  const report = aReport(findings);
  const summary: ReportSummary = {
    decision: evaluatePolicy(countBySeverity(findings), DEFAULT_POLICY),
    scope: 'all',
    excluded: zeroCounts(),
    outsideCount: 0,
    scannerErrors: [],
  };
  return renderCheckRun(toEntries(report), summary, {
    name: 'Security scan',
    limits: PLATFORM_LIMITS.github,
    levelMapping: DEFAULT_LEVEL_MAPPING,
    heading: 'Security scan',
    ...options,
  });
}

describe('renderCheckRun', () => {
  it('annotates each finding with a path and a line, at the mapped level', () => {
    const run = render([
      aFinding({ severity: 'critical', ruleId: 'C1', title: 'Critical thing', startLine: 4, endLine: 6 }),
      aFinding({
        severity: 'medium',
        ruleId: 'M1',
        title: 'M1',
        startLine: 8,
        endLine: 8,
        startColumn: 3,
        endColumn: 9,
      }),
      aFinding({ severity: 'info', startLine: 1, endLine: 1 }),
    ]);

    expect(run).toMatchObject({ name: 'Security scan', status: 'completed', conclusion: 'failure' });
    expect(run.annotations).toEqual([
      {
        path: 'src/app.ts',
        startLine: 4,
        endLine: 6,
        annotationLevel: 'failure',
        title: '[critical] C1: Critical thing',
        message: 'A message',
      },
      {
        path: 'src/app.ts',
        startLine: 8,
        endLine: 8,
        annotationLevel: 'warning',
        title: '[medium] M1',
        message: 'A message',
        startColumn: 3,
        endColumn: 9,
      },
      {
        path: 'src/app.ts',
        startLine: 1,
        endLine: 1,
        annotationLevel: 'notice',
        title: '[info] rule-1: A title',
        message: 'A message',
      },
    ]);
    expect(run.text).toBe('All 3 findings are annotated on their lines.\n');
  });

  it('drops columns across lines and repairs endLine before startLine', () => {
    const [annotation] = render([
      aFinding({ startLine: 9, endLine: 3, startColumn: 2, endColumn: 5 }),
    ]).annotations;

    expect(annotation).toMatchObject({ startLine: 9, endLine: 9, startColumn: 2, endColumn: 5 });
    const [multi] = render([
      aFinding({ startLine: 3, endLine: 9, startColumn: 2, endColumn: 5 }),
    ]).annotations;
    expect(multi?.startColumn).toBeUndefined();
    expect(multi?.endColumn).toBeUndefined();
  });

  it('lists findings without a path or line, and those past maxAnnotations, in the text', () => {
    const run = render(
      [
        aFinding({ path: undefined, startLine: undefined, title: 'No place' }),
        aFinding({ startLine: undefined, title: 'File only' }),
        aFinding({ title: 'First', startLine: 1 }),
        aFinding({ title: 'Second', startLine: 2 }),
      ],
      { maxAnnotations: 1 },
    );

    expect(run.annotations.map((a) => a.startLine)).toEqual([1]);
    expect(run.text).toContain('No place');
    expect(run.text).toContain('File only');
    expect(run.text).toContain('Second');
    expect(run.summary).toContain('1 finding annotated on its line; 3 other findings listed in the details.');
  });

  it('cuts titles to 255 characters and messages to 64 KB, keeping surrogate pairs whole', () => {
    const [annotation] = render([
      aFinding({ title: '😀'.repeat(400), message: '😀'.repeat(20_000) }),
    ]).annotations;

    expect(annotation?.title?.length).toBeLessThanOrEqual(255);
    expect(utf8Length(annotation?.message ?? '')).toBeLessThanOrEqual(64 * 1024);
    expect(annotation?.message.endsWith('😀\u2026')).toBe(true);
  });

  it('keeps summary and text within 65,535 characters with many unplaced findings', () => {
    const findings = Array.from({ length: 3000 }, (_, i) =>
      aFinding({
        path: undefined,
        startLine: undefined,
        title: `T${i} ${'|'.repeat(100)}`,
        message: '<x>'.repeat(100),
      }),
    );

    const run = render(findings);

    expect(run.text.length).toBeLessThanOrEqual(65_535);
    expect(utf8Length(run.text)).toBeLessThanOrEqual(65_535);
    expect(run.summary.length).toBeLessThanOrEqual(65_535);
    expect(run.text).toMatch(/_\d+ more findings not shown: the text would exceed the size limit\._/);
  });

  it('keeps ASCII when asked, paths excepted', () => {
    const run = render([aFinding({ title: 'Grüße 😀', message: 'naïve “quote”', path: 'src/é.ts' })], {
      asciiOnly: true,
    });

    expect(run.annotations[0]).toMatchObject({
      title: '[high] rule-1: Grusse ?',
      message: 'naive "quote"',
      path: 'src/é.ts',
    });
    expect(run.summary).toMatch(/^[\t\n\r -~]*$/);
  });

  it('has annotations that batch into GitHub requests of 50', () => {
    const run = render(Array.from({ length: 120 }, (_, i) => aFinding({ startLine: i + 1 })));

    expect(batches(run.annotations).map((batch) => batch.length)).toEqual([50, 50, 20]);
  });
});

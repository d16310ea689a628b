import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readFixture } from './annotations.test-kit.js';
import { buildAnnotations } from './build-annotations.js';
import { PLATFORM_LIMITS, PLATFORMS } from './limits.js';
import { readFindings } from './read-findings.js';
import { SEVERITIES } from './severity.js';
import { utf8Length } from './text.js';
import { parseUnifiedDiff } from './unified-diff.js';

const nativeReport = {
  tool: { name: 'scanner', version: '1.0' },
  evidenceUrl: 'https://scans.example/42',
  findings: [
    {
      ruleId: 'SQLI',
      severity: 'critical',
      title: 'SQL injection',
      message: 'query built from input',
      path: 'src/db.ts',
      startLine: 12,
    },
    {
      ruleId: 'XSS',
      severity: 'high',
      title: 'XSS',
      message: 'unescaped output',
      path: 'src/view.ts',
      startLine: 40,
    },
    {
      ruleId: 'WEAK',
      severity: 'medium',
      title: 'Weak hash',
      message: 'md5',
      path: 'src/db.ts',
      startLine: 99,
    },
    { ruleId: 'OLD', severity: 'low', title: 'Old dep', message: 'update', path: 'package.json' },
    {
      ruleId: 'ESC',
      severity: 'critical',
      title: 'Escapes',
      message: 'outside',
      path: '../secrets.txt',
      startLine: 1,
    },
  ],
};
const diff = [
  'diff --git a/src/db.ts b/src/db.ts',
  '--- a/src/db.ts',
  '+++ b/src/db.ts',
  '@@ -10,2 +10,3 @@',
  ' a',
  ' b',
  '+c',
  '@@ -98,0 +99,0 @@',
  '',
].join('\n');

describe('buildAnnotations', () => {
  const report = readFindings(nativeReport);

  it('counts every finding for scope all, outside-repository findings included', () => {
    const out = buildAnnotations(report, { markerKey: 'scanner' });

    expect(out.counts).toEqual({ critical: 2, high: 1, medium: 1, low: 1, info: 0 });
    expect(out.outcome).toBe('fail');
    expect(out.status).toEqual({
      state: 'failure',
      description: 'Failed: 2 critical, 1 high, 1 medium, 1 low',
      context: 'security/scan',
    });
    expect(out.inline.map((f) => f.ruleId)).toEqual(['SQLI', 'XSS', 'WEAK']);
    expect(out.fileLevel.map((f) => f.ruleId)).toEqual(['OLD']);
    expect(out.comment).toContain(
      '../secrets.txt:1 (outside the repository: the path climbs out of the repository)',
    );
    expect(out.comment).toContain('[Full report](https://scans.example/42)');
    expect(out.checkRun.annotations.map((a) => a.path)).toEqual(['src/db.ts', 'src/view.ts', 'src/db.ts']);
  });

  it('reports only changed lines for scope changed-lines, and says what it left out', () => {
    const out = buildAnnotations(report, {
      markerKey: 'scanner',
      scope: 'changed-lines',
      changedLines: parseUnifiedDiff(diff),
    });

    expect(out.inline.map((f) => f.ruleId)).toEqual(['SQLI']);
    expect(out.counts).toEqual({ critical: 1, high: 0, medium: 0, low: 0, info: 0 });
    expect(out.excluded).toEqual({ critical: 1, high: 1, medium: 1, low: 1, info: 0 });
    expect(out.comment).toContain(
      'Only findings on the changed lines are listed; 4 other findings (1 critical, 1 high, 1 medium, 1 low) are not.',
    );
    expect(out.status.description).toBe('Failed: 1 critical on changed lines');
    expect(out.checkRun.annotations).toHaveLength(1);
  });

  it('keeps changed files for scope changed-files', () => {
    const out = buildAnnotations(report, {
      markerKey: 'scanner',
      scope: 'changed-files',
      changedLines: [{ path: 'src/db.ts', lines: [12] }],
    });

    expect(out.inline.map((f) => f.ruleId)).toEqual(['SQLI']);
    expect(out.fileLevel.map((f) => f.ruleId)).toEqual(['WEAK']);
    expect(out.counts.medium).toBe(1);
  });

  it('lets the request policy override the integration policy', () => {
    const integrationOnly = buildAnnotations(report, {
      markerKey: 'k',
      integrationPolicy: { failOn: 'never', warnOn: ['low'] },
    });
    const requestWins = buildAnnotations(report, {
      markerKey: 'k',
      integrationPolicy: { failOn: 'never' },
      policy: { failOn: ['critical'] },
    });

    expect([
      integrationOnly.outcome,
      integrationOnly.checkRun.conclusion,
      integrationOnly.status.state,
    ]).toEqual(['warn', 'neutral', 'success']);
    expect(requestWins.outcome).toBe('fail');
  });

  it('uses the level mapping for annotations', () => {
    const out = buildAnnotations(report, { markerKey: 'k', levelMapping: { critical: 'warning' } });

    expect(out.checkRun.annotations.map((a) => a.annotationLevel)).toEqual(['warning', 'failure', 'warning']);
  });

  it('gives identical payloads for the same findings in any order', () => {
    const shuffled = readFindings({ ...nativeReport, findings: [...nativeReport.findings].reverse() });

    expect(buildAnnotations(shuffled, { markerKey: 'k' })).toEqual(
      buildAnnotations(report, { markerKey: 'k' }),
    );
  });

  it('respects every platform limit for any fixture, scope and option (property)', () => {
    const reports = [
      'checkov-terraform-with-secret.sarif',
      'trivy-image-alpine-310.sarif',
      'grype-directory-absolute-paths.sarif',
    ].map((name) => readFindings(readFixture(name)));
    fc.assert(
      fc.property(
        fc.constantFrom(...reports),
        fc.constantFrom(...PLATFORMS),
        fc.boolean(),
        fc.integer({ min: 0, max: 30 }),
        fc.subarray([...SEVERITIES]),
        (read, platform, asciiOnly, maxTableRows, failOn) => {
          const out = buildAnnotations(read, {
            markerKey: 'k',
            platform,
            asciiOnly,
            maxTableRows,
            policy: { failOn },
          });
          const limits = PLATFORM_LIMITS[platform];

          expect(out.comment.length).toBeLessThanOrEqual(limits.commentLength);
          expect(out.status.description.length).toBeLessThanOrEqual(limits.statusDescriptionLength);
          expect(out.checkRun.summary.length).toBeLessThanOrEqual(limits.checkRunSummaryLength);
          expect(out.checkRun.text.length).toBeLessThanOrEqual(limits.checkRunTextLength);
          for (const annotation of out.checkRun.annotations) {
            expect(annotation.title?.length ?? 0).toBeLessThanOrEqual(limits.annotationTitleLength);
            expect(utf8Length(annotation.message)).toBeLessThanOrEqual(limits.annotationMessageBytes);
            expect(annotation.endLine).toBeGreaterThanOrEqual(annotation.startLine);
          }
          if (asciiOnly)
            expect(out.comment + out.checkRun.summary + out.checkRun.text).toMatch(/^[\t\n\r -~]*$/);
        },
      ),
      { numRuns: 40 },
    );
  });
});

import { describe, expect, it } from 'vitest';
import { countResults, fixtureNames, readFixture } from '../annotations.test-kit.js';
import { readFindings } from '../read-findings.js';

describe('SARIF fixtures (real tool output)', () => {
  const names = fixtureNames();

  it('finds the whole shared set', () => {
    expect(names).toHaveLength(13);
  });

  it.each(names)('%s reads without error and without losing a result', (name) => {
    const text = readFixture(name);

    const report = readFindings(text);

    const accounted = report.findings.length + report.outsideRepository.length + report.skipped.length;
    expect(accounted).toBe(countResults(text));
    expect(report.skipped).toEqual([]);
    expect(report.format).toBe('sarif');
    const fingerprints = [...report.findings, ...report.outsideRepository.map((o) => o.finding)].map(
      (f) => f.fingerprint,
    );
    expect(new Set(fingerprints).size).toBe(fingerprints.length);
  });

  it('reads the same from bytes as from text, and from a parsed object', () => {
    for (const name of names) {
      const text = readFixture(name);

      const fromText = readFindings(text);
      const fromBytes = readFindings(Buffer.from(text, 'utf8'));
      const fromObject = readFindings(JSON.parse(text));

      expect(fromBytes).toEqual(fromText);
      expect(fromObject).toEqual(fromText);
    }
  });

  it('resolves an index-only artifact location through run.artifacts (CodeQL)', () => {
    const report = readFindings(readFixture('codeql-fingerprinting-index-only-location.sarif'));

    expect(report.findings.map((f) => [f.path, f.startLine, f.message])).toEqual([
      ['testFile1.js', 1, 'Unused variable a.'],
      ['testFile2.js', 2, 'Unused variable bar.'],
    ]);
  });

  it('keeps the rule id of a dangling ruleIndex and uses it as the title', () => {
    const report = readFindings(readFixture('codeql-lgtm-uri-with-spaces.sarif'));

    expect(report.findings[0]).toMatchObject({
      ruleId: 'js/unused-local-variable',
      title: 'js/unused-local-variable',
      path: 'not a valid URI',
      startColumn: 7,
      endColumn: 10,
    });
  });

  it('reports absolute paths without a root as outside the repository, and relates them with one', () => {
    const text = readFixture('grype-directory-absolute-paths.sarif');

    const without = readFindings(text);
    const withRoot = readFindings(text, { repositoryRoot: '/some/path' });
    const elsewhere = readFindings(text, { repositoryRoot: '/other' });

    expect(without.outsideRepository.map((o) => [o.location, o.reason])).toEqual([
      ['/some/path/somefile-1.txt', 'absolute-without-root'],
      ['/some/path/somefile-2.txt', 'absolute-without-root'],
    ]);
    expect(withRoot.findings.map((f) => f.path)).toEqual(['somefile-1.txt', 'somefile-2.txt']);
    expect(elsewhere.outsideRepository.map((o) => o.reason)).toEqual(['outside-root', 'outside-root']);
  });

  it('maps security-severity strings, levels and rule defaults to severities', () => {
    const grype = readFindings(readFixture('grype-directory-absolute-paths.sarif'));
    const semgrep = readFindings(readFixture('semgrep-dataflow-codeflows.sarif'));
    const scorecard = readFindings(readFixture('scorecard-multirun-automation-details.sarif'));
    const trivy = readFindings(readFixture('trivy-image-alpine-310.sarif'));

    expect(grype.outsideRepository.map((o) => o.finding.severity)).toEqual(['medium', 'low']);
    expect(semgrep.findings[0]?.severity).toBe('medium');
    expect(scorecard.findings.map((f) => f.severity)).toEqual(['high', 'high', 'low', 'low', 'low', 'low']);
    expect(trivy.findings.map((f) => f.severity)).toEqual([
      'medium',
      'medium',
      'medium',
      'low',
      'medium',
      'medium',
      'medium',
      'low',
    ]);
  });

  it('reads every run of a multi-run log and names the tools once', () => {
    const scorecard = readFindings(readFixture('scorecard-multirun-automation-details.sarif'));
    const multi = readFindings(readFixture('multi-tool-names-empty-runs.sarif'));

    expect(scorecard.findings).toHaveLength(6);
    expect(scorecard.tool).toEqual({ name: 'Scorecard', version: '1.2.3' });
    expect(multi.tool).toEqual({ name: 'CodeQL command-line toolchain, ESLint' });
  });

  it('reports the errors a scanner noted about its own run', () => {
    const report = readFindings(readFixture('semgrep-errors-no-results.sarif'));

    expect(report.scannerErrors).toEqual(['Semgrep OSS: Invalid scanning root: targets/basic/inexistent.py']);
  });

  it('strips %SRCROOT% and keeps snippets', () => {
    const report = readFindings(readFixture('semgrep-dataflow-codeflows.sarif'));

    expect(report.findings[0]).toMatchObject({
      path: 'targets/taint/taint.py',
      startLine: 9,
      endLine: 9,
      startColumn: 5,
      endColumn: 13,
      snippet: '    sink1(b)',
    });
  });
});

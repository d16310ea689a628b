import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../core/errors.js';
import { aFinding, aReport, readFixture } from './annotations.test-kit.js';
import { type BuildAnnotationsOptions, buildAnnotations } from './build-annotations.js';
import { readFindings } from './read-findings.js';
import { parseUnifiedDiff } from './unified-diff.js';

/**
 * Hostile and broken input: each case must give an `InvalidInputError` that names the field at fault,
 * or a documented partial result; never any other exception.
 */

const sarif = (runs: unknown, extra: Record<string, unknown> = {}) => ({ version: '2.1.0', runs, ...extra });
const run = (results: unknown) => ({ tool: { driver: { name: 't' } }, results });
const okResult = { ruleId: 'R', message: { text: 'm' } };
const native = (finding: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  findings: [{ ruleId: 'R1', severity: 'high', title: 'T', message: 'M', ...finding }],
  ...extra,
});

/** [name, input, field named in the error]. */
const readCases: [string, unknown, string][] = [
  ['text that is not JSON', '{"version": "2.1.0", runs: []}', ''],
  ['an empty string', '', ''],
  ['JSON cut in the middle', readFixture('gosec-cwe-taxonomy-fixes.sarif').slice(0, 3000), ''],
  ['a JSON array', '[]', ''],
  ['JSON null', 'null', ''],
  ['a number', 42, ''],
  ['an object that is neither format', { foo: 1 }, ''],
  ['SARIF version 2.0.0', sarif([], { version: '2.0.0' }), '/version'],
  ['SARIF version as a number', sarif([], { version: 2.1 }), '/version'],
  ['SARIF without a version', { runs: [] }, '/version'],
  ['runs as an object', sarif({}), '/runs'],
  ['runs missing', { version: '2.1.0' }, '/runs'],
  ['runs null', sarif(null), '/runs'],
  ['a run that is a string', sarif(['run']), '/runs/0'],
  ['a run that is null', sarif([run([]), null]), '/runs/1'],
  ['results as an object', sarif([run({})]), '/runs/0/results'],
  ['results as a string', sarif([run('none')]), '/runs/0/results'],
  ['a result that is a number', sarif([run([okResult, 7])]), '/runs/0/results/1'],
  ['a result that is an array', sarif([run([[okResult]])]), '/runs/0/results/0'],
  ['a result that is null', sarif([run([null])]), '/runs/0/results/0'],
  ['locations as an object', sarif([run([{ ...okResult, locations: {} }])]), '/runs/0/results/0/locations'],
  ['message as a string', sarif([run([{ ...okResult, message: 'm' }])]), '/runs/0/results/0/message'],
  [
    '100,001 results over two runs',
    sarif([run(new Array(60_000).fill(okResult)), run(new Array(40_001).fill(okResult))]),
    '/runs/1/results',
  ],
  ['native findings not an array', { findings: {} }, '/findings'],
  ['a native finding without ruleId', native({ ruleId: undefined }), '/findings/0/ruleId'],
  ['an unknown severity', native({ severity: 'urgent' }), '/findings/0/severity'],
  ['startLine 0', native({ startLine: 0 }), '/findings/0/startLine'],
  ['startLine as a string', native({ startLine: '12' }), '/findings/0/startLine'],
  ['a 70 KiB message', native({ message: 'x'.repeat(70 * 1024) }), '/findings/0/message'],
  [
    'a message of 40,000 two-byte characters (80 KB)',
    native({ message: 'é'.repeat(40_000) }),
    '/findings/0/message',
  ],
  ['100,001 findings', { findings: new Array(100_001).fill(native({}).findings[0]) }, '/findings'],
  ['a BEL in the title', native({ title: 'ring\u0007' }), '/findings/0/title'],
  ['a NUL byte in the message', native({ message: 'a\u0000b' }), '/findings/0/message'],
  ['a carriage return in the message', native({ message: 'a\r\nb' }), '/findings/0/message'],
  ['a C1 control in the rule id', native({ ruleId: 'R\u009b1' }), '/findings/0/ruleId'],
  ['a NUL byte in the path', native({ path: 'src/a\u0000.ts' }), '/findings/0/path'],
  ['endLine before startLine', native({ startLine: 9, endLine: 3 }), '/findings/0/endLine'],
  [
    'endColumn before startColumn on one line',
    native({ startLine: 2, startColumn: 9, endColumn: 3 }),
    '/findings/0/endColumn',
  ],
  ['an unknown verdict', native({}, { verdict: 'maybe' }), '/verdict'],
  ['a javascript: evidence URL', native({}, { evidenceUrl: 'javascript:alert(1)' }), '/evidenceUrl'],
  ['a tool name that is a number', native({}, { tool: { name: 5 } }), '/tool/name'],
  ['a package without a name', native({ package: { version: '1' } }), '/findings/0/package/name'],
  [
    'advisoryIds not a list',
    native({ package: { name: 'p', version: '1', advisoryIds: 'CVE-1' } }),
    '/findings/0/package/advisoryIds',
  ],
  ['a fingerprint with spaces', native({ fingerprint: 'a b' }), '/findings/0/fingerprint'],
  ['a helpUrl with a newline', native({ helpUrl: 'https://x.example/\nevil' }), '/findings/0/helpUrl'],
];

function expectInvalid(run: () => unknown, field: string): InvalidInputError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(InvalidInputError);
  const error = caught as InvalidInputError;
  expect(error.details[0]?.field).toBe(field);
  expect(error.message.length).toBeGreaterThan(10);
  return error;
}

describe('malformed input to readFindings', () => {
  it.each(readCases)('refuses %s', (_name, input, field) => {
    expectInvalid(() => readFindings(input), field);
  });

  it('refuses input above maxInputBytes, as text and as bytes', () => {
    const text = readFixture('checkov-terraform-with-secret.sarif');

    expectInvalid(() => readFindings(text, { maxInputBytes: 1000 }), '');
    expectInvalid(() => readFindings(Buffer.from(text), { maxInputBytes: 1000 }), '');
  });

  it('refuses a relative or control-character repositoryRoot', () => {
    expectInvalid(() => readFindings(native({}), { repositoryRoot: 'repo' }), 'repositoryRoot');
    expectInvalid(() => readFindings(native({}), { repositoryRoot: '/re\u0000po' }), 'repositoryRoot');
    expectInvalid(
      () => readFindings(native({}), { repositoryRoot: 'https://example.com/repo' }),
      'repositoryRoot',
    );
  });

  it('says what is wrong in words', () => {
    const error = expectInvalid(() => readFindings(native({ message: 'a\u0000b' })), '/findings/0/message');

    expect(error.details[0]?.message).toBe('must not contain control characters other than \\n and \\t');
  });
});

describe('documented partial results', () => {
  it('returns native paths that climb out of the repository in outsideRepository', () => {
    const report = readFindings(native({ path: '../../etc/passwd' }));

    expect(report.findings).toEqual([]);
    expect(report.outsideRepository[0]).toMatchObject({
      location: '../../etc/passwd',
      reason: 'parent-traversal',
    });
  });

  it('returns absolute native paths without a root in outsideRepository, and relates them with one', () => {
    expect(readFindings(native({ path: '/etc/passwd' })).outsideRepository[0]?.reason).toBe(
      'absolute-without-root',
    );
    expect(
      readFindings(native({ path: '/repo/a/b.ts' }), { repositoryRoot: '/repo/' }).findings[0]?.path,
    ).toBe('a/b.ts');
  });

  it('cleans NUL bytes and lone surrogates in SARIF text instead of refusing the log', () => {
    const doc = sarif([run([{ ruleId: 'R', message: { text: 'a\u0000b\ud800' } }])]);

    expect(readFindings(doc).findings[0]?.message).toBe('a\ufffdb\ufffd');
  });

  it('treats a SARIF message longer than 64 KiB as cut, not as an error', () => {
    const doc = sarif([run([{ ruleId: 'R', message: { text: '€'.repeat(70_000) } }])]);

    const message = readFindings(doc).findings[0]?.message ?? '';

    expect(Buffer.byteLength(message)).toBeLessThanOrEqual(64 * 1024);
    expect(message.endsWith('\u2026')).toBe(true);
  });
});

describe('malformed options to buildAnnotations', () => {
  const report = aReport([aFinding()]);
  const cases: [string, Partial<BuildAnnotationsOptions>, string][] = [
    ['a marker key that could close the comment', { markerKey: 'x -->' }, 'markerKey'],
    ['an empty marker key', { markerKey: '' }, 'markerKey'],
    ['changed-lines without changedLines', { scope: 'changed-lines' }, 'changedLines'],
    ['an unknown scope', { scope: 'some' as never, changedLines: [] }, 'scope'],
    ['an unknown failOn severity', { policy: { failOn: ['urgent' as never] } }, 'policy/failOn/0'],
    ['warnOn not a list', { integrationPolicy: { warnOn: 'high' as never } }, 'policy/warnOn'],
    ['an unknown annotation level', { levelMapping: { high: 'error' as never } }, 'levelMapping/high'],
    [
      'line 0 in changedLines',
      { scope: 'changed-lines', changedLines: [{ path: 'a', lines: [0] }] },
      'changedLines/0/lines/0',
    ],
    ['an unknown platform', { platform: 'bitbucket' as never }, 'platform'],
    ['a status context with a newline', { context: 'security\nscan' }, 'context'],
    ['an empty check run name', { checkRunName: ' ' }, 'checkRunName'],
  ];

  it.each(cases)('refuses %s', (_name, options, field) => {
    expectInvalid(() => buildAnnotations(report, { markerKey: 'k', ...options }), field);
  });

  it('refuses a diff that is not text', () => {
    expectInvalid(() => parseUnifiedDiff(42 as never), 'diff');
  });
});

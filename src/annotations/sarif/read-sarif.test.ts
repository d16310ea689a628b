import { describe, expect, it } from 'vitest';
import { readFindings } from '../read-findings.js';

/** A SARIF log with one run around `run` fields. */
function log(run: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { version: '2.1.0', runs: [{ tool: { driver: { name: 'tool' } }, ...run }], ...extra };
}

function result(fields: Record<string, unknown> = {}) {
  return {
    ruleId: 'R1',
    message: { text: 'problem' },
    locations: [{ physicalLocation: { artifactLocation: { uri: 'src/a.ts' }, region: { startLine: 3 } } }],
    ...fields,
  };
}

describe('readFindings on SARIF: rules', () => {
  it('finds rules in extensions through rule.toolComponent and rule.index', () => {
    const doc = log({
      tool: {
        driver: { name: 'CodeQL', rules: [] },
        extensions: [
          { name: 'pack-a', rules: [{ id: 'X', shortDescription: { text: 'wrong' } }] },
          {
            name: 'pack-b',
            rules: [
              {
                id: 'js/sql',
                shortDescription: { text: 'SQL injection' },
                properties: { 'security-severity': '9.8' },
              },
            ],
          },
        ],
      },
      results: [result({ ruleId: undefined, rule: { id: 'js/sql', index: 0, toolComponent: { index: 1 } } })],
    });

    const [finding] = readFindings(doc).findings;

    expect(finding).toMatchObject({ ruleId: 'js/sql', title: 'SQL injection', severity: 'critical' });
  });

  it('finds an extension rule by id when the result names none of the components', () => {
    const doc = log({
      tool: {
        driver: { name: 'CodeQL' },
        extensions: [{ name: 'pack', rules: [{ id: 'R1', name: 'Rule one' }] }],
      },
      results: [result()],
    });

    expect(readFindings(doc).findings[0]?.title).toBe('Rule one');
  });

  it('prefers ruleIndex, and falls back to the id when the index dangles or disagrees', () => {
    const rules = [
      { id: 'A', shortDescription: { text: 'Rule A' } },
      { id: 'B', shortDescription: { text: 'Rule B' } },
    ];
    const doc = log({
      tool: { driver: { name: 't', rules } },
      results: [
        result({ ruleId: 'B', ruleIndex: 1 }),
        result({ ruleId: 'B', ruleIndex: 7 }),
        result({ ruleId: 'B', ruleIndex: 0 }),
        result({ ruleId: undefined, ruleIndex: 0 }),
      ],
    });

    const findings = readFindings(doc).findings;

    expect(findings.map((f) => `${f.ruleId}:${f.title}`).sort()).toEqual([
      'A:Rule A',
      'B:Rule B',
      'B:Rule B',
      'B:Rule B',
    ]);
  });

  it('takes the level from the result, then the rule default, then kind, then warning', () => {
    const doc = log({
      tool: { driver: { name: 't', rules: [{ id: 'E', defaultConfiguration: { level: 'error' } }] } },
      results: [
        result({ ruleId: 'E', level: 'note' }),
        result({ ruleId: 'E' }),
        result({ ruleId: 'Z', kind: 'informational' }),
        result({ ruleId: 'Z' }),
        result({ ruleId: 'Z', level: 'bogus' }),
      ],
    });

    const severities = readFindings(doc)
      .findings.map((f) => `${f.ruleId}:${f.severity}`)
      .sort();

    expect(severities).toEqual(['E:high', 'E:low', 'Z:info', 'Z:medium', 'Z:medium']);
  });

  it('maps security-severity scores at the boundaries and ignores nonsense', () => {
    const scores = [9, 8.9, 7, 6.9, 4, 3.9, 0.1, 0, '10.0', 'high', 11, -1];
    const doc = log({
      results: scores.map((score, index) =>
        result({ ruleId: `R${index}`, level: 'note', properties: { 'security-severity': score } }),
      ),
    });

    const byRule = new Map(readFindings(doc).findings.map((f) => [f.ruleId, f.severity]));

    expect(scores.map((_, index) => byRule.get(`R${index}`))).toEqual([
      'critical',
      'high',
      'high',
      'medium',
      'medium',
      'low',
      'low',
      'info',
      'critical',
      'low',
      'low',
      'low',
    ]);
  });
});

describe('readFindings on SARIF: messages', () => {
  it('uses text, then markdown, then messageStrings with arguments', () => {
    const doc = log({
      tool: {
        driver: {
          name: 't',
          rules: [{ id: 'R1', messageStrings: { default: { text: 'Variable {0} is unused in {1}.' } } }],
          globalMessageStrings: { global: { text: 'Global {0}' } },
        },
      },
      results: [
        result({ message: { text: 'plain', markdown: '*md*' } }),
        result({ message: { markdown: '*md only*' } }),
        result({ message: { id: 'default', arguments: ['x', 'f()'] } }),
        result({ message: { id: 'global', arguments: ['g'] } }),
        result({ message: { id: 'constructor' } }),
      ],
    });

    const messages = readFindings(doc)
      .findings.map((f) => f.message)
      .sort();

    expect(messages).toEqual(['', '*md only*', 'Global g', 'Variable x is unused in f().', 'plain']);
  });

  it('bounds placeholder expansion', () => {
    const doc = log({
      tool: {
        driver: { name: 't', rules: [{ id: 'R1', messageStrings: { m: { text: '{0}'.repeat(5000) } } }] },
      },
      results: [result({ message: { id: 'm', arguments: ['x'.repeat(10_000)] } })],
    });

    const [finding] = readFindings(doc).findings;

    expect(finding?.message.length).toBeLessThanOrEqual(64 * 1024);
  });

  it('cleans control characters and CRLF from tool text', () => {
    const doc = log({ results: [result({ message: { text: 'a\r\nb\u0000c\u009bd' } })] });

    expect(readFindings(doc).findings[0]?.message).toBe('a\nb\ufffdc\ufffdd');
  });
});

describe('readFindings on SARIF: locations', () => {
  it('resolves uriBaseId chains through originalUriBaseIds', () => {
    const doc = log({
      originalUriBaseIds: {
        SRCROOT: { uri: 'file:///home/runner/work/app/app/' },
        SUB: { uri: 'packages/web/', uriBaseId: 'SRCROOT' },
      },
      results: [
        result({
          locations: [{ physicalLocation: { artifactLocation: { uri: 'src/x.ts', uriBaseId: 'SUB' } } }],
        }),
      ],
    });

    const withoutRoot = readFindings(doc).findings[0]?.path;
    const withRoot = readFindings(doc, { repositoryRoot: '/home/runner/work/app/app' }).findings[0]?.path;
    const otherRoot = readFindings(doc, { repositoryRoot: '/elsewhere' }).outsideRepository[0]?.reason;

    expect(withoutRoot).toBe('packages/web/src/x.ts');
    expect(withRoot).toBe('packages/web/src/x.ts');
    expect(otherRoot).toBe('outside-root');
  });

  it('survives a cyclic base chain', () => {
    const doc = log({
      originalUriBaseIds: { A: { uri: 'a/', uriBaseId: 'B' }, B: { uri: 'b/', uriBaseId: 'A' } },
      results: [
        result({ locations: [{ physicalLocation: { artifactLocation: { uri: 'x', uriBaseId: 'A' } } }] }),
      ],
    });

    expect(readFindings(doc).findings[0]?.path).toBe('b/a/x');
  });

  it('decodes file URIs and percent-encoding, Windows paths included', () => {
    const uris = [
      'file:///repo/src/a%20b.ts',
      'file://localhost/repo/src/c.ts',
      'file:///C:/work/repo/d.cs',
      'src/%E2%9C%93.ts',
      '100%.txt',
    ];
    const doc = log({
      results: uris.map((uri, index) =>
        result({ ruleId: `R${index}`, locations: [{ physicalLocation: { artifactLocation: { uri } } }] }),
      ),
    });

    const posix = readFindings(doc, { repositoryRoot: '/repo' });
    const windows = readFindings(doc, { repositoryRoot: 'C:\\work\\repo' });

    expect(posix.findings.map((f) => f.path).sort()).toEqual([
      '100%.txt',
      'src/a b.ts',
      'src/c.ts',
      'src/✓.ts',
    ]);
    expect(windows.findings.map((f) => f.path)).toContain('d.cs');
  });

  it('keeps results without locations or with logical locations only, without a path', () => {
    const doc = log({
      results: [
        result({ locations: undefined }),
        result({ locations: [] }),
        result({ locations: [{ logicalLocations: [{ fullyQualifiedName: 'A.b' }] }] }),
        result({ locations: null }),
      ],
    });

    const report = readFindings(doc);

    expect(report.findings).toHaveLength(4);
    expect(report.findings.every((f) => f.path === undefined && f.startLine === undefined)).toBe(true);
  });

  it('reports paths that climb out, other schemes and decoded control characters as outside', () => {
    const uris = [
      '../../etc/passwd',
      'src/%2e%2e/%2e%2e/x',
      'https://example.com/a.js',
      'src/a%00b.ts',
      'file://host/share/x',
    ];
    const doc = log({
      results: uris.map((uri, index) =>
        result({ ruleId: `R${index}`, locations: [{ physicalLocation: { artifactLocation: { uri } } }] }),
      ),
    });

    const report = readFindings(doc);

    expect(report.findings).toEqual([]);
    expect(report.outsideRepository.map((o) => `${o.finding.ruleId}:${o.reason}`).sort()).toEqual([
      'R0:parent-traversal',
      'R1:parent-traversal',
      'R2:not-a-file',
      'R3:invalid-path',
      'R4:not-a-file',
    ]);
  });

  it('normalises regions: endLine before startLine and reversed columns', () => {
    const doc = log({
      results: [
        result({
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: 'a.ts' },
                region: { startLine: 9, endLine: 4, startColumn: 8, endColumn: 2 },
              },
            },
          ],
        }),
      ],
    });

    expect(readFindings(doc).findings[0]).toMatchObject({ startLine: 9, endLine: 9, startColumn: 8 });
    expect(readFindings(doc).findings[0]?.endColumn).toBeUndefined();
  });
});

describe('readFindings on SARIF: robustness', () => {
  it('skips pass, notApplicable, suppressed and absent results with a reason', () => {
    const doc = log({
      results: [
        result({ kind: 'pass' }),
        result({ kind: 'notApplicable' }),
        result({ suppressions: [{ kind: 'inSource' }] }),
        result({ suppressions: [{ kind: 'external', status: 'rejected' }] }),
        result({ baselineState: 'absent' }),
        result(),
      ],
    });

    const report = readFindings(doc);

    expect(report.findings).toHaveLength(2);
    expect(report.skipped.map((s) => s.pointer)).toEqual([
      '/runs/0/results/0',
      '/runs/0/results/1',
      '/runs/0/results/2',
      '/runs/0/results/4',
    ]);
  });

  it('uses partialFingerprints with the rule id, whatever the line', () => {
    const at = (line: number, ruleId = 'R1') =>
      log({
        results: [
          result({
            ruleId,
            partialFingerprints: { primaryLocationLineHash: 'abc:1' },
            locations: [
              { physicalLocation: { artifactLocation: { uri: 'a.ts' }, region: { startLine: line } } },
            ],
            message: { text: `at line ${line} of ${line * 3}` },
          }),
        ],
      });

    const first = readFindings(at(3)).findings[0]?.fingerprint;
    const moved = readFindings(at(40)).findings[0]?.fingerprint;
    const otherRule = readFindings(at(3, 'R2')).findings[0]?.fingerprint;

    expect(moved).toBe(first);
    expect(otherRule).not.toBe(first);
  });

  it('does not let __proto__ or constructor keys reach Object.prototype', () => {
    const text =
      '{"version":"2.1.0","__proto__":{"polluted":1},"runs":[{"tool":{"driver":{"name":"t","rules":' +
      '[{"id":"__proto__","properties":{"__proto__":{"security-severity":"9.9"}}}]}},' +
      '"originalUriBaseIds":{"constructor":{"uri":"x/"}},' +
      '"results":[{"ruleId":"__proto__","message":{"id":"toString"},"partialFingerprints":{"__proto__":"x"},' +
      '"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a.ts","uriBaseId":"constructor"}}}]}]}]}';

    const report = readFindings(text);

    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(report.findings[0]).toMatchObject({ ruleId: '__proto__', severity: 'medium', path: 'x/a.ts' });
  });

  it('tolerates unknown properties and wrong-typed optional values', () => {
    const doc = log({
      unknown: { deep: [1, 2, 3] },
      results: [
        result({
          ruleId: 42,
          level: 3,
          message: { text: 7 },
          partialFingerprints: { a: 1 },
          locations: [{ physicalLocation: { artifactLocation: { uri: 5 }, region: { startLine: 'x' } } }],
          extra: true,
        }),
      ],
    });

    const report = readFindings(doc);

    expect(report.findings[0]).toMatchObject({ ruleId: 'unknown-rule', severity: 'medium', message: '' });
  });
});

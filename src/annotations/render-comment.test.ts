import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aFinding, aReport } from './annotations.test-kit.js';
import type { ReadFinding } from './findings.js';
import type { ReportSummary } from './headline.js';
import { PLATFORM_LIMITS, PLATFORMS } from './limits.js';
import { hasCommentMarker } from './markdown.js';
import { toEntries } from './order.js';
import { DEFAULT_POLICY, evaluatePolicy } from './policy.js';
import { type CommentOptions, MIN_COMMENT_LENGTH, renderComment } from './render-comment.js';
import { countBySeverity, SEVERITIES, zeroCounts } from './severity.js';
import { replaceLoneSurrogates, utf8Length } from './text.js';

function render(
  findings: readonly ReadFinding[],
  options: Partial<CommentOptions> = {},
  extra: Partial<ReportSummary> = {},
) {
  const report = aReport(findings);
  const summary: ReportSummary = {
    decision: evaluatePolicy(countBySeverity(findings), DEFAULT_POLICY),
    scope: 'all',
    excluded: zeroCounts(),
    outsideCount: 0,
    scannerErrors: [],
    ...extra,
  };
  return renderComment(toEntries(report), summary, { markerKey: 'k', maxLength: 65_536, ...options });
}

/** Structural checks every rendered comment must pass. */
function expectWellFormed(body: string, limit: number, total?: number) {
  expect(body.length).toBeLessThanOrEqual(limit);
  expect(utf8Length(body)).toBeLessThanOrEqual(limit);
  expect(replaceLoneSurrogates(body)).toBe(body);
  const opens = body.split('<details>').length - 1;
  const closes = body.split('</details>').length - 1;
  expect(opens).toBe(closes);
  let depth = 0;
  for (const match of body.matchAll(/<\/?details>/g)) {
    depth += match[0] === '<details>' ? 1 : -1;
    expect(depth === 0 || depth === 1).toBe(true);
  }
  const fences = body.split('\n').filter((line) => line.trimStart().startsWith('```')).length;
  expect(fences % 2).toBe(0);
  expect(body.split('<!--').length - 1).toBe(1);
  for (const line of body.split('\n')) {
    if (line.startsWith('| ')) expect(line.split('|').length - 1).toBe(5);
  }
  if (total !== undefined) {
    // Never dropped silently: every finding is a row or counted in the note.
    const rows = body
      .split('\n')
      .filter((line) => line.startsWith('| ') && !/^\| (Severity|---) \|/.test(line));
    const omitted = Number(/_(\d+) more findings? not shown/.exec(body)?.[1] ?? 0);
    expect(rows.length + omitted).toBe(total);
  }
}

describe('renderComment', () => {
  it('starts with the marker and a verdict headline with counts', () => {
    const body = render([aFinding({ severity: 'critical' }), aFinding({ severity: 'low' })]);

    expect(body.split('\n')[0]).toBe('<!-- integrations-catalog:annotation key=k -->');
    expect(hasCommentMarker(body, 'k')).toBe(true);
    expect(hasCommentMarker(body.replaceAll('\n', '\r\n'), 'k')).toBe(true);
    expect(hasCommentMarker(body, 'other')).toBe(false);
    expect(body).toContain('### \u274c Security scan: failed');
    expect(body).toContain('**2 findings**: 1 critical, 0 high, 0 medium, 1 low, 0 info.');
  });

  it('uses ASCII verdict words when asked', () => {
    expect(render([aFinding({ severity: 'high' })], { asciiOnly: true })).toContain(
      '### [FAIL] Security scan',
    );
    expect(render([aFinding({ severity: 'low' })], { asciiOnly: true })).toContain(
      '### [PASS] Security scan',
    );
  });

  it('orders by severity, path, line, rule, fingerprint whatever the input order', () => {
    const findings = [
      aFinding({ severity: 'low', path: 'a.ts', title: 'L', message: 'L' }),
      aFinding({ severity: 'critical', path: 'z.ts', title: 'C', message: 'C' }),
      aFinding({ severity: 'high', path: 'b.ts', startLine: 9, title: 'H9', message: 'H9' }),
      aFinding({ severity: 'high', path: 'b.ts', startLine: 2, title: 'H2', message: 'H2' }),
      aFinding({ severity: 'high', path: undefined, startLine: undefined, title: 'Hnone', message: 'Hnone' }),
    ];

    const body = render(findings);
    const titles = [...body.matchAll(/\| (C|H9|H2|Hnone|L) \|/g)].map((m) => m[1]);

    expect(titles).toEqual(['C', 'H2', 'H9', 'Hnone', 'L']);
    expect(render([...findings].reverse())).toBe(body);
  });

  it('shows the first rows in the open and folds the rest into details', () => {
    const findings = Array.from({ length: 25 }, (_, i) => aFinding({ startLine: i + 1 }));

    const body = render(findings, { maxTableRows: 20 });

    const [open, folded] = body.split('<details>');
    expect(open?.match(/^\| \*\*high/gm)).toHaveLength(20);
    expect(folded).toContain('<summary>5 more findings</summary>');
    expect(folded?.match(/^\| \*\*high/gm)).toHaveLength(5);
  });

  it('escapes markdown and HTML in every untrusted field', () => {
    const hostile = 'a|b `c` <img src=x> & [l](javascript:x) *e* _f_ ~g~ $h$ \\i\nnext';
    const body = render([aFinding({ ruleId: hostile, title: hostile, message: hostile, path: hostile })]);
    const row = body.split('\n').find((line) => line.startsWith('| **high'));

    expect(row).toBeDefined();
    expect(row).not.toMatch(/<img|`|\[l\]/);
    expect(row).toContain(
      'a&#124;b &#96;c&#96; &lt;img src=x&gt; &amp; \\[l\\](javascript:x) \\*e\\* \\_f\\_ \\~g\\~',
    );
    expect(row).toContain('&#92;i next');
    expect(row?.split('|').length).toBe(6);
  });

  it('links locations through fileUrl and rules to their help, refusing unsafe URLs', () => {
    const body = render(
      [aFinding({ path: 'src/a b.ts', startLine: 3, helpUrl: 'https://example.com/r(1)' })],
      {
        fileUrl: (path, line) => encodeURI(`https://github.com/o/r/blob/abc/${path}#L${line}`),
      },
    );
    const unsafe = render([aFinding()], { fileUrl: () => 'javascript:alert(1)' });

    expect(body).toContain('[rule-1](https://example.com/r%281%29)');
    expect(body).toContain('[src/a b.ts:3](https://github.com/o/r/blob/abc/src/a%20b.ts#L3)');
    expect(unsafe).not.toContain('javascript');
  });

  it('lists findings outside the repository as such', () => {
    const report = aReport([], {
      outsideRepository: [
        {
          finding: aFinding({ path: undefined }),
          location: '/etc/passwd',
          reason: 'absolute-without-root',
          detail: 'x',
        },
      ],
    });
    const summary: ReportSummary = {
      decision: evaluatePolicy(countBySeverity([aFinding()]), DEFAULT_POLICY),
      scope: 'all',
      excluded: zeroCounts(),
      outsideCount: 1,
      scannerErrors: [],
    };

    const body = renderComment(toEntries(report), summary, { markerKey: 'k', maxLength: 65_536 });

    expect(body).toContain('1 finding lies outside the repository');
    expect(body).toContain(
      '/etc/passwd:10 (outside the repository: absolute path, no repository root given)',
    );
  });

  it('links the evidence and says how many rows did not fit', () => {
    const findings = Array.from({ length: 400 }, (_, i) => aFinding({ message: `m${i} ${'x'.repeat(250)}` }));

    const body = render(
      findings,
      { maxLength: MIN_COMMENT_LENGTH },
      { evidenceUrl: 'https://scans.example/1' },
    );

    expectWellFormed(body, MIN_COMMENT_LENGTH, 400);
    expect(body).toMatch(/_\d+ more findings not shown: the comment would exceed the size limit\._/);
    expect(body.trimEnd().endsWith('[Full report](https://scans.example/1)')).toBe(true);
  });

  it('refuses limits too small for the headline', () => {
    expect(() => render([], { maxLength: 1000 })).toThrow(/maxLength/);
  });
});

const TOKENS = [
  '|',
  '`',
  '```',
  '~~~',
  '<details>',
  '</details>',
  '<summary>',
  '<!-- x -->',
  '-->',
  '<script>',
  '[x](javascript:alert(1))',
  '&amp;',
  '\\',
  '**',
  '_',
  '$x$',
  '@user',
  '#1',
  '\n',
  '\r\n',
  '\t',
  '\u0000',
  '\u202e',
  '\u2028',
  '\ud800',
  '\udc00',
  '😀',
  '👩‍👩‍👧',
  'é',
  'ﬁ',
  '中文',
];
const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }).map((parts) => parts.join('')),
  fc
    .tuple(fc.constantFrom(...TOKENS), fc.integer({ min: 1, max: 3000 }))
    .map(([token, n]) => token.repeat(n)),
);
const findingArb = fc.record({
  ruleId: hostileText,
  severity: fc.constantFrom(...SEVERITIES),
  title: hostileText,
  message: fc.oneof(
    hostileText,
    fc.integer({ min: 0, max: 70_000 }).map((n) => '😀|'.repeat(n / 3)),
  ),
  path: fc.option(hostileText, { nil: undefined }),
  startLine: fc.option(fc.integer({ min: 1, max: 1_000_000 }), { nil: undefined }),
  fingerprint: fc.nat().map((n) => n.toString(16).padStart(8, '0')),
});

describe('renderComment properties', () => {
  it('fits every platform limit, stays balanced, is ASCII when asked and deterministic', () => {
    fc.assert(
      fc.property(
        fc.array(findingArb, { maxLength: 120 }),
        fc.constantFrom(...PLATFORMS),
        fc.boolean(),
        hostileText,
        (findings, platform, asciiOnly, scannerError) => {
          const limit = PLATFORM_LIMITS[platform].commentLength;
          const options = { asciiOnly, maxLength: limit, maxTableRows: 20 };
          const extra = {
            scannerErrors: [scannerError],
            tool: { name: scannerError, version: scannerError },
          };

          const body = render(findings as ReadFinding[], options, extra);

          expectWellFormed(body, limit, findings.length);
          if (asciiOnly) expect(body).toMatch(/^[\t\n\r -~]*$/);
          expect(render(findings as ReadFinding[], options, extra)).toBe(body);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('fits any limit from the minimum up, in characters and bytes', () => {
    fc.assert(
      fc.property(
        fc.array(findingArb, { minLength: 1, maxLength: 80 }),
        fc.integer({ min: MIN_COMMENT_LENGTH, max: 80_000 }),
        fc.integer({ min: 0, max: 30 }),
        (findings, limit, maxTableRows) => {
          const body = render(findings as ReadFinding[], { maxLength: limit, maxTableRows });

          expectWellFormed(body, limit, findings.length);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('fills GitLab’s million characters with thousands of hostile findings and stays within it', () => {
    const findings = Array.from({ length: 6000 }, (_, i) =>
      aFinding({
        ruleId: `R|${i}`,
        title: '<details>😀'.repeat(30),
        message: '`|'.repeat(400),
        path: `src/${'é'.repeat(50)}${i}`,
      }),
    );

    const body = render(findings, { maxLength: PLATFORM_LIMITS.gitlab.commentLength });

    expectWellFormed(body, PLATFORM_LIMITS.gitlab.commentLength, findings.length);
    expect(body).toMatch(/more findings not shown/);
  });
});

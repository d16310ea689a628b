import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readFixture } from './annotations.test-kit.js';
import { computeFingerprints, fingerprintContent, normaliseMessage } from './fingerprint.js';
import { readFindings } from './read-findings.js';

describe('normaliseMessage', () => {
  it('replaces numbers and collapses whitespace', () => {
    expect(normaliseMessage('  Unused\tvariable at line 12,\ncolumn 4 ')).toBe(
      'Unused variable at line 0, column 0',
    );
  });
});

describe('computeFingerprints', () => {
  const base = { ruleId: 'G104', path: 'cmd/a.go', message: 'Errors unhandled at line 10' };

  it('keeps a fingerprint when the finding moves to another line', () => {
    const [before] = computeFingerprints([{ ...base, startLine: 10 }]);
    const [after] = computeFingerprints([{ ...base, message: 'Errors unhandled at line 14', startLine: 14 }]);

    expect(after).toBe(before);
  });

  it('gives two identical findings in one file different fingerprints, stable when both move', () => {
    const first = computeFingerprints([
      { ...base, startLine: 10 },
      { ...base, startLine: 20 },
    ]);
    const movedAndReordered = computeFingerprints([
      { ...base, startLine: 27 },
      { ...base, startLine: 17 },
    ]);

    expect(first[0]).not.toBe(first[1]);
    expect(movedAndReordered).toEqual([first[1], first[0]]);
  });

  it('changes with the rule, the path and the content', () => {
    const [reference, otherRule, otherPath, otherContent] = computeFingerprints([
      base,
      { ...base, ruleId: 'G304' },
      { ...base, path: 'cmd/b.go' },
      { ...base, message: 'Something else' },
    ]);

    expect(new Set([reference, otherRule, otherPath, otherContent]).size).toBe(4);
  });

  it('prefers the snippet over the message, and partial fingerprints over both', () => {
    const withSnippet = { ...base, snippet: 'x :=  f()' };
    const withPartial = { ...withSnippet, partialFingerprints: { primaryLocationLineHash: 'abc:1', b: 'x' } };

    expect(fingerprintContent(withSnippet)).toBe('snippet:x := f()');
    expect(fingerprintContent(withPartial)).toBe('pf:b=x\nprimaryLocationLineHash=abc:1');
    expect(computeFingerprints([{ ...withPartial, message: 'changed' }])).toEqual(
      computeFingerprints([withPartial]),
    );
  });

  it('is 32 lowercase hex characters and does not depend on input order for distinct findings', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.record({ ruleId: fc.string({ minLength: 1 }), message: fc.string() }), {
          minLength: 1,
          maxLength: 20,
          selector: (s) => `${s.ruleId}\0${normaliseMessage(s.message)}`,
        }),
        (sources) => {
          const forward = computeFingerprints(sources);
          const backward = computeFingerprints([...sources].reverse()).reverse();

          expect(forward).toEqual(backward);
          expect(forward.every((fp) => /^[0-9a-f]{32}$/.test(fp))).toBe(true);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('keeps every fixture fingerprint when all lines shift by 7', () => {
    for (const name of ['gosec-cwe-taxonomy-fixes.sarif', 'checkov-terraform-with-secret.sarif']) {
      const text = readFixture(name);
      const shifted = text.replace(
        /("(?:startLine|endLine)"\s*:\s*)(\d+)/g,
        (_, key, n) => `${key}${Number(n) + 7}`,
      );

      const before = readFindings(text).findings.map((f) => f.fingerprint);
      const after = readFindings(shifted).findings.map((f) => f.fingerprint);

      expect(after).toEqual(before);
    }
  });
});

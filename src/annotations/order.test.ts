import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aFinding } from './annotations.test-kit.js';
import { compareEntries, type ReportEntry, sortEntries } from './order.js';
import { SEVERITIES } from './severity.js';

describe('sortEntries', () => {
  it('orders exactly as compareEntries, ties kept in input order (property)', () => {
    const entry = fc
      .record({
        severity: fc.constantFrom(...SEVERITIES),
        path: fc.option(fc.constantFrom('a', 'a/b', 'a-b', 'B', 'é', '😀', 'a b'), { nil: undefined }),
        startLine: fc.option(fc.constantFrom(1, 2, 10, 2_147_483_647), { nil: undefined }),
        ruleId: fc.constantFrom('R', 'R1', 'r', 'CKV2_AWS_6', 'CKV_AWS_6'),
        fingerprint: fc.constantFrom('a', 'b', 'ab'),
      })
      .map((fields): ReportEntry => ({ finding: aFinding(fields), outside: undefined }));

    fc.assert(
      fc.property(fc.array(entry, { maxLength: 60 }), (entries) => {
        expect(sortEntries(entries)).toEqual([...entries].sort(compareEntries));
        expect(
          sortEntries(entries).every(
            (item, index, all) => index === 0 || compareEntries(all[index - 1] as ReportEntry, item) <= 0,
          ),
        ).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

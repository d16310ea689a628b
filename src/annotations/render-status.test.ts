import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, evaluatePolicy } from './policy.js';
import { renderStatus } from './render-status.js';
import { type SeverityCounts, zeroCounts } from './severity.js';

const decide = (counts: Partial<SeverityCounts>, verdict?: 'pass' | 'warn' | 'fail') =>
  evaluatePolicy({ ...zeroCounts(), ...counts }, DEFAULT_POLICY, verdict);

describe('renderStatus', () => {
  it('states the outcome and the severities present', () => {
    expect(
      renderStatus(decide({ critical: 2, high: 1, low: 4 }), {
        context: 'security/scan',
        maxLength: 140,
        scope: 'all',
      }),
    ).toEqual({
      state: 'failure',
      description: 'Failed: 2 critical, 1 high, 4 low',
      context: 'security/scan',
    });
  });

  it('says when there is nothing, names the scope and the scanner verdict', () => {
    const options = { context: 'c', maxLength: 140 } as const;

    expect(renderStatus(decide({}), { ...options, scope: 'all' }).description).toBe('Passed: no findings');
    expect(renderStatus(decide({ low: 1 }), { ...options, scope: 'changed-lines' }).description).toBe(
      'Passed: 1 low on changed lines',
    );
    expect(renderStatus(decide({}, 'fail'), { ...options, scope: 'all' })).toMatchObject({
      state: 'failure',
      description: 'Failed: no findings (scanner verdict fail)',
    });
    expect(renderStatus(decide({}, 'warn'), { ...options, scope: 'all' })).toMatchObject({
      state: 'success',
      description: 'Passed with warnings: no findings (scanner verdict warn)',
    });
  });

  it('cuts the description to the limit on a character boundary', () => {
    const counts = {
      critical: 123_456_789,
      high: 123_456_789,
      medium: 123_456_789,
      low: 123_456_789,
      info: 1,
    };

    const status = renderStatus(decide(counts), { context: 'c', maxLength: 40, scope: 'changed-files' });
    const ascii = renderStatus(decide(counts), {
      context: 'c',
      maxLength: 40,
      scope: 'all',
      asciiOnly: true,
    });

    expect(status.description).toHaveLength(40);
    expect(status.description.endsWith('\u2026')).toBe(true);
    expect(ascii.description.endsWith('...')).toBe(true);
  });
});

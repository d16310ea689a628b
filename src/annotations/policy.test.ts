import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LEVEL_MAPPING,
  DEFAULT_POLICY,
  evaluatePolicy,
  resolveLevelMapping,
  resolvePolicy,
} from './policy.js';
import { type SeverityCounts, zeroCounts } from './severity.js';

const counts = (values: Partial<SeverityCounts>): SeverityCounts => ({ ...zeroCounts(), ...values });

describe('resolvePolicy', () => {
  it('defaults to failing on critical and high', () => {
    expect(resolvePolicy()).toEqual(DEFAULT_POLICY);
  });

  it('lets the request override the integration, field by field', () => {
    const integration = { failOn: ['critical'] as const, warnOn: ['medium'] as const };

    expect(resolvePolicy(integration, { warnOn: ['low'] })).toEqual({
      failOn: ['critical'],
      warnOn: ['low'],
    });
    expect(resolvePolicy(integration, { failOn: 'never' })).toEqual({ failOn: [], warnOn: ['medium'] });
    expect(resolvePolicy(integration)).toEqual({ failOn: ['critical'], warnOn: ['medium'] });
  });

  it('orders and deduplicates severities', () => {
    expect(resolvePolicy(undefined, { failOn: ['low', 'critical', 'low'] }).failOn).toEqual([
      'critical',
      'low',
    ]);
  });
});

describe('evaluatePolicy', () => {
  const cases: [
    string,
    Partial<SeverityCounts>,
    Parameters<typeof resolvePolicy>[1],
    string | undefined,
    string,
  ][] = [
    ['no findings pass', {}, undefined, undefined, 'pass'],
    ['a high finding fails by default', { high: 1 }, undefined, undefined, 'fail'],
    ['a critical finding fails by default', { critical: 1 }, undefined, undefined, 'fail'],
    ['medium and below pass by default', { medium: 3, low: 2, info: 9 }, undefined, undefined, 'pass'],
    ['failOn never passes criticals', { critical: 4 }, { failOn: 'never' }, undefined, 'pass'],
    ['warnOn medium warns', { medium: 1 }, { warnOn: ['medium'] }, undefined, 'warn'],
    ['fail beats warn', { high: 1, medium: 1 }, { warnOn: ['medium'] }, undefined, 'fail'],
    ['scanner verdict fail fails with no findings', {}, undefined, 'fail', 'fail'],
    ['scanner verdict fail fails even with failOn never', {}, { failOn: 'never' }, 'fail', 'fail'],
    ['scanner verdict warn warns', { low: 1 }, undefined, 'warn', 'warn'],
    ['scanner verdict pass does not hide a high finding', { high: 1 }, undefined, 'pass', 'fail'],
    ['failOn low fails on low', { low: 1 }, { failOn: ['low'] }, undefined, 'fail'],
  ];

  it.each(cases)('%s', (_name, given, request, verdict, outcome) => {
    const decision = evaluatePolicy(counts(given), resolvePolicy(undefined, request), verdict as never);

    expect(decision.outcome).toBe(outcome);
  });

  it('maps outcomes to status states and check-run conclusions', () => {
    const pass = evaluatePolicy(counts({}), DEFAULT_POLICY);
    const warn = evaluatePolicy(counts({}), DEFAULT_POLICY, 'warn');
    const fail = evaluatePolicy(counts({ high: 2 }), DEFAULT_POLICY);

    expect([pass.state, pass.conclusion]).toEqual(['success', 'success']);
    expect([warn.state, warn.conclusion]).toEqual(['success', 'neutral']);
    expect([fail.state, fail.conclusion, fail.reason]).toEqual([
      'failure',
      'failure',
      '2 findings at critical or high',
    ]);
    expect(fail.counts.high).toBe(2);
  });
});

describe('resolveLevelMapping', () => {
  it('maps critical/high to failure, medium to warning, low/info to notice by default', () => {
    expect(resolveLevelMapping()).toEqual(DEFAULT_LEVEL_MAPPING);
    expect(DEFAULT_LEVEL_MAPPING).toEqual({
      critical: 'failure',
      high: 'failure',
      medium: 'warning',
      low: 'notice',
      info: 'notice',
    });
  });

  it('takes overrides', () => {
    expect(resolveLevelMapping({ medium: 'failure', info: 'notice' }).medium).toBe('failure');
  });
});

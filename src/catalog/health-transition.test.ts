import { describe, expect, it } from 'vitest';
import type { HealthStatus } from '../core/integration.js';
import type { HealthCheckResult } from '../plugins/contracts.js';
import { nextHealth, statusForHealth } from './health-transition.js';

const settings = { failureThreshold: 3, successThreshold: 2 };
const result = (status: HealthCheckResult['status']): HealthCheckResult => ({ status, message: status });

function replay(start: HealthStatus, results: HealthCheckResult['status'][]): HealthStatus[] {
  let status = start;
  let counters = { consecutiveFailures: 0, consecutiveSuccesses: 0 };
  return results.map((r) => {
    const next = nextHealth(status, counters, result(r), settings);
    status = next.status;
    counters = next;
    return status;
  });
}

describe('nextHealth', () => {
  it('takes the first result as it is', () => {
    expect(replay('unknown', ['unhealthy'])).toEqual(['unhealthy']);
    expect(replay('unknown', ['degraded'])).toEqual(['degraded']);
  });

  it('turns unhealthy only after the failure threshold', () => {
    expect(replay('healthy', ['unhealthy', 'unhealthy', 'unhealthy', 'unhealthy'])).toEqual([
      'healthy',
      'healthy',
      'unhealthy',
      'unhealthy',
    ]);
  });

  it('resets the failure count on a success', () => {
    expect(replay('healthy', ['unhealthy', 'unhealthy', 'healthy', 'unhealthy', 'unhealthy'])).toEqual([
      'healthy',
      'healthy',
      'healthy',
      'healthy',
      'healthy',
    ]);
  });

  it('recovers only after the success threshold, degraded counting as success', () => {
    expect(replay('unhealthy', ['healthy', 'unhealthy', 'degraded', 'healthy'])).toEqual([
      'unhealthy',
      'unhealthy',
      'unhealthy',
      'healthy',
    ]);
  });

  it('shows degraded at once from healthy, and healthy at once from degraded', () => {
    expect(replay('healthy', ['degraded', 'healthy'])).toEqual(['degraded', 'healthy']);
  });
});

describe('statusForHealth', () => {
  it.each([
    ['unknown', true, 'pending'],
    ['healthy', true, 'active'],
    ['degraded', true, 'active'],
    ['unhealthy', true, 'failed'],
    ['healthy', false, 'disabled'],
  ] as const)('%s, enabled %s → %s', (health, enabled, expected) => {
    expect(statusForHealth(health, enabled)).toBe(expected);
  });
});

import { describe, expect, it } from 'vitest';
import { parseLimitHeader, pullLimitHealth, readPullLimit, tooManyRequests, windowOf } from './rate-limit.js';

const headers = (limit: string, remaining: string, source?: string) => ({
  'ratelimit-limit': limit,
  'ratelimit-remaining': remaining,
  ...(source ? { 'docker-ratelimit-source': source } : {}),
});

describe('parseLimitHeader', () => {
  it('reads <count>;w=<seconds>', () => {
    expect(parseLimitHeader('100;w=21600')).toEqual({ count: 100, windowS: 21600 });
    expect(parseLimitHeader(' 0;w=21600 ')).toEqual({ count: 0, windowS: 21600 });
  });

  it.each([
    undefined,
    '',
    '100',
    '100;w=',
    '100; w=21600',
    '-1;w=21600',
    '1.5;w=21600',
    '100;w=0',
    'abc;w=21600',
    '100;w=21600;extra',
    '100, 100;w=21600',
    '9999999999;w=21600',
  ])('refuses %j', (value) => {
    expect(parseLimitHeader(value)).toBeUndefined();
  });
});

describe('readPullLimit', () => {
  it('reads the limit, the pulls left, the window and the source', () => {
    expect(readPullLimit(headers('100;w=21600', '76;w=21600', '203.0.113.7'))).toEqual({
      kind: 'limited',
      limit: 100,
      remaining: 76,
      windowS: 21600,
      source: '203.0.113.7',
    });
  });

  it('is unlimited without the headers (a plan without a pull limit)', () => {
    expect(readPullLimit({})).toEqual({ kind: 'unlimited' });
  });

  it.each([
    [{ 'ratelimit-limit': '100;w=21600' }, "ratelimit-limit '100;w=21600', ratelimit-remaining 'missing'"],
    [headers('100;w=21600', 'lots'), "ratelimit-remaining 'lots'"],
    [headers('100;w=21600', '101;w=21600'), "ratelimit-remaining '101;w=21600'"],
    [headers('100\u0000;w=1', '1;w=1'), "ratelimit-limit '100?;w=1'"],
  ])('cannot read malformed headers %j', (given, problem) => {
    const reading = readPullLimit(given);

    expect(reading.kind).toBe('unreadable');
    expect(reading.kind === 'unreadable' && reading.problem).toContain(problem);
  });

  it('leaves out a source that is not a short printable token', () => {
    expect(readPullLimit(headers('1;w=60', '1;w=60', 'x'.repeat(101)))).not.toHaveProperty('source');
    expect(readPullLimit(headers('1;w=60', '1;w=60', 'a b'))).not.toHaveProperty('source');
  });
});

describe('pullLimitHealth', () => {
  const limited = (remaining: number, limit = 100) =>
    pullLimitHealth({ kind: 'limited', limit, remaining, windowS: 21600, source: 'acct' });

  it('is healthy with pulls to spare, degraded under 10 %, unhealthy at none', () => {
    expect(limited(76)).toEqual({
      status: 'healthy',
      message: '76 of 100 pulls left in 6 h (counted against acct)',
    });
    expect(limited(10).status).toBe('healthy');
    expect(limited(9).status).toBe('degraded');
    expect(limited(1, 10).status).toBe('healthy');
    expect(limited(0).status).toBe('unhealthy');
    expect(limited(0).message).toMatch(
      /no pulls left of 100 in the 6 h window \(counted against acct\); Docker Hub does not say when it resets/,
    );
  });

  it('is healthy without a limit, degraded when the headers cannot be read', () => {
    expect(pullLimitHealth({ kind: 'unlimited' }).status).toBe('healthy');
    expect(pullLimitHealth({ kind: 'unreadable', problem: 'x' })).toEqual({
      status: 'degraded',
      message: "Docker Hub's pull-limit headers cannot be read (x)",
    });
  });

  it('says the window as people say it', () => {
    expect([21600, 86400, 1800, 90].map(windowOf)).toEqual(['6 h', '24 h', '30 min', '90 s']);
  });
});

describe('tooManyRequests', () => {
  const pullLimitBody = JSON.stringify({
    errors: [{ code: 'TOOMANYREQUESTS', message: 'You have reached your pull rate limit.' }],
  });

  it('tells the pull limit by its error code, or by no pulls left (a HEAD has no body)', () => {
    expect(tooManyRequests({}, pullLimitBody).kind).toBe('pull_limit');
    const byHeaders = tooManyRequests(headers('100;w=21600', '0;w=21600', '198.51.100.2'), undefined);
    expect(byHeaders).toEqual({
      kind: 'pull_limit',
      message:
        "Docker Hub's pull limit is used up (counted against 198.51.100.2) (429 TOOMANYREQUESTS, 100 pulls per 6 h); authenticate with an account on a higher plan, or wait as the window moves on",
    });
  });

  it('calls any other 429 the anti-abuse protection', () => {
    for (const body of ['Too Many Requests (HAP429).', '<html>429</html>', '', undefined])
      expect(tooManyRequests({}, body).kind).toBe('anti_abuse');
    expect(tooManyRequests(headers('100;w=21600', '5;w=21600'), undefined).message).toMatch(
      /anti-abuse protection .*not the pull limit/,
    );
  });
});

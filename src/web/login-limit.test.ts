import { describe, expect, it } from 'vitest';
import { createLoginLimiter } from './login-limit.js';

describe('failed console logins', () => {
  it('turns an address away after the limit until its window ends, others unaffected', () => {
    let clock = 1_000_000;
    const limiter = createLoginLimiter({ max: 3, windowMs: 60_000, now: () => clock });
    for (let n = 0; n < 3; n++) {
      expect(limiter.blockedFor('10.0.0.1')).toBe(0);
      limiter.failed('10.0.0.1');
    }
    clock += 10_000;
    expect(limiter.blockedFor('10.0.0.1')).toBe(50_000);
    expect(limiter.blockedFor('10.0.0.2')).toBe(0);
    clock += 50_000;
    expect(limiter.blockedFor('10.0.0.1')).toBe(0);
    limiter.failed('10.0.0.1');
    expect(limiter.blockedFor('10.0.0.1')).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { createCircuitBreakers } from './circuit-breaker.js';
import { CircuitOpenError } from './errors.js';

const ORIGIN = 'https://git.example';

function setup() {
  let clock = Date.parse('2025-06-01T12:00:00Z');
  const breakers = createCircuitBreakers({ now: () => clock });
  const fail = (times: number) => {
    for (let i = 0; i < times; i++) {
      breakers.admit(ORIGIN);
      breakers.record(ORIGIN, 'failure');
    }
  };
  return { breakers, fail, advance: (ms: number) => (clock += ms) };
}

describe('createCircuitBreakers', () => {
  it('stays closed through 4 consecutive failures and opens on the 5th', () => {
    const { breakers, fail } = setup();

    fail(4);
    const afterFour = breakers.state(ORIGIN);
    fail(1);

    expect(afterFour).toBe('closed');
    expect(breakers.state(ORIGIN)).toBe('open');
  });

  it('fails fast while open, naming the origin and when it will try again', () => {
    const { breakers, fail } = setup();
    fail(5);

    const act = () => breakers.admit(ORIGIN);

    expect(act).toThrow(CircuitOpenError);
    expect(act).toThrow(
      /circuit open for https:\/\/git\.example after 5 consecutive failures; .*2025-06-01T12:00:30\.000Z/,
    );
    try {
      act();
    } catch (error) {
      expect((error as CircuitOpenError).isTransient).toBe(true);
      expect((error as CircuitOpenError).code).toBe('circuit_open');
    }
  });

  it('resets the count on a success, so only consecutive failures open it', () => {
    const { breakers, fail } = setup();

    fail(4);
    breakers.admit(ORIGIN);
    breakers.record(ORIGIN, 'success');
    fail(4);

    expect(breakers.state(ORIGIN)).toBe('closed');
  });

  it('lets one probe through after 30 s and closes on its success', () => {
    const { breakers, fail, advance } = setup();
    fail(5);
    advance(30_000);

    breakers.admit(ORIGIN);
    const secondWhileProbing = () => breakers.admit(ORIGIN);

    expect(secondWhileProbing).toThrow(CircuitOpenError);
    breakers.record(ORIGIN, 'success');
    expect(breakers.state(ORIGIN)).toBe('closed');
    expect(() => breakers.admit(ORIGIN)).not.toThrow();
  });

  it('opens again for another 30 s when the probe fails', () => {
    const { breakers, fail, advance } = setup();
    fail(5);
    advance(30_000);

    breakers.admit(ORIGIN);
    breakers.record(ORIGIN, 'failure');

    expect(breakers.state(ORIGIN)).toBe('open');
    advance(29_999);
    expect(breakers.state(ORIGIN)).toBe('open');
    advance(1);
    expect(breakers.state(ORIGIN)).toBe('half_open');
  });

  it('keeps origins apart and frees a probe on an outcome that says nothing', () => {
    const { breakers, fail, advance } = setup();
    fail(5);
    advance(30_000);

    breakers.admit(ORIGIN);
    breakers.record(ORIGIN, 'ignore');

    expect(() => breakers.admit(ORIGIN)).not.toThrow();
    expect(() => breakers.admit('https://other.example')).not.toThrow();
  });
});

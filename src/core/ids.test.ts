import { describe, expect, it } from 'vitest';
import { createIdGenerator, isUuid } from './ids.js';

/** The 48-bit millisecond timestamp at the front of a UUIDv7. */
function msOf(id: string): number {
  return Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16);
}

describe('createIdGenerator', () => {
  it('makes canonical UUIDv7s: version 7, RFC 9562 variant, the clock in the first 48 bits', () => {
    const at = Date.parse('2026-03-04T05:06:07.089Z');
    const id = createIdGenerator(() => at)();

    expect(isUuid(id)).toBe(true);
    expect(id[14]).toBe('7');
    expect(['8', '9', 'a', 'b']).toContain(id[19]);
    expect(msOf(id)).toBe(at);
  });

  it('keeps ids unique and in order within one millisecond, past the end of the random pool', () => {
    const nextId = createIdGenerator(() => 1_700_000_000_000);
    // 5,000 ids take 40,000 random bytes: the 4 KiB pool is refilled many times over.
    const ids = Array.from({ length: 5_000 }, () => nextId());

    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    expect(ids.every((id) => isUuid(id) && id[14] === '7' && /^[89ab]$/.test(id[19]!))).toBe(true);
  });

  it('borrows the next millisecond when the counter runs out, so order holds', () => {
    const nextId = createIdGenerator(() => 1_700_000_000_000);
    const ids = Array.from({ length: 0x1000 + 10 }, () => nextId());

    expect([...ids].sort()).toEqual(ids);
    expect(msOf(ids.at(-1)!)).toBe(1_700_000_000_001);
  });

  it('sorts by time across milliseconds, and stays in order when the clock goes back', () => {
    const clock = [10, 11, 11, 12, 5, 13];
    const nextId = createIdGenerator(() => clock.shift()!);
    const ids = Array.from({ length: 6 }, () => nextId());

    expect([...ids].sort()).toEqual(ids);
    expect(ids.map(msOf)).toEqual([10, 11, 11, 12, 12, 13]);
  });

  it('draws different random bits for each generator', () => {
    const first = createIdGenerator(() => 42)();
    const second = createIdGenerator(() => 42)();

    expect(first.slice(19)).not.toBe(second.slice(19));
  });
});

import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, pageSizeOf } from './cursor.js';

describe('cursors', () => {
  it('round-trips a position in a namespace and in the configured list', () => {
    const hub = encodeCursor({ k: 'hub', n: 1, p: 3, s: 42 });
    const configured = encodeCursor({ k: 'configured', s: 7 });

    expect(decodeCursor('hub', hub)).toEqual({ k: 'hub', n: 1, p: 3, s: 42 });
    expect(decodeCursor('configured', configured)).toEqual({ k: 'configured', s: 7 });
    expect(hub).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('starts at the beginning without one', () => {
    expect(decodeCursor('hub', undefined)).toEqual({ k: 'hub', n: 0, p: 1, s: 0 });
    expect(decodeCursor('configured', undefined)).toEqual({ k: 'configured', s: 0 });
  });

  const raw = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  it.each([
    ['another listing’s cursor', encodeCursor({ k: 'configured', s: 1 })],
    ['page 0', raw({ k: 'hub', n: 0, p: 0, s: 0 })],
    ['a negative skip', raw({ k: 'hub', n: 0, p: 1, s: -1 })],
    ['a fraction', raw({ k: 'hub', n: 0.5, p: 1, s: 0 })],
    ['a string number', raw({ k: 'hub', n: '1', p: 1, s: 0 })],
    ['not JSON', Buffer.from('{nope').toString('base64url')],
    ['not base64url', 'a+b/c='],
    ['too long', 'A'.repeat(201)],
    ['null', raw(null)],
  ])('refuses %s', (_, cursor) => {
    expect(() => decodeCursor('hub', cursor)).toThrow(/cursor is not a cursor this listing gave/);
  });

  it('takes page sizes from 1 to 1000', () => {
    expect(pageSizeOf({})).toBe(100);
    expect(pageSizeOf({ pageSize: 1000 })).toBe(1000);
    for (const pageSize of [0, 1001, 1.5, Number.NaN])
      expect(() => pageSizeOf({ pageSize })).toThrow(/pageSize must be an integer from 1 to 1000/);
  });
});

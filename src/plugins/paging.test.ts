import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../core/errors.js';
import { pageSizeOf, readCursor, writeCursor } from './paging.js';

describe('registry pages', () => {
  it('takes page sizes from 1 to 1,000, 100 by default', () => {
    expect(pageSizeOf({})).toBe(100);
    expect(pageSizeOf({ pageSize: 1000 })).toBe(1000);
    for (const pageSize of [0, 1001, 2.5, Number.NaN])
      expect(() => pageSizeOf({ pageSize })).toThrow(InvalidInputError);
  });

  it('reads back the object a cursor was written from', () => {
    const state = { k: 'packages', o: 200, t: 'é/ü' };

    expect(readCursor(writeCursor(state))).toEqual(state);
  });

  it.each([
    ['not base64url', 'a+b/c='],
    ['not JSON', Buffer.from('{nope').toString('base64url')],
    ['a list', writeCursor([1, 2])],
    ['null', Buffer.from('null').toString('base64url')],
    ['too long', 'a'.repeat(4097)],
  ])('refuses a cursor that is %s', (_what, cursor) => {
    expect(() => readCursor(cursor)).toThrow('is not a cursor this listing gave');
  });
});

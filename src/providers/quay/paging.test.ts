import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../core/errors.js';
import { isTag } from '../../core/registry-names.js';
import { decodeRepositoryCursor, decodeTagCursor, encodeCursor, isApiCursor, pageSizeOf } from './paging.js';

describe('quay paging cursors', () => {
  it('round-trips repository and tag positions', () => {
    const repositories = encodeCursor('repositories', { n: 2, t: 'quay-page-token', o: 7 });
    const tags = encodeCursor('tags', { p: 3, o: 42 });

    expect(decodeRepositoryCursor(repositories)).toEqual({ n: 2, t: 'quay-page-token', o: 7 });
    expect(decodeTagCursor(tags)).toEqual({ p: 3, o: 42 });
    expect(decodeRepositoryCursor(undefined)).toEqual({ n: 0, o: 0 });
    expect(decodeTagCursor(undefined)).toEqual({ p: 1, o: 0 });
  });

  it('never looks like a tag, so a registry cursor (the last tag) is told apart', () => {
    const cursor = encodeCursor('tags', { p: 1, o: 0 });

    expect(isApiCursor(cursor)).toBe(true);
    expect(isTag(cursor)).toBe(false);
    expect(isApiCursor('v1.2.3')).toBe(false);
  });

  it.each([
    ['a tag cursor for repositories', () => decodeRepositoryCursor(encodeCursor('tags', { p: 1, o: 0 }))],
    ['a repository cursor for tags', () => decodeTagCursor(encodeCursor('repositories', { n: 0, o: 0 }))],
    ['page 0', () => decodeTagCursor(encodeCursor('tags', { p: 0, o: 0 }))],
    ['an offset past a Quay page', () => decodeTagCursor(encodeCursor('tags', { p: 1, o: 100 }))],
    ['a negative namespace', () => decodeRepositoryCursor(encodeCursor('repositories', { n: -1, o: 0 }))],
    [
      'an empty page token',
      () => decodeRepositoryCursor(encodeCursor('repositories', { n: 0, t: '', o: 0 })),
    ],
    ['garbage', () => decodeTagCursor('api:!!!')],
    ['no prefix', () => decodeTagCursor('eyJrIjoidGFncyJ9')],
    ['a huge cursor', () => decodeTagCursor(`api:${'A'.repeat(5000)}`)],
  ])('refuses %s as invalid input naming the cursor', (_name, run) => {
    let error: unknown;
    try {
      run();
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).details.map((detail) => detail.field)).toEqual(['cursor']);
  });

  it('takes page sizes from 1 to 1,000, 100 by default', () => {
    expect(pageSizeOf({})).toBe(100);
    expect(pageSizeOf({ pageSize: 1000 })).toBe(1000);
    expect(() => pageSizeOf({ pageSize: 0 })).toThrow(/pageSize/);
    expect(() => pageSizeOf({ pageSize: 2.5 })).toThrow(/pageSize/);
  });
});

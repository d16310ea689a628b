import { type HttpResponse, nextLink } from '../../net/index.js';
import { invalidCursor, readCursor, writeCursor } from '../../plugins/paging.js';
import { HARBOR_PAGE_SIZE } from './api.js';

/**
 * Our pages over Harbor's: a page of up to 1,000 items is read from Harbor's pages of 100 (`page`
 * from 1, `page_size` ≤ 100), and the cursor says where the next one starts. Cursors are opaque to
 * callers (base64url of a small JSON object): offsets into Harbor's ordered lists, so an item added or
 * deleted between two pages may shift the rest by one, as with any offset paging.
 */

export { pageSizeOf } from '../../plugins/paging.js';

/** Where a listing resumes: `o`, an offset into Harbor's list; `p`, a project's index; `s`, tags skipped. */
export interface Position {
  readonly p?: number;
  readonly o: number;
  readonly s?: number;
}

export function encodeCursor(kind: string, position: Position): string {
  return writeCursor({ k: kind, ...position });
}

/** The position a cursor of `kind` holds; anything else is invalid input. */
export function decodeCursor(kind: string, cursor: string | undefined): Position {
  if (cursor === undefined) return { o: 0, p: 0, s: 0 };
  const parsed = readCursor(cursor);
  const count = (value: unknown) =>
    value === undefined || (Number.isSafeInteger(value) && Number(value) >= 0);
  if (parsed.k !== kind || !count(parsed.o) || !count(parsed.p) || !count(parsed.s)) throw invalidCursor();
  return { o: Number(parsed.o ?? 0), p: Number(parsed.p ?? 0), s: Number(parsed.s ?? 0) };
}

/** One of Harbor's pages: its items, and whether another follows (`X-Total-Count`, else `Link`). */
export interface HarborPage<T> {
  readonly items: readonly T[];
  readonly more: boolean;
}

export function morePages(response: HttpResponse, page: number, received: number): boolean {
  const total = Number(response.headers['x-total-count']);
  if (response.headers['x-total-count'] !== undefined && Number.isSafeInteger(total) && total >= 0)
    return (page - 1) * HARBOR_PAGE_SIZE + received < total;
  return nextLink(response.headers.link) !== undefined;
}

/**
 * Up to `want` items from `offset` on, reading Harbor's pages as needed, and the offset of the next
 * item when there is one.
 *
 * @example
 * const { items, next } = await window((page) => readRepositories(api, page), 250, 300); // pages 3 to 6
 */
export async function window<T>(
  read: (page: number) => Promise<HarborPage<T>>,
  offset: number,
  want: number,
): Promise<{ items: T[]; next?: number }> {
  const items: T[] = [];
  let page = Math.floor(offset / HARBOR_PAGE_SIZE) + 1;
  let skip = offset % HARBOR_PAGE_SIZE;
  for (;;) {
    const answer = await read(page);
    const rest = answer.items.slice(skip);
    skip = 0;
    const taken = rest.slice(0, want - items.length);
    items.push(...taken);
    if (items.length >= want) {
      const left = rest.length > taken.length || answer.more;
      return left ? { items, next: offset + items.length } : { items };
    }
    // A short page ends the list whatever the headers say: Harbor never pads.
    if (!answer.more || answer.items.length < HARBOR_PAGE_SIZE) return { items };
    page += 1;
  }
}

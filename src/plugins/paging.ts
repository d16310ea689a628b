import { InvalidInputError } from '../core/errors.js';
import type { PageOf, PageOptions } from './contracts.js';

/**
 * What the registry readers share about our pages: their sizes (1 to 1,000, 100 by default, whatever
 * a vendor pages by underneath) and their cursors, opaque to callers: base64url of a small JSON object
 * each listing defines and checks itself.
 *
 * @example
 * const size = pageSizeOf(options);
 * const next = writeCursor({ k: 'packages', o: 200 });
 * const state = options.cursor === undefined ? undefined : readCursor(options.cursor); // { k: 'packages', o: 200 }
 */

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;
/** Longer cursors are refused before they are decoded. */
const MAX_CURSOR_CHARS = 4096;

/** The page size asked for, or the default; anything outside 1 to 1,000 is invalid input. */
export function pageSizeOf(options: PageOptions): number {
  const size = options.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE)
    throw InvalidInputError.field('pageSize', `must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  return size;
}

/** The error for a cursor no listing of ours gave. */
export const invalidCursor = (): InvalidInputError =>
  InvalidInputError.field('cursor', 'is not a cursor this listing gave');

export function writeCursor(state: object): string {
  return Buffer.from(JSON.stringify(state)).toString('base64url');
}

/** The object a cursor holds; anything that is not a cursor of ours is invalid input. */
export function readCursor(cursor: string): Record<string, unknown> {
  if (cursor.length > MAX_CURSOR_CHARS || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalidCursor();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalidCursor();
  return parsed as Record<string, unknown>;
}

/**
 * A page of configured names (sorted) after `after`, for a listing whose vendor API is refused or
 * absent: its cursor is `{ k: 'configured', t: <last name> }`.
 */
export function configuredPage(
  all: readonly string[],
  size: number,
  after: string | undefined,
): PageOf<string> {
  const rest = after === undefined ? all : all.filter((name) => name > after);
  const items = rest.slice(0, size);
  return rest.length > size
    ? { items, nextCursor: writeCursor({ k: 'configured', t: items.at(-1) }) }
    : { items };
}

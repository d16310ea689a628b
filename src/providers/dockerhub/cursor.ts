import { InvalidInputError } from '../../core/errors.js';
import type { PageOptions } from '../../plugins/contracts.js';

/**
 * Our pages over Docker Hub's: a page of up to 1,000 repositories is read from Docker Hub's pages of
 * 100, namespace after namespace, and the cursor says where the next one starts: the namespace (its
 * index in the sorted `config.namespaces`), Docker Hub's page in it, and how many of that page were
 * already given. Cursors are opaque to callers (base64url of a small JSON object); like any page
 * number, they may skip or repeat a repository added or deleted between two pages.
 */

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

export function pageSizeOf(options: PageOptions): number {
  const size = options.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE)
    throw InvalidInputError.field('pageSize', `must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  return size;
}

/**
 * Where a listing resumes. `hub`: namespace `n`, Docker Hub's page `p` (from 1), `s` of its items
 * already given. `configured`: `s` of the configured repositories already given.
 */
export type Position =
  | { readonly k: 'hub'; readonly n: number; readonly p: number; readonly s: number }
  | { readonly k: 'configured'; readonly s: number };

export function encodeCursor(position: Position): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** The position a cursor of `kind` holds (the start without one); anything else is invalid input. */
export function decodeCursor<K extends Position['k']>(
  kind: K,
  cursor: string | undefined,
): Extract<Position, { k: K }> {
  const start = (kind === 'hub' ? { k: 'hub', n: 0, p: 1, s: 0 } : { k: 'configured', s: 0 }) as Extract<
    Position,
    { k: K }
  >;
  if (cursor === undefined) return start;
  const invalid = () => InvalidInputError.field('cursor', 'is not a cursor this listing gave');
  if (cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw invalid();
  }
  const count = (value: unknown, least = 0) => Number.isSafeInteger(value) && Number(value) >= least;
  if (!parsed || typeof parsed !== 'object' || parsed.k !== kind || !count(parsed.s)) throw invalid();
  if (kind === 'configured') return { k: 'configured', s: parsed.s } as Extract<Position, { k: K }>;
  if (!count(parsed.n) || !count(parsed.p, 1)) throw invalid();
  return { k: 'hub', n: parsed.n, p: parsed.p, s: parsed.s } as Extract<Position, { k: K }>;
}

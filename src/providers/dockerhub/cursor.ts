import { invalidCursor, readCursor, writeCursor } from '../../plugins/paging.js';

/**
 * Our pages over Docker Hub's: a page of up to 1,000 repositories is read from Docker Hub's pages of
 * 100, namespace after namespace, and the cursor says where the next one starts: the namespace (its
 * index in the sorted `config.namespaces`), Docker Hub's page in it, and how many of that page were
 * already given. Cursors are opaque to callers (base64url of a small JSON object); like any page
 * number, they may skip or repeat a repository added or deleted between two pages.
 */

export { pageSizeOf } from '../../plugins/paging.js';

/**
 * Where a listing resumes. `hub`: namespace `n`, Docker Hub's page `p` (from 1), `s` of its items
 * already given. `configured`: `s` of the configured repositories already given.
 */
export type Position =
  | { readonly k: 'hub'; readonly n: number; readonly p: number; readonly s: number }
  | { readonly k: 'configured'; readonly s: number };

export function encodeCursor(position: Position): string {
  return writeCursor(position);
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
  if (cursor.length > 200) throw invalidCursor();
  const parsed = readCursor(cursor);
  const count = (value: unknown, least = 0) => Number.isSafeInteger(value) && Number(value) >= least;
  if (parsed.k !== kind || !count(parsed.s)) throw invalidCursor();
  if (kind === 'configured') return { k: 'configured', s: parsed.s } as Extract<Position, { k: K }>;
  if (!count(parsed.n) || !count(parsed.p, 1)) throw invalidCursor();
  return { k: 'hub', n: parsed.n, p: parsed.p, s: parsed.s } as Extract<Position, { k: K }>;
}

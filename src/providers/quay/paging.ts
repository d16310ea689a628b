import { invalidCursor, readCursor, writeCursor } from '../../plugins/paging.js';

/**
 * Our pages over Quay's. Quay's API pages its repository list by an opaque `next_page` token (a
 * fixed number of repositories per page) and a repository's tags by `page` (from 1) and `limit`
 * (at most 100) with `has_additional`. A page of ours (1 to 1,000 items) is read from as many of
 * Quay's as it takes, and its cursor says where the next one starts: `api:` and base64url JSON, so it
 * can never be mistaken for a tag name (the `oci` fallback's cursor), which cannot hold a colon.
 */

/** Quay answers at most this many tags per page. */
export const QUAY_TAG_PAGE_SIZE = 100;

const PREFIX = 'api:';

export { pageSizeOf } from '../../plugins/paging.js';

/** Where a repository listing resumes: namespace index `n`, Quay's `next_page` token `t`, offset `o` in that page. */
export interface RepositoryPosition {
  readonly n: number;
  readonly t?: string;
  readonly o: number;
}

/** Where a tag listing resumes: Quay's page `p` (from 1) and offset `o` in it. */
export interface TagPosition {
  readonly p: number;
  readonly o: number;
}

export function isApiCursor(cursor: string | undefined): boolean {
  return cursor?.startsWith(PREFIX) === true;
}

export function encodeCursor(
  kind: 'repositories' | 'tags',
  position: RepositoryPosition | TagPosition,
): string {
  return `${PREFIX}${writeCursor({ k: kind, ...position })}`;
}

const invalid = invalidCursor;

function decode(kind: string, cursor: string): Record<string, unknown> {
  if (!isApiCursor(cursor)) throw invalid();
  const parsed = readCursor(cursor.slice(PREFIX.length));
  if (parsed.k !== kind) throw invalid();
  return parsed;
}

const count = (value: unknown, min: number) => Number.isSafeInteger(value) && Number(value) >= min;

export function decodeRepositoryCursor(cursor: string | undefined): RepositoryPosition {
  if (cursor === undefined) return { n: 0, o: 0 };
  const { n, t, o } = decode('repositories', cursor);
  if (!count(n, 0) || !count(o, 0) || (t !== undefined && (typeof t !== 'string' || t === '')))
    throw invalid();
  return { n: Number(n), o: Number(o), ...(typeof t === 'string' ? { t } : {}) };
}

export function decodeTagCursor(cursor: string | undefined): TagPosition {
  if (cursor === undefined) return { p: 1, o: 0 };
  const { p, o } = decode('tags', cursor);
  if (!count(p, 1) || !count(o, 0) || Number(o) >= QUAY_TAG_PAGE_SIZE) throw invalid();
  return { p: Number(p), o: Number(o) };
}

import { InvalidInputError } from '../../core/errors.js';
import type { PageOptions } from '../../plugins/contracts.js';

/**
 * Our pages over Quay's. Quay's API pages its repository list by an opaque `next_page` token (a
 * fixed number of repositories per page) and a repository's tags by `page` (from 1) and `limit`
 * (at most 100) with `has_additional`. A page of ours (1 to 1,000 items) is read from as many of
 * Quay's as it takes, and its cursor says where the next one starts: `api:` and base64url JSON, so it
 * can never be mistaken for a tag name (the `oci` fallback's cursor), which cannot hold a colon.
 */

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;
/** Quay answers at most this many tags per page. */
export const QUAY_TAG_PAGE_SIZE = 100;

const PREFIX = 'api:';

export function pageSizeOf(options: PageOptions): number {
  const size = options.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE)
    throw InvalidInputError.field('pageSize', `must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  return size;
}

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
  return `${PREFIX}${Buffer.from(JSON.stringify({ k: kind, ...position })).toString('base64url')}`;
}

const invalid = () => InvalidInputError.field('cursor', 'is not a cursor this listing gave');

function decode(kind: string, cursor: string): Record<string, unknown> {
  if (!isApiCursor(cursor) || cursor.length > 4096) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor.slice(PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!parsed || typeof parsed !== 'object' || (parsed as { k?: unknown }).k !== kind) throw invalid();
  return parsed as Record<string, unknown>;
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

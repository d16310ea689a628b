import { PreconditionFailedError } from '../core/errors.js';

/** The ETag of a versioned resource. */
export function etagOf(version: number): string {
  return `"${version}"`;
}

/**
 * Reads If-Match into the version it requires: undefined when absent or `*`. A value that names no
 * version of ours can never match, so it fails as a stale precondition would.
 */
export function versionFromIfMatch(header: string | string[] | undefined): number | undefined {
  if (header === undefined) return undefined;
  const value = Array.isArray(header) ? header.join(',') : header;
  if (value.trim() === '*') return undefined;
  const versions = value
    .split(',')
    .map((part) => /^\s*(?:W\/)?"(\d{1,9})"\s*$/.exec(part)?.[1])
    .filter((v): v is string => v !== undefined);
  if (versions.length !== 1) {
    throw new PreconditionFailedError('If-Match must carry the one ETag returned by the last read, e.g. "3"');
  }
  return Number(versions[0]);
}

import { InvalidInputError } from '../core/errors.js';
import { INPUT_LIMITS } from './limits.js';
import { hasControlCharacter } from './text.js';

/**
 * Turns the paths and URIs that scanners write into repository-relative paths (`src/app.ts`), or says
 * why a location is not inside the repository. Purely textual: nothing here touches the file system.
 */

/** Why a finding's location is not a file in the repository. */
export const OUTSIDE_REASONS = [
  /** A relative path that climbs above the repository root with `..`. */
  'parent-traversal',
  /** An absolute path that is not under `repositoryRoot`. */
  'outside-root',
  /** An absolute path, and no `repositoryRoot` was given to relate it to. */
  'absolute-without-root',
  /** A URI that is not a local file (`https:`, `pkg:`, a `file:` URI on another host). */
  'not-a-file',
  /** Not usable as a path: control characters after decoding, or too long. */
  'invalid-path',
] as const;
export type OutsideReason = (typeof OUTSIDE_REASONS)[number];

/** Where a location lands: a repository-relative path (`undefined` for the root itself) or outside. */
export type PathResolution =
  | { readonly kind: 'inside'; readonly path: string | undefined }
  | { readonly kind: 'outside'; readonly reason: OutsideReason; readonly detail: string };

/** An absolute repository root, split for comparison. */
export interface RepositoryRoot {
  /** `C:` style drive in upper case, or '' for POSIX roots. */
  readonly drive: string;
  readonly segments: readonly string[];
}

export interface ResolvePathOptions {
  /** Percent-decode the text first (SARIF URIs); native `path`s are taken literally. */
  readonly decode: boolean;
}

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]+):/;
const DRIVE = /^([A-Za-z]):(?:\/|$)/;

/**
 * Reads the `repositoryRoot` option: an absolute POSIX or Windows path or a `file:` URI.
 *
 * @example
 * parseRepositoryRoot('/home/runner/work/app/app'); // { drive: '', segments: ['home', ..., 'app'] }
 */
export function parseRepositoryRoot(root: string | undefined): RepositoryRoot | undefined {
  if (root === undefined) return undefined;
  const fail = (message: string) => InvalidInputError.field('repositoryRoot', message);
  if (typeof root !== 'string' || root.length === 0 || root.length > INPUT_LIMITS.maxPathLength) {
    throw fail(`must be a non-empty string of at most ${INPUT_LIMITS.maxPathLength} characters`);
  }
  const text = stripFileScheme(root, true);
  if (text === undefined || hasControlCharacter(text))
    throw fail('must be a local absolute path or file: URI');
  const split = splitAbsolute(text.replaceAll('\\', '/'));
  if (split === undefined) throw fail('must be an absolute path');
  return split;
}

/**
 * Resolves one path or URI against the repository root.
 *
 * Relative paths are relative to the root; `..` that climbs out is `parent-traversal`. Absolute paths are
 * made relative to `root` (`outside-root` when not under it, `absolute-without-root` without a root).
 * `file:` URIs are read as paths; other schemes are `not-a-file`. Backslashes count as separators.
 *
 * @example
 * resolveRepositoryPath('file:///repo/src/a%20b.ts', parseRepositoryRoot('/repo'), { decode: true });
 * // { kind: 'inside', path: 'src/a b.ts' }
 */
export function resolveRepositoryPath(
  raw: string,
  root: RepositoryRoot | undefined,
  options: ResolvePathOptions,
): PathResolution {
  if (raw.length > INPUT_LIMITS.maxPathLength) {
    return outside('invalid-path', `longer than ${INPUT_LIMITS.maxPathLength} characters`);
  }
  const text = stripFileScheme(raw, options.decode);
  if (text === undefined) return outside('not-a-file', 'not a local file URI');
  if (hasControlCharacter(text)) return outside('invalid-path', 'contains control characters');
  const slashed = text.replaceAll('\\', '/');
  const absolute = splitAbsolute(slashed);
  if (absolute === undefined) return resolveRelative(slashed);
  if (root === undefined)
    return outside('absolute-without-root', 'absolute path and no repositoryRoot given');
  if (absolute.drive !== root.drive || absolute.segments.length < root.segments.length) {
    return outside('outside-root', 'absolute path outside the repository root');
  }
  for (let i = 0; i < root.segments.length; i++) {
    if (absolute.segments[i] !== root.segments[i]) {
      return outside('outside-root', 'absolute path outside the repository root');
    }
  }
  const rest = absolute.segments.slice(root.segments.length);
  return { kind: 'inside', path: rest.length === 0 ? undefined : rest.join('/') };
}

/** True for text that a URI resolver treats as absolute: a scheme, a leading `/`, or a drive letter. */
export function isAbsoluteReference(text: string): boolean {
  return SCHEME.test(text) || text.startsWith('/') || text.startsWith('\\') || DRIVE.test(text);
}

function outside(reason: OutsideReason, detail: string): PathResolution {
  return { kind: 'outside', reason, detail };
}

/**
 * Removes a `file:` scheme and authority and percent-decodes when asked. Returns undefined for other
 * schemes and for `file:` URIs naming another host.
 */
function stripFileScheme(raw: string, decode: boolean): string | undefined {
  const scheme = SCHEME.exec(raw);
  if (!scheme) return decode && raw.includes('%') ? percentDecode(raw) : raw;
  if (scheme[1]?.toLowerCase() !== 'file') return undefined;
  let text = raw.slice(scheme[0].length);
  if (text.startsWith('//')) {
    const end = text.indexOf('/', 2);
    const host = text.slice(2, end === -1 ? text.length : end);
    if (host !== '' && host.toLowerCase() !== 'localhost') return undefined;
    text = end === -1 ? '/' : text.slice(end);
  }
  // A file: URI is always percent-encoded, and file:///C:/x names the Windows path C:/x.
  if (text.includes('%')) text = percentDecode(text);
  return /^\/[A-Za-z]:(?:\/|$)/.test(text) ? text.slice(1) : text;
}

/** Decodes `%XX` escapes as UTF-8; text with a malformed escape is kept as it is. */
function percentDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Splits an absolute path into drive and normalised segments; undefined when the path is relative. */
function splitAbsolute(text: string): RepositoryRoot | undefined {
  const drive = DRIVE.exec(text);
  let rest: string;
  let driveName = '';
  if (drive) {
    driveName = `${drive[1]?.toUpperCase()}:`;
    rest = text.slice(2);
  } else if (text.startsWith('/')) {
    rest = text;
  } else {
    return undefined;
  }
  const segments: string[] = [];
  for (const segment of rest.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return { drive: driveName, segments };
}

function resolveRelative(text: string): PathResolution {
  const segments: string[] = [];
  for (const segment of text.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (segments.length === 0)
        return outside('parent-traversal', 'relative path climbs above the repository');
      segments.pop();
    } else {
      segments.push(segment);
    }
  }
  return { kind: 'inside', path: segments.length === 0 ? undefined : segments.join('/') };
}

import { InvalidInputError } from '../core/errors.js';
import { dangerInDecoded, decodeOnce, encodeCanonical, firstBadCharacter } from './percent-encoding.js';

/**
 * `authref://<store>/<path>[?params][#key]`: a reference to a credential, never the credential
 * (the grammar is in README.md in this folder).
 */

/** Longest reference accepted (the API's limit on `authRef`). */
export const AUTHREF_MAX_LENGTH = 2048;
export const AUTHREF_MAX_SEGMENTS = 32;
const MAX_POINTER_DEPTH = 16;

export const AUTHREF_PARAMS = ['encoding', 'stage', 'version', 'versionId'] as const;
export type AuthRefParamName = (typeof AUTHREF_PARAMS)[number];

export const AUTHREF_ENCODINGS = ['utf8', 'base64', 'pem'] as const;
export type AuthRefEncoding = (typeof AUTHREF_ENCODINGS)[number];

export interface AuthRefParams {
  /** A pinned version (Vault KV v2, local). */
  readonly version?: number;
  /** AWS Secrets Manager staging label. */
  readonly stage?: string;
  /** AWS Secrets Manager version id (a UUID, lower case). */
  readonly versionId?: string;
  /** How the value's text is turned into bytes (default utf8). */
  readonly encoding?: AuthRefEncoding;
}

/** A parsed reference. Compare references by `canonical` only. */
export interface AuthRef {
  /** The one spelling of this reference: lower-case store, canonical percent-encoding, sorted params. */
  readonly canonical: string;
  /** The name of an admin-configured store (lower case), never an address. */
  readonly store: string;
  /** Path segments, percent-decoded once; none is empty, `.`, `..`, or holds `/`, `\` or NUL. */
  readonly path: readonly string[];
  readonly params: AuthRefParams;
  /** The key, decoded: a property name (`token`) or an RFC 6901 pointer (`/a/b`); null when absent. */
  readonly key: string | null;
  /** The key as the property names to walk (pointer tokens unescaped); null when absent. */
  readonly keyPath: readonly string[] | null;
}

const SCHEME = 'authref://';
const STORE_NAME = /^[a-z][a-z0-9-]{0,62}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Parses and canonicalises a reference, or throws `InvalidInputError` naming `field` and saying what
 * is wrong. Messages never repeat the input (a pasted token must not travel on in an error).
 *
 * @example
 * parseAuthRef('authref://Vault-Prod/ci/registry-robot?version=3#password').canonical;
 * // 'authref://vault-prod/ci/registry-robot?version=3#password'
 */
export function parseAuthRef(input: unknown, options: { field?: string } = {}): AuthRef {
  const field = options.field ?? '/authRef';
  const fail = (why: string): never => {
    throw InvalidInputError.field(field, why);
  };

  if (typeof input !== 'string') return fail('must be a string');
  if (input.length === 0) return fail('must not be empty');
  if (input.length > AUTHREF_MAX_LENGTH) return fail(`is longer than ${AUTHREF_MAX_LENGTH} characters`);
  checkCharacters(input, fail);
  if (input.slice(0, SCHEME.length).toLowerCase() !== SCHEME) {
    return fail(
      /^[A-Za-z][A-Za-z0-9+.-]*:/.test(input)
        ? 'must use the authref:// scheme (authref://<store>/<path>)'
        : 'must start with authref:// (authref://<store>/<path>)',
    );
  }

  const rest = input.slice(SCHEME.length);
  const hashAt = rest.indexOf('#');
  if (hashAt >= 0 && rest.includes('?', hashAt)) {
    return fail("has '?' after '#': parameters come first, then the #key");
  }
  if (hashAt >= 0 && rest.includes('#', hashAt + 1)) return fail("contains more than one '#'");
  const queryAt = rest.indexOf('?');
  const authorityEnd = firstIndex(rest, ['/', '?', '#']);
  const pathEnd = firstIndex(rest, ['?', '#']);
  const authority = rest.slice(0, authorityEnd);
  const rawPath = rest.slice(authorityEnd, pathEnd);
  const rawQuery = queryAt >= 0 ? rest.slice(queryAt + 1, hashAt >= 0 ? hashAt : rest.length) : null;
  const rawKey = hashAt >= 0 ? rest.slice(hashAt + 1) : null;

  const store = checkStore(authority, fail);
  const url = parseUrl(input, fail);
  if (url.username !== '' || url.password !== '') return fail('must not contain user info (user@)');
  if (url.port !== '') return fail('must not name a port: the store is a name, not an address');
  if (url.hostname.toLowerCase() !== store) return fail('has a store that a URL parser reads differently');

  if (!rawPath.startsWith('/') || rawPath === '/') {
    return fail('names no secret path after the store (authref://<store>/<path>)');
  }
  const path = parsePath(rawPath.slice(1), fail);
  const params = rawQuery === null ? {} : parseParams(rawQuery, fail);
  const key = rawKey === null ? null : parseKey(rawKey, fail);

  // The WHATWG parser must see exactly the components we read: a difference means it normalised
  // something (dot segments, escapes), and two readings of one reference are how confusion starts.
  const same =
    url.pathname === rawPath &&
    url.search === (rawQuery ? `?${rawQuery}` : '') &&
    url.hash === (rawKey ? `#${rawKey}` : '');
  if (!same) return fail('is ambiguous: a URL parser reads its path, parameters or key differently');

  const canonical =
    `${SCHEME}${store}/${path.map(encodeCanonical).join('/')}` +
    formatParams(params) +
    (key ? `#${key.canonical}` : '');
  return Object.freeze({
    canonical,
    store,
    path: Object.freeze(path),
    params: Object.freeze(params),
    key: key?.decoded ?? null,
    keyPath: key ? Object.freeze(key.path) : null,
  });
}

/**
 * Builds the canonical reference for decoded parts (the inverse of `parseAuthRef`), validating them.
 *
 * @example
 * formatAuthRef({ store: 'local', path: [secretId] }); // 'authref://local/0193…'
 */
export function formatAuthRef(parts: {
  store: string;
  path: readonly string[];
  params?: AuthRefParams;
  key?: string | null;
}): string {
  const key = parts.key
    ? parts.key.startsWith('/')
      ? `/${parts.key.slice(1).split('/').map(encodeCanonical).join('/')}`
      : encodeCanonical(parts.key)
    : null;
  const text =
    `${SCHEME}${parts.store}/${parts.path.map(encodeCanonical).join('/')}` +
    formatParams(parts.params ?? {}) +
    (key ? `#${key}` : '');
  return parseAuthRef(text).canonical;
}

function checkCharacters(input: string, fail: (why: string) => never): void {
  for (let i = 0; i < input.length; i++) {
    const code = input.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) fail(`must not contain control characters (one at position ${i + 1})`);
    if (code === 0x20) fail(`must not contain spaces (one at position ${i + 1})`);
    if (code > 0x7e) {
      fail(`must contain only ASCII characters; percent-encode others (position ${i + 1})`);
    }
    if (code === 0x5c) fail(`must not contain a backslash (position ${i + 1})`);
  }
}

function checkStore(authority: string, fail: (why: string) => never): string {
  if (authority === '') return fail('names no store (authref://<store>/<path>)');
  if (authority.includes('@')) {
    return fail('must not contain user info (user@): the store is the name of a configured store');
  }
  if (authority.startsWith('[') || /^(\d+|0x[0-9a-f]+)(\.(\d+|0x[0-9a-f]+))*$/i.test(authority)) {
    return fail('must name a configured store, not an IP address');
  }
  if (authority.includes(':')) return fail('must not name a port: the store is a name, not an address');
  if (authority.includes('.')) {
    return fail("must name a configured store, not a host (the store contains '.')");
  }
  if (authority.includes('%')) return fail('has a percent-encoded store: a store is a plain name');
  const store = authority.toLowerCase();
  if (store.length > 63) return fail('has a store name longer than 63 characters');
  if (!/^[a-z]/.test(store)) return fail('has a store name that does not start with a letter');
  if (!STORE_NAME.test(store))
    return fail("has a store name with characters other than letters, digits and '-'");
  return store;
}

function parseUrl(input: string, fail: (why: string) => never): URL {
  try {
    return new URL(input);
  } catch {
    return fail('is not a valid URL');
  }
}

/** Splits and checks a raw component list; returns the decoded parts. */
function decodeParts(raws: readonly string[], what: string, fail: (why: string) => never): string[] {
  return raws.map((raw, index) => {
    const name = what === 'key' ? 'key' : `${what} ${index + 1}`;
    if (raw === '') return fail(`has an empty ${name}: no '//' and no trailing '/'`);
    const bad = firstBadCharacter(raw);
    if (bad !== undefined) return fail(`has '${bad}' in ${name}; percent-encode it`);
    const decoded = decodeOnce(raw);
    if (!decoded.ok) return fail(`${decoded.why} (${name})`);
    const danger = dangerInDecoded(decoded.text);
    if (danger) return fail(`${danger} (${name})`);
    return decoded.text;
  });
}

function parsePath(raw: string, fail: (why: string) => never): string[] {
  const raws = raw.split('/');
  if (raws.length > AUTHREF_MAX_SEGMENTS) return fail(`has more than ${AUTHREF_MAX_SEGMENTS} path segments`);
  return decodeParts(raws, 'path segment', fail);
}

function parseParams(raw: string, fail: (why: string) => never): AuthRefParams {
  if (raw === '') return fail("has '?' but no parameters");
  const seen = new Map<string, string>();
  for (const [index, pair] of raw.split('&').entries()) {
    if (pair === '') return fail(`has an empty parameter (parameter ${index + 1}): no '&&' or trailing '&'`);
    const equals = pair.indexOf('=');
    const name = equals >= 0 ? pair.slice(0, equals) : pair;
    const value = equals >= 0 ? pair.slice(equals + 1) : '';
    const known = (AUTHREF_PARAMS as readonly string[]).includes(name);
    if (!known) {
      const shown = /^[A-Za-z][A-Za-z0-9]{0,19}$/.test(name) ? ` '${name}'` : '';
      return fail(`has an unknown parameter${shown} (known: ${AUTHREF_PARAMS.join(', ')})`);
    }
    if (seen.has(name)) return fail(`repeats the parameter '${name}'`);
    if (equals < 0 || value === '') return fail(`has no value for the parameter '${name}' (${name}=…)`);
    seen.set(name, value);
  }
  const params: { -readonly [K in keyof AuthRefParams]: AuthRefParams[K] } = {};
  const version = seen.get('version');
  if (version !== undefined) {
    if (!/^\d{1,15}$/.test(version) || Number(version) === 0) {
      return fail('has a version that is not a positive whole number');
    }
    params.version = Number(version);
  }
  const stage = seen.get('stage');
  if (stage !== undefined) {
    if (!/^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(stage)) {
      return fail("has a stage that is not a label (letters, digits, '_' and '-', at most 64)");
    }
    params.stage = stage;
  }
  const versionId = seen.get('versionId');
  if (versionId !== undefined) {
    if (!UUID.test(versionId.toLowerCase())) return fail('has a versionId that is not a UUID');
    params.versionId = versionId.toLowerCase();
  }
  const encoding = seen.get('encoding');
  if (encoding !== undefined) {
    if (!(AUTHREF_ENCODINGS as readonly string[]).includes(encoding)) {
      return fail(`has an unknown encoding (known: ${AUTHREF_ENCODINGS.join(', ')})`);
    }
    params.encoding = encoding as AuthRefEncoding;
  }
  if (params.version !== undefined && (params.stage !== undefined || params.versionId !== undefined)) {
    return fail('combines version with stage or versionId: pick one way to name a version');
  }
  return params;
}

function formatParams(params: AuthRefParams): string {
  const pairs = AUTHREF_PARAMS.filter((name) => params[name] !== undefined).map(
    (name) => `${name}=${String(params[name])}`,
  );
  return pairs.length > 0 ? `?${pairs.join('&')}` : '';
}

interface ParsedKey {
  readonly canonical: string;
  readonly decoded: string;
  readonly path: string[];
}

function parseKey(raw: string, fail: (why: string) => never): ParsedKey {
  if (raw === '') return fail("has '#' but no key");
  if (!raw.startsWith('/')) {
    const [name] = decodeParts([raw], 'key', fail);
    return { canonical: encodeCanonical(name!), decoded: name!, path: [name!] };
  }
  const raws = raw.slice(1).split('/');
  if (raws.length > MAX_POINTER_DEPTH) return fail(`has a key pointer deeper than ${MAX_POINTER_DEPTH}`);
  const tokens = decodeParts(raws, 'key pointer token', fail);
  for (const [index, token] of tokens.entries()) {
    if (/~(?![01])/.test(token)) {
      return fail(`has a '~' that is not ~0 or ~1 (key pointer token ${index + 1})`);
    }
  }
  return {
    canonical: `/${tokens.map(encodeCanonical).join('/')}`,
    decoded: `/${tokens.join('/')}`,
    path: tokens.map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~')),
  };
}

function firstIndex(text: string, chars: readonly string[]): number {
  let first = text.length;
  for (const char of chars) {
    const at = text.indexOf(char);
    if (at >= 0 && at < first) first = at;
  }
  return first;
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../core/errors.js';
import { type AuthRef, formatAuthRef, parseAuthRef } from './authref.js';

function refusal(input: unknown): InvalidInputError {
  try {
    parseAuthRef(input);
  } catch (error) {
    if (error instanceof InvalidInputError) return error;
    throw error;
  }
  throw new Error(`accepted: ${String(input)}`);
}

const UUID = '0193a7b2-5c1e-7a3f-8d21-6b0c4e9f1a2d';

// [what it tries, the reference, what the message must say]
const HOSTILE: readonly (readonly [string, unknown, RegExp])[] = [
  ['userinfo', 'authref://admin@vault/ci/token', /must not contain user info/],
  ['userinfo with password', 'authref://u:ghp_PASTEDTOKEN@vault/x', /must not contain user info/],
  ['a port', 'authref://vault:8200/ci/token', /must not name a port/],
  ['an empty port', 'authref://vault:/ci/token', /must not name a port/],
  ['a host name', 'authref://vault.internal.example/ci/token', /not a host/],
  ['an IPv4 address', 'authref://169.254.169.254/latest/meta-data', /not an IP address/],
  ['an IPv6 address', 'authref://[::1]/x', /not an IP address/],
  ['a dword IP', 'authref://2130706433/x', /not an IP address/],
  ['a hex IP', 'authref://0x7f.1/x', /not an IP address/],
  ['no store', 'authref:///ci/token', /names no store/],
  ['a percent-encoded store', 'authref://va%75lt/x', /percent-encoded store/],
  ['a store with an underscore', 'authref://va_ult/x', /letters, digits and '-'/],
  ['a store starting with a digit-dash', 'authref://-vault/x', /does not start with a letter/],
  ['a 64-character store', `authref://${'a'.repeat(64)}/x`, /longer than 63/],
  ['no path', 'authref://vault', /names no secret path/],
  ['only a slash', 'authref://vault/', /names no secret path/],
  ['an empty segment', 'authref://vault/ci//token', /empty path segment 2/],
  ['a trailing slash', 'authref://vault/ci/', /empty path segment 2/],
  ['a dot-dot segment', 'authref://vault/tenants/acme/../other/token', /path segment 3.*|'\.' or '\.\.'/],
  ['a dot segment', 'authref://vault/./token', /'\.' or '\.\.' \(path segment 1\)/],
  ['an encoded dot-dot', 'authref://vault/a/%2e%2E/b', /'\.' or '\.\.' \(path segment 2\)/],
  ['dots inside a segment', 'authref://vault/a..b/c', /contains '\.\.'/],
  ['an encoded slash', 'authref://vault/a%2Fb', /encoded '\/' \(%2F\)/],
  ['a lower-case encoded slash', 'authref://vault/a%2fb', /encoded '\/' \(%2F\)/],
  ['an encoded backslash', 'authref://vault/a%5Cb', /encoded backslash/],
  ['an encoded NUL', 'authref://vault/token%00.txt', /encoded NUL/],
  ['an encoded tab', 'authref://vault/a%09b', /encoded control character/],
  ['double encoding of a slash', 'authref://vault/a%252Fb', /percent-encoded twice/],
  ['double encoding spelled out', 'authref://vault/a%25%32%46b', /percent-encoded twice/],
  ['a malformed escape', 'authref://vault/a%zzb', /malformed percent-escape/],
  ['a truncated escape', 'authref://vault/ab%2', /malformed percent-escape/],
  ['bytes that are not UTF-8', 'authref://vault/a%ffb', /not UTF-8/],
  ['a raw backslash', 'authref://vault/a\\b', /backslash/],
  ['a space', 'authref://vault/a b', /spaces/],
  ['a tab', 'authref://vault/a\tb', /control characters/],
  ['a newline', 'authref://vault/a\nb', /control characters/],
  ['a NUL', 'authref://vault/ab\u0000', /control characters/],
  ['a DEL', 'authref://vault/ab\u007f', /control characters/],
  ['a leading space', ' authref://vault/x', /spaces/],
  ['non-ASCII', 'authref://vault/café', /only ASCII/],
  ['a bidi override', 'authref://vault/a\u202eb', /only ASCII/],
  ['a semicolon', 'authref://vault/a;b', /';' in path segment 1; percent-encode it/],
  ['an unknown parameter', 'authref://vault/x?foo=1', /unknown parameter 'foo' \(known: encoding/],
  ['a repeated parameter', 'authref://vault/x?version=1&version=2', /repeats the parameter 'version'/],
  ['a non-numeric version', 'authref://vault/x?version=latest', /positive whole number/],
  ['version zero', 'authref://vault/x?version=0', /positive whole number/],
  ['a negative version', 'authref://vault/x?version=-1', /positive whole number/],
  ['a parameter without a value', 'authref://vault/x?version', /no value for the parameter 'version'/],
  ['an empty parameter', 'authref://vault/x?&version=1', /empty parameter/],
  ['a question mark alone', 'authref://vault/x?', /'\?' but no parameters/],
  ['an unknown encoding', 'authref://vault/x?encoding=hex', /unknown encoding/],
  ['a versionId that is no UUID', 'authref://aws/x?versionId=1234', /not a UUID/],
  ['a stage with a dot', 'authref://aws/x?stage=AWS.CURRENT', /not a label/],
  ['version with stage', 'authref://aws/x?version=2&stage=AWSCURRENT', /combines version with stage/],
  ['# before ?', 'authref://vault/x#password?version=2', /'\?' after '#'/],
  ['two #', 'authref://vault/x#a#b', /more than one '#'/],
  ['an empty key', 'authref://vault/x#', /'#' but no key/],
  ['a key with dot-dot', 'authref://vault/x#/a/../b', /'\.' or '\.\.' \(key pointer token 2\)/],
  ['an encoded slash in a pointer', 'authref://vault/x#/a%2Fb', /encoded '\/'/],
  ['a bad pointer escape', 'authref://vault/x#/a~2b', /not ~0 or ~1/],
  ['another scheme', 'https://vault.example.com/v1/secret/data/x', /must use the authref:\/\/ scheme/],
  ['no scheme', 'vault/ci/token', /must start with authref:\/\//],
  ['an over-long reference', `authref://vault/${'a'.repeat(2100)}`, /longer than 2048 characters/],
  ['too many segments', `authref://vault/${Array(33).fill('a').join('/')}`, /more than 32 path segments/],
  ['an empty string', '', /must not be empty/],
  ['not a string', 42, /must be a string/],
];

describe('parseAuthRef refuses hostile references', () => {
  it(`has at least 30 of them (${HOSTILE.length})`, () => {
    expect(HOSTILE.length).toBeGreaterThanOrEqual(30);
  });

  it.each(HOSTILE)('refuses %s', (_what, input, message) => {
    const error = refusal(input);

    expect(error.message).toMatch(message);
    expect(error.message.startsWith('/authRef ')).toBe(true);
    expect(error.details).toEqual([{ field: '/authRef', message: error.message.slice('/authRef '.length) }]);
    expect(error.code).toBe('invalid_request');
  });

  it('never repeats the input in its message', () => {
    for (const [, input] of HOSTILE) {
      if (typeof input !== 'string' || input.length < 12) continue;
      expect(refusal(input).message).not.toContain(input);
    }
    expect(refusal('authref://u:ghp_PASTEDTOKEN@vault/x').message).not.toContain('PASTED');
  });

  it('names the field it was given', () => {
    expect(() => parseAuthRef('authref://a.b/x', { field: '/credentials/ref' })).toThrow(
      /^\/credentials\/ref must name a configured store/,
    );
  });
});

describe('parseAuthRef canonicalises', () => {
  it.each([
    [
      'authref://Vault-Prod/ci/registry-robot?version=3#password',
      'authref://vault-prod/ci/registry-robot?version=3#password',
    ],
    ['AUTHREF://local/0193a7b2-5c1e-7a3f-8d21-6b0c4e9f1a2d', `authref://local/${UUID}`],
    ['authref://vault/a%41b/%3a%40', 'authref://vault/aAb/:@'],
    ['authref://vault/%c3%a9t%C3%A9', 'authref://vault/%C3%A9t%C3%A9'],
    ['authref://vault/x?version=007&encoding=base64', 'authref://vault/x?encoding=base64&version=7'],
    [
      'authref://aws-sm-eu/prod?versionId=ABCDEF00-1234-4321-8888-0123456789AB&stage=AWSCURRENT',
      'authref://aws-sm-eu/prod?stage=AWSCURRENT&versionId=abcdef00-1234-4321-8888-0123456789ab',
    ],
    ['authref://vault/x#/a~1b/c~0d', 'authref://vault/x#/a~1b/c~0d'],
    ['authref://vault/x#%74oken', 'authref://vault/x#token'],
    ['authref://vault/a+b=c,d@e:f~g', 'authref://vault/a+b=c,d@e:f~g'],
    ['authref://vault/100%25', 'authref://vault/100%25'],
  ])('%s → %s', (input, canonical) => {
    expect(parseAuthRef(input).canonical).toBe(canonical);
  });

  it('gives the structure: store, decoded path, params and key', () => {
    const ref = parseAuthRef(
      'authref://Vault-Prod/ci/%C3%A9t%C3%A9?encoding=pem&version=3#/app/private~1key',
    );

    expect(ref).toEqual({
      canonical: 'authref://vault-prod/ci/%C3%A9t%C3%A9?encoding=pem&version=3#/app/private~1key',
      store: 'vault-prod',
      path: ['ci', 'été'],
      params: { encoding: 'pem', version: 3 },
      key: '/app/private~1key',
      keyPath: ['app', 'private/key'],
    } satisfies AuthRef);
  });

  it('formats decoded parts into the canonical form', () => {
    expect(formatAuthRef({ store: 'local', path: [UUID] })).toBe(`authref://local/${UUID}`);
    expect(formatAuthRef({ store: 'vault', path: ['a b', 'été'], params: { version: 2 }, key: 'k' })).toBe(
      'authref://vault/a%20b/%C3%A9t%C3%A9?version=2#k',
    );
    expect(() => formatAuthRef({ store: 'vault', path: ['..'] })).toThrow(InvalidInputError);
  });
});

// --- Properties -----------------------------------------------------------------------------------

/** Characters decoded text may hold: literal ones, ones that must be escaped, and multi-byte ones. */
const TEXT_CHARS = [...'abcXYZ019-._~:@+=,', ...' ?#&%[]{}|^"<>\';`!$*()', 'é', '日', '😀'];
const decodedText = fc
  .array(fc.constantFrom(...TEXT_CHARS), { minLength: 1, maxLength: 12 })
  .map((chars) => chars.join(''))
  .filter((text) => text !== '.' && !text.includes('..') && !/%[0-9A-Fa-f]{2}/.test(text));

/** Spells decoded text the way a person might: literal where allowed, escapes in either case. */
function spell(text: string, choices: readonly boolean[]): string {
  let out = '';
  let i = 0;
  for (const char of text) {
    const literal = /^[A-Za-z0-9\-._~:@+=,]$/.test(char);
    const choice = choices[i++ % Math.max(choices.length, 1)] ?? false;
    if (literal && !choice) {
      out += char;
      continue;
    }
    for (const byte of Buffer.from(char, 'utf8')) {
      const hex = byte.toString(16).padStart(2, '0');
      out += `%${choice ? hex.toUpperCase() : hex.toLowerCase()}`;
    }
  }
  return out;
}

const spelledText = fc
  .tuple(decodedText, fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }))
  .map(([text, choices]) => ({ text, raw: spell(text, choices) }));

const storeName = fc
  .tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), fc.array(fc.boolean(), { maxLength: 21 }))
  .map(([name, upper]) => ({
    name,
    raw: [...name].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join(''),
  }));

const params = fc.oneof(
  fc.record(
    { version: fc.integer({ min: 1, max: 10_000_000 }), encoding: fc.constantFrom('utf8', 'base64', 'pem') },
    { requiredKeys: [] },
  ),
  fc.record(
    { stage: fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,10}$/), versionId: fc.uuid() },
    { requiredKeys: [] },
  ),
);

const key = fc.oneof(
  fc.constant(null),
  spelledText.map(({ text, raw }) => ({ kind: 'name' as const, path: [text], raw })),
  fc
    .array(fc.tuple(decodedText, fc.array(fc.boolean(), { minLength: 1, maxLength: 8 })), {
      minLength: 1,
      maxLength: 4,
    })
    .map((tokens) => ({
      kind: 'pointer' as const,
      path: tokens.map(([text]) => text),
      // RFC 6901 escapes first, then percent-encoding (§6: the fragment is decoded before the pointer).
      raw: `/${tokens.map(([text, choices]) => spell(text.replaceAll('~', '~0'), choices)).join('/')}`,
    })),
);

const validRef = fc
  .record({
    scheme: fc.constantFrom('authref', 'AUTHREF', 'AuthRef'),
    store: storeName,
    segments: fc.array(spelledText, { minLength: 1, maxLength: 6 }),
    params,
    paramOrder: fc.boolean(),
    key,
  })
  .map((parts) => {
    const pairs = Object.entries(parts.params).map(([name, value]) => `${name}=${String(value)}`);
    if (parts.paramOrder) pairs.reverse();
    const raw =
      `${parts.scheme}://${parts.store.raw}/${parts.segments.map((s) => s.raw).join('/')}` +
      (pairs.length > 0 ? `?${pairs.join('&')}` : '') +
      (parts.key ? `#${parts.key.raw}` : '');
    return { raw, parts };
  });

/** Pieces hostile input is made of: separators, dots, escapes of dangerous bytes, params. */
const HOSTILE_PIECES = [
  '/',
  '.',
  '..',
  '%2F',
  '%2f',
  '%5C',
  '%5c',
  '%00',
  '%25',
  '%2e',
  '%2E',
  '%252F',
  '?',
  '#',
  '&',
  '=',
  ':',
  '@',
  '\\',
  '%',
  'a',
  'B',
  '~',
  '~1',
  'version=1',
  'encoding=pem',
  '\u0000',
  ' ',
];
const hostileRef = fc
  .array(fc.constantFrom(...HOSTILE_PIECES), { minLength: 1, maxLength: 14 })
  .map((pieces) => `authref://vault/${pieces.join('')}`);

function accepted(input: string): AuthRef | undefined {
  try {
    return parseAuthRef(input);
  } catch (error) {
    if (error instanceof InvalidInputError) return undefined;
    throw error;
  }
}

function assertSafe(ref: AuthRef): void {
  for (const segment of [...ref.path, ...(ref.keyPath ?? [])]) {
    expect(segment).not.toBe('');
    expect(segment).not.toContain('..');
    expect(segment).not.toBe('.');
    expect(segment).not.toContain('\\');
    expect(segment).not.toContain('\u0000');
  }
  for (const segment of ref.path) expect(segment).not.toContain('/');
  const afterStore = ref.canonical.slice(`authref://${ref.store}`.length);
  expect(afterStore).not.toMatch(/%2F|%5C|%00|%25[0-9A-F]{2}/i);
  expect(decodeURIComponent(afterStore.split('?')[0]!.split('#')[0]!)).not.toMatch(/\/\.\.?(\/|$)|\/\//);
}

describe('parseAuthRef properties', () => {
  it('accepts every reference the grammar allows, with the decoded parts it was built from', () => {
    fc.assert(
      fc.property(validRef, ({ raw, parts }) => {
        const ref = parseAuthRef(raw);

        expect(ref.store).toBe(parts.store.name);
        expect(ref.path).toEqual(parts.segments.map((s) => s.text));
        expect(ref.keyPath).toEqual(parts.key ? parts.key.path : null);
        expect(ref.params.version).toBe((parts.params as { version?: number }).version);
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips canonical forms: parse(canonical).canonical === canonical, same structure', () => {
    fc.assert(
      fc.property(validRef, ({ raw }) => {
        const ref = parseAuthRef(raw);
        const again = parseAuthRef(ref.canonical);

        expect(again.canonical).toBe(ref.canonical);
        expect(again).toEqual(ref);
      }),
      { numRuns: 500 },
    );
  });

  it('canonicalisation is idempotent on any accepted input, hostile pieces included', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          hostileRef,
          validRef.map((v) => v.raw),
        ),
        (input) => {
          const ref = accepted(input);
          if (!ref) return;
          const once = ref.canonical;
          const twice = parseAuthRef(once).canonical;

          expect(twice).toBe(once);
          expect(parseAuthRef(twice).canonical).toBe(once);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('never accepts traversal: no accepted reference holds .. or an encoded slash after decoding', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          hostileRef,
          fc.string({ maxLength: 60 }).map((tail) => `authref://vault/${tail}`),
          fc.string({ unit: 'binary', maxLength: 40 }).map((tail) => `authref://vault/a/${tail}`),
        ),
        (input) => {
          const ref = accepted(input);
          if (ref) assertSafe(ref);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('refuses every valid reference once a traversal piece is spliced into its path', () => {
    const splice = fc.constantFrom('..', '%2e%2e', '%2F', '%2f', '%5C', '%00', '%252F', '%25%32%66');
    fc.assert(
      fc.property(validRef, splice, fc.nat(), ({ parts }, piece, at) => {
        const segments = parts.segments.map((s) => s.raw);
        const index = at % segments.length;
        segments[index] = piece === '..' || piece === '%2e%2e' ? piece : `${segments[index]}${piece}`;
        const input = `authref://${parts.store.raw}/${segments.join('/')}`;

        expect(accepted(input)).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });
});

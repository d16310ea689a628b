import { createVerify } from 'node:crypto';
import type { ServiceAccount } from './service-accounts.js';

/**
 * The checks Google's token service makes of a JWT bearer assertion ("Using OAuth 2.0 for Server to
 * Server Applications", RFC 7523): header `alg` RS256, `typ` JWT, `kid` a key of the account; claims
 * `iss` a known account, `aud` the token URI, `scope` present and known, `iat` not in the future
 * beyond a leeway, `exp - iat` at most an hour, not expired; the signature verified with the key's
 * public half. Each failure gets Google's own error JSON.
 *
 * Failures split in two: `violation` marks a client that does not follow the protocol (a test of
 * our code fails on it); the others (an unknown or disabled key, a clock that is off, a scope Google
 * does not know) are refusals a correct client can meet.
 */

/** Google's error words and descriptions, as its token service answers them. */
export const GOOGLE_ERRORS = {
  signature: { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' },
  lifetime: {
    error: 'invalid_grant',
    error_description:
      'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
  },
  account: { error: 'invalid_grant', error_description: 'Invalid grant: account not found' },
  audience: {
    error: 'invalid_grant',
    error_description: 'Invalid JWT: Failed audience check. The right audience is the token endpoint.',
  },
  malformed: { error: 'invalid_grant', error_description: 'Invalid JWT: could not be parsed.' },
  missingScope: { error: 'invalid_scope', error_description: 'Empty or missing scope not allowed.' },
  unknownScope: {
    error: 'invalid_scope',
    error_description: 'Invalid OAuth scope or ID token audience provided.',
  },
  grantType: { error: 'unsupported_grant_type', error_description: 'Invalid grant_type: ' },
  request: { error: 'invalid_request', error_description: 'Missing required parameter: assertion' },
} as const;

export type GoogleError = { readonly error: string; readonly error_description: string };

/** Scopes the fake knows: the ones a registry client may ask for. */
export const KNOWN_SCOPES: ReadonlySet<string> = new Set(
  [
    'cloud-platform',
    'cloud-platform.read-only',
    'devstorage.read_only',
    'devstorage.read_write',
    'devstorage.full_control',
  ].map((name) => `https://www.googleapis.com/auth/${name}`),
);

/** How far in the future an `iat` may be (clock drift). */
export const IAT_LEEWAY_SECONDS = 300;
export const MAX_LIFETIME_SECONDS = 3600;

export type AssertionCheck =
  | { readonly ok: true; readonly email: string; readonly scopes: readonly string[] }
  | { readonly ok: false; readonly answer: GoogleError; readonly violation?: string };

const refuse = (answer: GoogleError): AssertionCheck => ({ ok: false, answer });
const violation = (answer: GoogleError, why: string): AssertionCheck => ({
  ok: false,
  answer,
  violation: why,
});

/** Checks `assertion` sent to `audience` at `nowSeconds`, against the accounts the fake knows. */
export function checkAssertion(
  assertion: string,
  accounts: ReadonlyMap<string, ServiceAccount>,
  audience: string,
  nowSeconds: number,
): AssertionCheck {
  const parts = assertion.split('.');
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]+$/.test(part)))
    return violation(GOOGLE_ERRORS.malformed, 'the assertion is not a compact JWS of three base64url parts');
  const [headerPart = '', claimsPart = '', signaturePart = ''] = parts;
  const header = decode(headerPart);
  const claims = decode(claimsPart);
  if (!header || !claims)
    return violation(GOOGLE_ERRORS.malformed, 'the JWT header or claims are not JSON objects');

  if (header.alg !== 'RS256')
    return violation(GOOGLE_ERRORS.signature, `JWT alg must be RS256, not ${String(header.alg)}`);
  if (header.typ !== 'JWT')
    return violation(GOOGLE_ERRORS.malformed, `JWT typ must be JWT, not ${String(header.typ)}`);
  if (typeof header.kid !== 'string' || header.kid === '')
    return violation(GOOGLE_ERRORS.signature, 'the JWT header has no kid (the private_key_id)');
  const extraHeader = Object.keys(header).filter((name) => !['alg', 'typ', 'kid'].includes(name));
  if (extraHeader.length)
    return violation(GOOGLE_ERRORS.malformed, `unexpected JWT header fields: ${extraHeader.join(', ')}`);

  const { iss, scope, aud, iat, exp, sub } = claims;
  const extraClaims = Object.keys(claims).filter((name) => !CLAIMS.has(name));
  if (extraClaims.length)
    return violation(GOOGLE_ERRORS.malformed, `unexpected JWT claims: ${extraClaims.join(', ')}`);
  if (typeof iss !== 'string' || iss === '') return violation(GOOGLE_ERRORS.account, 'the JWT has no iss');
  if (sub !== undefined)
    return violation(
      GOOGLE_ERRORS.account,
      'sub asks for domain-wide delegation; a registry client must not',
    );
  if (aud !== audience)
    return violation(GOOGLE_ERRORS.audience, `JWT aud must be ${audience}, not ${String(aud)}`);
  if (!Number.isInteger(iat) || !Number.isInteger(exp))
    return violation(GOOGLE_ERRORS.lifetime, 'JWT iat and exp must be integers (seconds)');
  if ((exp as number) - (iat as number) > MAX_LIFETIME_SECONDS || (exp as number) <= (iat as number))
    return violation(GOOGLE_ERRORS.lifetime, 'JWT exp must be after iat and at most an hour after it');
  if (typeof scope !== 'string' || scope.trim() === '')
    return violation(GOOGLE_ERRORS.missingScope, 'the JWT has no scope');

  const account = accounts.get(iss);
  if (!account) return refuse(GOOGLE_ERRORS.account);
  const key = account.keys.get(header.kid);
  if (!key) return refuse(GOOGLE_ERRORS.signature);
  const verifier = createVerify('RSA-SHA256');
  verifier.update(`${headerPart}.${claimsPart}`);
  if (!verifier.verify(key.publicKey, Buffer.from(signaturePart, 'base64url')))
    return refuse(GOOGLE_ERRORS.signature);
  // Google answers a disabled key or account as it answers a wrong signature.
  if (key.disabled || account.disabled) return refuse(GOOGLE_ERRORS.signature);
  if ((iat as number) > nowSeconds + IAT_LEEWAY_SECONDS || (exp as number) <= nowSeconds)
    return refuse(GOOGLE_ERRORS.lifetime);
  const scopes = scope.split(' ');
  if (scopes.some((name) => !KNOWN_SCOPES.has(name))) return refuse(GOOGLE_ERRORS.unknownScope);
  return { ok: true, email: account.email, scopes };
}

/** The claims Google documents for a service account's assertion (`sub` only for delegation). */
const CLAIMS: ReadonlySet<string> = new Set(['iss', 'scope', 'aud', 'iat', 'exp', 'sub']);

function decode(part: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

import { sign } from 'node:crypto';
import type { ServiceAccountKey } from './key.js';

/**
 * The JWT a service account signs to ask Google's token service for an access token (RFC 7523,
 * "Using OAuth 2.0 for Server to Server Applications"): RS256 with the key's `private_key`, header
 * `kid` = `private_key_id` so Google picks the right public key, claims `iss` = the account's email,
 * `scope` (space-separated), `aud` = the token URI it is sent to, `iat` = now and `exp` one hour later,
 * the longest Google accepts. No `sub`: that would ask for domain-wide delegation.
 */

/** Lifetime of an assertion, the most Google accepts. */
export const ASSERTION_LIFETIME_SECONDS = 3600;

export interface AssertionClaims {
  readonly iss: string;
  readonly scope: string;
  readonly aud: string;
  readonly iat: number;
  readonly exp: number;
}

/** The claims of an assertion for `audience` and `scopes`, issued at `nowMs`. */
export function assertionClaims(
  key: Pick<ServiceAccountKey, 'clientEmail'>,
  audience: URL,
  scopes: readonly string[],
  nowMs: number,
): AssertionClaims {
  const iat = Math.floor(nowMs / 1000);
  return {
    iss: key.clientEmail,
    scope: scopes.join(' '),
    aud: audience.href,
    iat,
    exp: iat + ASSERTION_LIFETIME_SECONDS,
  };
}

/**
 * Signs an assertion.
 *
 * @example
 * const assertion = signAssertion(key, new URL('https://oauth2.googleapis.com/token'), [CLOUD_PLATFORM_SCOPE], Date.now());
 */
export function signAssertion(
  key: ServiceAccountKey,
  audience: URL,
  scopes: readonly string[],
  nowMs: number,
): string {
  const header = { alg: 'RS256', typ: 'JWT', kid: key.privateKeyId };
  const claims = assertionClaims(key, audience, scopes, nowMs);
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const signed = `${encode(header)}.${encode(claims)}`;
  const signature = sign('sha256', Buffer.from(signed), key.privateKey).toString('base64url');
  return `${signed}.${signature}`;
}

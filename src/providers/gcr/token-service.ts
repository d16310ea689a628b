import type { HttpClient, HttpResponse } from '../../net/index.js';
import { RegistryProtocolError } from '../oci/index.js';
import { signAssertion } from './jwt.js';
import type { ServiceAccountKey } from './key.js';
import { tokenRefusalOf, tokenServiceFailure } from './token-errors.js';

/**
 * Mints an access token for a service account: a signed JWT assertion exchanged at the token URI
 * (RFC 7523: `POST`, `application/x-www-form-urlencoded`, `grant_type` the JWT bearer URN and the
 * `assertion`), answered `{ access_token, expires_in, token_type: 'Bearer' }`. The POST is safe to
 * repeat (each mint stands alone), so the outbound client retries it on 5xx, 429 and network failures.
 * https://developers.google.com/identity/protocols/oauth2/service-account#httprest
 */

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** Google's answers are a few hundred bytes; a larger one is not Google's. */
const MAX_ANSWER_BYTES = 64 * 1024;
const MAX_ACCESS_TOKEN_CHARS = 4096;
/** Google issues tokens for an hour; a day is the most any OAuth2 server here could mean. */
const MAX_EXPIRES_IN_SECONDS = 86_400;

export interface AccessToken {
  readonly value: string;
  /** As the token service said. */
  readonly expiresInSeconds: number;
  /** Epoch ms: counted from before the request was sent, so never later than Google's. */
  readonly expiresAt: number;
}

export interface MintOptions {
  readonly http: HttpClient;
  readonly signal: AbortSignal;
  readonly tokenUri: URL;
  readonly scopes: readonly string[];
  /** Epoch ms; `iat` of the assertion. */
  readonly now: () => number;
}

/**
 * @example
 * const token = await mintAccessToken(key, { http, signal, tokenUri, scopes: [CLOUD_PLATFORM_SCOPE], now: Date.now });
 * // log in to the registry as oauth2accesstoken / token.value until token.expiresAt
 */
export async function mintAccessToken(key: ServiceAccountKey, options: MintOptions): Promise<AccessToken> {
  const { tokenUri } = options;
  const issuedAt = options.now();
  const assertion = signAssertion(key, tokenUri, options.scopes, issuedAt);
  let response: HttpResponse;
  try {
    response = await options.http.request({
      method: 'POST',
      url: tokenUri,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion }).toString(),
      signal: options.signal,
      provider: 'gcr',
      operation: 'mint_access_token',
      retryable: true,
      okStatuses: [400, 401, 403, 404],
      maxResponseBytes: MAX_ANSWER_BYTES,
    });
  } catch (error) {
    throw tokenServiceFailure(error);
  }
  const body = jsonOf(response, tokenUri);
  if (response.status !== 200)
    throw tokenRefusalOf(response.status, body, { email: key.clientEmail, assertion, host: tokenUri.host });
  return accessTokenOf(body, issuedAt, tokenUri);
}

/** The JSON of an answer; the parser's message is not kept (it may quote the body). */
function jsonOf(response: HttpResponse, tokenUri: URL): unknown {
  try {
    return JSON.parse(response.text());
  } catch {
    const type = response.headers['content-type'] ?? 'none';
    throw new RegistryProtocolError(
      `Google's token service at ${tokenUri.host} answered HTTP ${response.status} with something that is not JSON (content-type ${type})${response.status === 200 ? '' : ': check config.tokenUri'}`,
    );
  }
}

/** The token of a 200 answer, each field checked. */
export function accessTokenOf(body: unknown, issuedAt: number, tokenUri: URL): AccessToken {
  const bad = (what: string) =>
    new RegistryProtocolError(`Google's token service at ${tokenUri.host} answered ${what}`);
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw bad('JSON that is not an object');
  const {
    access_token: value,
    expires_in: expiresIn,
    token_type: tokenType,
  } = body as Record<string, unknown>;
  if (typeof value !== 'string' || value === '') throw bad('no access_token');
  if (value.length > MAX_ACCESS_TOKEN_CHARS || !/^[\x21-\x7e]+$/.test(value))
    throw bad('an access_token that is not a token (too long, or not printable ASCII)');
  if (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer')
    throw bad(
      `a token_type that is not Bearer (${typeof tokenType === 'string' ? tokenType.slice(0, 20) : typeof tokenType})`,
    );
  if (
    typeof expiresIn !== 'number' ||
    !Number.isInteger(expiresIn) ||
    expiresIn < 1 ||
    expiresIn > MAX_EXPIRES_IN_SECONDS
  )
    throw bad(`an expires_in that is not a number of seconds from 1 to ${MAX_EXPIRES_IN_SECONDS}`);
  return { value, expiresInSeconds: expiresIn, expiresAt: issuedAt + expiresIn * 1000 };
}

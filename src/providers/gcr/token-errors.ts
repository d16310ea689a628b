import { UpstreamError } from '../../core/errors.js';
import { HttpError } from '../../net/index.js';
import { RegistryAuthError, RegistryProtocolError } from '../oci/index.js';

/**
 * What Google's token service answers when it will not issue a token, made into our errors. Its
 * answers are OAuth2's (RFC 6749 §5.2): HTTP 400 or 401 with `{ "error", "error_description" }`.
 * Descriptions are Google's words ("Invalid JWT Signature.", "Invalid JWT: Token must be a
 * short-lived token (60 minutes) and in a reasonable timeframe…"); each gets the likely fix. The
 * assertion is never quoted, even when a server echoes it.
 * https://developers.google.com/identity/protocols/oauth2/service-account#error-codes
 */

const SERVICE = "Google's token service";
const MAX_DESCRIPTION_CHARS = 200;

/** What to do about each error word, for the account `email`. */
function hintOf(error: string, description: string, email: string): string {
  if (error === 'invalid_grant') {
    if (/signature/i.test(description))
      return `the key was deleted or disabled, or its private_key does not match its private_key_id: create a new JSON key for ${email} and store it`;
    if (/short-lived|timeframe|\biat\b|\bexp\b/i.test(description))
      return "this host's clock is probably off by more than a few minutes: check its time synchronisation (NTP)";
    if (/account|email|user id/i.test(description))
      return `the service account ${email} does not exist or is disabled: enable it, or store a key of an account that exists`;
    return `check that the service account ${email} and its key are enabled`;
  }
  if (error === 'invalid_client')
    return `Google does not know the service account ${email} or its key (deleted?): create a new JSON key`;
  if (error === 'unauthorized_client')
    return `the service account ${email} may not use this grant (an organisation policy?)`;
  if (error === 'access_denied') return `access was denied to ${email}`;
  return 'config.scopes names a scope Google does not grant: remove config.scopes to use cloud-platform';
}

/** Error words that refuse the credential (a rotated key is worth resolving again) or the scope. */
const REFUSALS: ReadonlySet<string> = new Set([
  'invalid_grant',
  'invalid_client',
  'unauthorized_client',
  'access_denied',
]);

/**
 * The error for a non-200 answer of the token service: refused credentials (`RegistryAuthError`,
 * `refused`), a refused scope (`not_granted`), or an answer that is not OAuth2's (a protocol error).
 */
export function tokenRefusalOf(
  status: number,
  body: unknown,
  context: { readonly email: string; readonly assertion: string; readonly host: string },
): Error {
  const { error, error_description: rawDescription } = (body ?? {}) as Record<string, unknown>;
  if (typeof error !== 'string' || !/^[a-z_]{1,64}$/.test(error))
    return new RegistryProtocolError(
      `${SERVICE} at ${context.host} answered HTTP ${status} without an OAuth2 error${status === 404 ? ': check config.tokenUri' : ''}`,
    );
  const description = cleanDescription(rawDescription, context.assertion);
  const words = description ? `${error}: ${description}` : error;
  if (REFUSALS.has(error))
    return new RegistryAuthError(
      `${SERVICE} refused the key of ${context.email} (${words}); ${hintOf(error, description, context.email)}`,
      { reason: 'refused' },
    );
  if (error === 'invalid_scope')
    return new RegistryAuthError(
      `${SERVICE} refused the scopes asked for (${words}); ${hintOf(error, description, context.email)}`,
      {
        reason: 'not_granted',
      },
    );
  return new RegistryProtocolError(
    `${SERVICE} at ${context.host} did not take the request (${words}); is config.tokenUri a Google OAuth2 token endpoint?`,
  );
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this removes
const CONTROL = /[\x00-\x1f\x7f]+/g;

/** An `error_description` fit for a message: one line, short, with no JWT in it. */
export function cleanDescription(value: unknown, assertion: string): string {
  if (typeof value !== 'string') return '';
  return value
    .replaceAll(assertion, '[redacted]')
    .replace(/eyJ[\w-]{8,}(?:\.[\w-]*){0,2}/g, '[redacted]')
    .replace(CONTROL, ' ')
    .trim()
    .slice(0, MAX_DESCRIPTION_CHARS);
}

/**
 * A request that got no usable answer (network, 5xx and 429 after the outbound client's retries, a
 * body too large): the same transience, and none of the failed exchange's body, which could echo the
 * assertion. Other errors (offline, aborted by the caller) pass as they are.
 */
export function tokenServiceFailure(error: unknown): unknown {
  if (!(error instanceof HttpError)) return error;
  const status = error.status === undefined ? error.code : `HTTP ${error.status}`;
  const tries = error.attempts > 1 ? ` after ${error.attempts} attempts` : '';
  const advice = error.isTransient ? '; try again later' : '';
  const what =
    error.code === 'egress_denied' || error.code === 'too_large' || error.code === 'circuit_open'
      ? error.message
      : `${error.method} ${error.url} failed: ${status}${tries}`;
  return new UpstreamError(`${SERVICE} could not issue an access token: ${what}${advice}`, {
    isTransient: error.isTransient,
  });
}

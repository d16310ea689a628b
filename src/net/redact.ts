/**
 * Redaction of outbound request data before it reaches an error, a log line or a metric label.
 * Everything that leaves `src/net/` describing a request goes through here first.
 */

/** Query parameter names whose values are secrets, compared case-insensitively. */
const SECRET_QUERY_NAMES = new Set([
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'private_token',
  'job_token',
  'key',
  'api_key',
  'apikey',
  'secret',
  'client_secret',
  'signature',
  'sig',
  'password',
  'passwd',
  'pass',
  'auth',
  'authorization',
  'code',
  'jwt',
  'session',
  'x-amz-signature',
  'x-amz-credential',
  'x-amz-security-token',
  'x-goog-signature',
  'x-goog-credential',
]);

/** Name fragments that mark a query parameter or header as secret even when not listed above. */
const SECRET_NAME_PATTERN = /token|secret|passw|signature|credential|api[-_]?key|auth|cookie|session/i;

/** The text that replaces a redacted value. */
export const REDACTED = '[redacted]';

/** Whether a query parameter of this name carries a secret. */
export function isSecretQueryName(name: string): boolean {
  return SECRET_QUERY_NAMES.has(name.toLowerCase()) || SECRET_NAME_PATTERN.test(name);
}

/** Whether a request header of this name carries a secret (authorization, cookies, tokens, keys). */
export function isSecretHeaderName(name: string): boolean {
  return SECRET_NAME_PATTERN.test(name) || name.toLowerCase() === 'private-token';
}

/**
 * The URL as it may be shown: no userinfo, no fragment, secret query values replaced.
 * Accepts anything; a string that is not a URL is cut to its scheme and host if it has them.
 *
 * @example
 * redactUrl('https://u:p@gitlab.example/api?private_token=abc&page=2');
 * // 'https://gitlab.example/api?private_token=[redacted]&page=2'
 */
export function redactUrl(input: string | URL): string {
  let url: URL;
  try {
    url = typeof input === 'string' ? new URL(input) : new URL(input.href);
  } catch {
    return '[unparseable URL]';
  }
  url.username = '';
  url.password = '';
  url.hash = '';
  if (url.search === '') return url.href;
  const pairs: string[] = [];
  for (const [name, value] of url.searchParams) {
    const shown = isSecretQueryName(name) ? REDACTED : encodeURIComponent(value);
    pairs.push(`${encodeURIComponent(name)}=${shown}`);
  }
  return `${url.origin}${url.pathname}?${pairs.join('&')}`;
}

/**
 * The secret values a request carries (sensitive header values, their bearer parts, userinfo and
 * secret query values), so text received back (an echoing error body) can be scrubbed of them.
 */
export function secretsOf(url: URL | undefined, headers: Readonly<Record<string, string>>): string[] {
  const found: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (!isSecretHeaderName(name)) continue;
    found.push(value);
    const space = value.indexOf(' ');
    if (space > 0) found.push(value.slice(space + 1));
  }
  if (url) {
    if (url.username) found.push(decodeURIComponent(url.username));
    if (url.password) found.push(decodeURIComponent(url.password));
    if (url.search !== '') {
      for (const [name, value] of url.searchParams) if (isSecretQueryName(name)) found.push(value);
    }
  }
  // Very short values would scrub ordinary words; a secret that short is not worth guarding here.
  return found.filter((secret) => secret.length >= 4);
}

/** Replaces every occurrence of every secret in `text`. */
export function scrub(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) result = result.replaceAll(secret, REDACTED);
  return result;
}

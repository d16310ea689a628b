import type { EgressPolicy } from './egress-policy.js';
import type { WireRequest } from './exchange.js';
import { isSecretHeaderName } from './redact.js';

/** Statuses followed when `redirect` is `follow` (with a `Location`). */
export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** Hops followed at most. */
export const MAX_REDIRECTS = 3;

/** Headers that carry credentials; dropped when a redirect leaves the origin they were meant for. */
export const CREDENTIAL_HEADERS: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'private-token',
  'job-token',
  'x-api-key',
  'x-auth-token',
];

const BODY_HEADERS = [
  'content-type',
  'content-length',
  'content-encoding',
  'content-language',
  'content-location',
];

/** Whether this answer is a redirect that `follow` mode follows. */
export function isFollowableRedirect(status: number, headers: Readonly<Record<string, string>>): boolean {
  return REDIRECT_STATUSES.has(status) && (headers.location ?? '') !== '';
}

/**
 * The next request of a redirect chain, after the fetch standard's rules: `Location` resolved
 * against the current URL and checked again by the policy (https→http refused), 303 (and 301/302
 * after a POST) become a GET without a body, and credentials stay behind when the origin changes.
 *
 * @example
 * const next = followRedirect(policy, current, 302, 'https://cdn.example/file');
 */
export function followRedirect(
  policy: EgressPolicy,
  current: WireRequest,
  status: number,
  location: string,
): WireRequest {
  const url = policy.parseUrl(location, current.url);
  policy.checkRedirect(current.url, url);

  let { method, body } = current;
  const headers: Record<string, string> = { ...current.headers };
  const toGet =
    (status === 303 && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST');
  if (toGet) {
    method = 'GET';
    body = undefined;
    for (const name of BODY_HEADERS) delete headers[name];
  }
  if (url.origin !== current.url.origin) {
    for (const name of Object.keys(headers)) {
      if (CREDENTIAL_HEADERS.includes(name) || isSecretHeaderName(name)) delete headers[name];
    }
  }
  return { method, url, headers, body };
}

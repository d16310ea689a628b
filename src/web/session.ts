import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

/** The console's cookie: it holds the API token itself (the service keeps no sessions). */
export const SESSION_COOKIE = 'console_session';
/** Where the cookie is sent: the console only, never the API or anything else on the host. */
export const COOKIE_PATH = '/console';
/** How long a browser keeps the cookie; the token itself lives until it is revoked. */
export const SESSION_MAX_AGE_SECONDS = 8 * 60 * 60;
/** The hidden field every POST form of the console carries. */
export const CSRF_FIELD = 'csrf';

/**
 * The value of the `Set-Cookie` header that logs in; `Secure` when the browser came over https. The
 * token is base64url-encoded: a token set by configuration may hold characters a cookie cannot.
 */
export function sessionCookie(token: string, secure: boolean): string {
  return [
    `${SESSION_COOKIE}=${Buffer.from(token, 'utf8').toString('base64url')}`,
    `Path=${COOKIE_PATH}`,
    `Max-Age=${SESSION_MAX_AGE_SECONDS}`,
    'HttpOnly',
    'SameSite=Strict',
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

/** The value of the `Set-Cookie` header that logs out. */
export function clearedSessionCookie(secure: boolean): string {
  return [
    `${SESSION_COOKIE}=`,
    `Path=${COOKIE_PATH}`,
    'Max-Age=0',
    'HttpOnly',
    'SameSite=Strict',
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

/**
 * The session token from the `Cookie` header, or undefined. Only base64url is decoded; anything else
 * is no session.
 */
export function readSessionToken(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name !== SESSION_COOKIE) continue;
    const value = rest.join('=');
    return /^[A-Za-z0-9_-]{1,1024}$/.test(value)
      ? Buffer.from(value, 'base64url').toString('utf8')
      : undefined;
  }
  return undefined;
}

/**
 * Whether the request reached us over https. `request.protocol` follows the server's trust-proxy
 * setting: behind a trusted proxy it is the proxy's `X-Forwarded-Proto`, otherwise the socket's.
 */
export function isSecure(request: FastifyRequest): boolean {
  return request.protocol === 'https';
}

/**
 * CSRF tokens: an HMAC keyed by the session token itself. Only someone who holds the session (the
 * cookie no other site can read or send) can make one, and every instance of the service computes the
 * same, so a form rendered by one instance may be posted to another. The HMAC does not reveal the token.
 */
export interface CsrfTokens {
  /** The token the forms of this session carry. */
  issue(sessionToken: string): string;
  /** Whether `candidate` is the token of this session; constant time. */
  verify(sessionToken: string, candidate: unknown): boolean;
}

const CSRF_LABEL = 'integrations-console-csrf:v1';

/**
 * @example
 * const csrf = createCsrfTokens();
 * csrf.verify(session, csrf.issue(session)); // true
 */
export function createCsrfTokens(): CsrfTokens {
  const issue = (sessionToken: string) =>
    createHmac('sha256', sessionToken).update(CSRF_LABEL).digest('base64url');
  return {
    issue,
    verify(sessionToken, candidate) {
      if (typeof candidate !== 'string') return false;
      const expected = Buffer.from(issue(sessionToken));
      const given = Buffer.from(candidate);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}

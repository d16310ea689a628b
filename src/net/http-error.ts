import { UpstreamError } from '../core/errors.js';
import { redactUrl, scrub } from './redact.js';

/** Why an outbound request failed, in a small fixed set. */
export type HttpErrorCode =
  | 'http_3xx'
  | 'http_4xx'
  | 'http_5xx'
  | 'network_error'
  | 'timeout'
  | 'aborted'
  | 'egress_denied'
  | 'circuit_open'
  | 'too_large'
  | 'too_many_redirects'
  | 'invalid_response';

/** At most this much of a remote body is kept, so an error never echoes a long remote text. */
export const BODY_EXCERPT_CHARS = 300;

/** What the client knows when a request fails. Raw values: the constructor redacts them. */
export interface HttpErrorInit {
  readonly code: HttpErrorCode;
  readonly isTransient: boolean;
  readonly method: string;
  readonly url: string | URL;
  /** What went wrong, in words that hold no secret, e.g. `HTTP 404 Not Found`. */
  readonly reason: string;
  readonly attempts: number;
  readonly status?: number;
  readonly cause?: unknown;
  /** How long the server asked us to wait, when it did. */
  readonly retryAfterMs?: number;
  /** The remote body as text; only a scrubbed excerpt is kept. */
  readonly body?: string;
  /** Values the request carried that must not appear in the excerpt (an echoing server). */
  readonly secrets?: readonly string[];
  readonly provider?: string;
  readonly operation?: string;
}

/**
 * An outbound HTTP request failed for good (after any retries). Like Octokit's `RequestError`, it
 * redacts when it is made: the URL loses userinfo and secret query values, no header value is kept,
 * and the remote body shrinks to a scrubbed excerpt of 300 characters.
 *
 * @example
 * if (error instanceof HttpError && error.status === 404) return undefined;
 */
export class HttpError extends UpstreamError {
  override readonly code: HttpErrorCode;
  /** The HTTP status, when the server answered. */
  readonly status: number | undefined;
  readonly method: string;
  /** The URL, redacted. */
  readonly url: string;
  /** How many tries were made (1 when none was repeated). */
  readonly attempts: number;
  readonly retryAfterMs: number | undefined;

  constructor(init: HttpErrorInit) {
    const url = redactUrl(init.url);
    const secrets = init.secrets ?? [];
    const reason = scrub(init.reason, secrets);
    const tries = init.attempts > 1 ? ` after ${init.attempts} attempts` : '';
    const excerpt = init.body ? scrub(init.body, secrets).slice(0, BODY_EXCERPT_CHARS) : undefined;
    super(`${init.method} ${url} failed: ${reason}${tries}`, {
      isTransient: init.isTransient,
      cause: init.cause,
      details: {
        code: init.code,
        method: init.method,
        url,
        attempts: init.attempts,
        ...(init.status === undefined ? {} : { status: init.status }),
        ...(init.retryAfterMs === undefined ? {} : { retryAfterMs: init.retryAfterMs }),
        ...(init.provider === undefined ? {} : { provider: init.provider }),
        ...(init.operation === undefined ? {} : { operation: init.operation }),
        ...(excerpt ? { body: excerpt } : {}),
      },
    });
    this.code = init.code;
    this.status = init.status;
    this.method = init.method;
    this.url = url;
    this.attempts = init.attempts;
    this.retryAfterMs = init.retryAfterMs;
  }
}

/** The error code for a status that was not accepted. */
export function codeForStatus(status: number): HttpErrorCode {
  if (status >= 500) return 'http_5xx';
  if (status >= 400) return 'http_4xx';
  return 'http_3xx';
}

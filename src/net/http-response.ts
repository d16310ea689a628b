import type { WireResponse } from './exchange.js';
import { HttpError } from './http-error.js';

/** An accepted answer, body read in full. Header names are lower case. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The final URL, after redirects. */
  readonly url: string;
  readonly body: Buffer;
  /** The body decoded as UTF-8. */
  text(): string;
  /** The body parsed as JSON; a body that is not JSON throws a permanent `HttpError` ('invalid_response'). */
  json<T = unknown>(): T;
}

/** What `json()` needs to say which request returned a body that is not JSON. */
export interface ResponseContext {
  readonly method: string;
  readonly url: URL;
  readonly secrets: readonly string[];
  readonly provider: string;
  readonly operation: string;
}

/** Wraps a wire answer for the caller. */
export function toHttpResponse(wire: WireResponse, context: ResponseContext): HttpResponse {
  // Methods that do not use `this`: a copy of the response (`{ ...response }`) keeps them working.
  return {
    status: wire.status,
    headers: wire.headers,
    url: context.url.href,
    body: wire.body,
    text(): string {
      return wire.body.toString('utf8');
    },
    json<T>(): T {
      const body = wire.body.toString('utf8');
      try {
        return JSON.parse(body) as T;
      } catch {
        // No `cause`: V8's SyntaxError quotes the body, which may echo what we sent.
        const type = wire.headers['content-type'] ?? 'none';
        throw new HttpError({
          code: 'invalid_response',
          isTransient: false,
          method: context.method,
          url: context.url,
          status: wire.status,
          reason: `the response is not valid JSON (HTTP ${wire.status}, content-type ${type}, ${wire.body.length} bytes)`,
          attempts: 1,
          body,
          secrets: context.secrets,
          provider: context.provider,
          operation: context.operation,
        });
      }
    },
  };
}

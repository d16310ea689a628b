import { Octokit } from '@octokit/core';
import type { Logger } from '../../core/logger.js';
import type { HttpClient, HttpRequest } from '../../net/index.js';

/**
 * `@octokit/core` sending through our outbound client: its `request.fetch` calls `HttpClient.request`, so
 * the egress guard, timeouts, the one retry policy, the circuit breaker, metrics and redaction apply to
 * every GitHub request. No Octokit retry or throttling plugin is loaded and `@octokit/auth-app`'s request
 * hook (which retries 401s) is not used, so nothing is retried twice.
 */

export const PROVIDER = 'github_app';
/** GitHub's REST API version we are written against. */
export const GITHUB_API_VERSION = '2022-11-28';

/** Internal headers the adapter turns into request options; never sent. */
const OPERATION_HEADER = 'x-integrations-operation';
const RETRYABLE_HEADER = 'x-integrations-retryable';

/** One REST call: a route template and its parameters, the metric label, whether a retry is safe. */
export interface GitHubCall {
  readonly route: string;
  readonly params?: Readonly<Record<string, unknown>>;
  /** Fixed metric label, e.g. `create_comment`. */
  readonly operation: string;
  /** A POST/PATCH the outbound layer may repeat on a transient failure (it cannot duplicate anything). */
  readonly retryable?: boolean;
}

export interface GitHubResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | number | undefined>>;
  readonly data: unknown;
}

/** Sends a call with the given `authorization` header value. */
export type GitHubRequest = (call: GitHubCall, authorization: string) => Promise<GitHubResponse>;

/**
 * A `fetch` that Octokit can use, sending through `http`.
 *
 * @example
 * new Octokit({ request: { fetch: fetchThrough(context.http, context.signal) } });
 */
export function fetchThrough(http: HttpClient, signal: AbortSignal, ca?: string): typeof fetch {
  return async (input, init = {}) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const headers: Record<string, string> = {};
    for (const [name, value] of new Headers(init.headers).entries()) headers[name] = value;
    const operation = headers[OPERATION_HEADER] ?? 'request';
    const retryable = headers[RETRYABLE_HEADER] === 'true';
    delete headers[OPERATION_HEADER];
    delete headers[RETRYABLE_HEADER];
    const body = typeof init.body === 'string' ? init.body : undefined;
    const response = await http.request({
      method: (init.method ?? 'GET').toUpperCase() as HttpRequest['method'],
      url,
      headers,
      ...(body === undefined ? {} : { body }),
      signal: init.signal ?? signal,
      ...(ca ? { ca } : {}),
      retryable,
      provider: PROVIDER,
      operation,
    });
    const empty = response.status === 204 || response.status === 205 || response.status === 304;
    const answer = new Response(empty ? null : new Uint8Array(response.body), {
      status: response.status,
      headers: response.headers,
    });
    Object.defineProperty(answer, 'url', { value: response.url });
    return answer;
  };
}

/**
 * The request function of one operation: Octokit for route templates, URL encoding and JSON, our client
 * for the wire. `call.route` may also be a full URL (a `Link` to the next page).
 */
export function createGitHubRequest(options: {
  readonly http: HttpClient;
  readonly baseUrl: string;
  readonly signal: AbortSignal;
  readonly logger: Logger;
  /** A GitHub Enterprise Server's private CA (`config.caCertificate`), trusted for these requests. */
  readonly ca?: string;
}): GitHubRequest {
  const octokit = new Octokit({
    baseUrl: options.baseUrl,
    userAgent: 'integrations-catalog',
    request: { fetch: fetchThrough(options.http, options.signal, options.ca), signal: options.signal },
    log: {
      debug: () => {},
      info: () => {},
      warn: (message: string) => options.logger.warn({ provider: PROVIDER }, message),
      error: () => {},
    },
  });
  const request = octokit.request as unknown as (
    route: string,
    parameters: Record<string, unknown>,
  ) => Promise<GitHubResponse>;
  return (call, authorization) =>
    request(call.route, {
      ...(call.params ?? {}),
      headers: {
        accept: 'application/vnd.github+json',
        'x-github-api-version': GITHUB_API_VERSION,
        authorization,
        [OPERATION_HEADER]: call.operation,
        ...(call.retryable ? { [RETRYABLE_HEADER]: 'true' } : {}),
      },
    });
}

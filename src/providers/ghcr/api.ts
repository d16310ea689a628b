import { NotFoundError, UnprocessableError } from '../../core/errors.js';
import { HttpError, type HttpResponse } from '../../net/index.js';
import type { PluginContext } from '../../plugins/contracts.js';
import { SecretBundle, type SecretValue } from '../../secrets/index.js';
import { RegistryAuthError, RegistryProtocolError } from '../oci/index.js';
import { apiBaseOf, type GhcrConfig } from './config.js';

/**
 * One operation's view of GitHub's REST API, for what only it knows of GHCR: who the token is, which
 * container packages an owner has, and the rate limit. The personal access token goes in
 * `Authorization: Bearer` with GitHub's media type and API version
 * (https://docs.github.com/rest/about-the-rest-api/api-versions). Answers are mapped once, here: 401
 * is a refused token (resolved again once, in case it was rotated); 403 a missing scope or permission,
 * in GitHub's words; 404 a `NotFoundError`. Rate-limited answers (429, or 403 with
 * `X-RateLimit-Remaining: 0` or a secondary limit) are retried by the outbound client and reach the
 * caller as transient `HttpError`s.
 */

export const PROVIDER = 'ghcr';
export const GITHUB_API_VERSION = '2022-11-28';
/** The classic scope that reads packages (`write:packages` includes it). */
export const READ_PACKAGES = 'read:packages';

export interface ApiRequest {
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  /** What a 404 means: `['owner', 'acme']`. */
  readonly notFound?: readonly [kind: string, id: string];
  /** Fixed metric label, e.g. `list_packages`. */
  readonly operation: string;
}

export interface GitHubApi {
  /** `<apiUrl>/`, e.g. `https://api.github.com/`. */
  readonly base: URL;
  readonly config: GhcrConfig;
  readonly context: PluginContext<GhcrConfig>;
  /**
   * An authenticated GET of `target`: a path below `base`, or a URL GitHub gave (a `Link`), which must
   * be on the API's origin. Resolves 2xx only; anything else is thrown, mapped.
   */
  get(target: string | URL, request: ApiRequest): Promise<HttpResponse>;
}

const HINT_SCOPE =
  'use a personal access token (classic) with the read:packages scope; fine-grained tokens cannot read packages';

export function createGitHubApi(context: PluginContext<GhcrConfig>): GitHubApi {
  const { integration, http, signal, credentials } = context;
  const config = integration.config;
  const base = apiBaseOf(config);

  function urlOf(target: string | URL, request: ApiRequest): URL {
    const url = typeof target === 'string' ? new URL(target, base) : new URL(target);
    if (url.origin !== base.origin)
      throw new RegistryProtocolError(`GitHub pointed to another origin (${url.origin}); not followed`);
    for (const [name, value] of Object.entries(request.query ?? {}))
      if (value !== undefined) url.searchParams.set(name, String(value));
    return url;
  }

  async function send(url: URL, request: ApiRequest, token: string | undefined): Promise<HttpResponse> {
    const what = `GET ${url.pathname}`;
    try {
      return await http.request({
        method: 'GET',
        url,
        headers: {
          accept: 'application/vnd.github+json',
          'x-github-api-version': GITHUB_API_VERSION,
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        signal,
        provider: PROVIDER,
        operation: request.operation,
        okStatuses: [400, 401, 404, 422],
      });
    } catch (error) {
      // A 403 that is no rate limit (those are transient and retried) is GitHub saying "not for you".
      if (error instanceof HttpError && error.status === 403 && !error.isTransient)
        throw new RegistryAuthError(
          `GitHub does not let this token ${what}: ${messageOf(bodyOf(error))}; ${HINT_SCOPE}`,
          { reason: 'not_granted', cause: error },
        );
      throw error;
    }
  }

  async function get(target: string | URL, request: ApiRequest): Promise<HttpResponse> {
    const url = urlOf(target, request);
    const what = `GET ${url.pathname}`;
    const response = credentials.configured
      ? await credentials.withRetry(
          async (resolved) => {
            const answer = await send(url, request, tokenOf(resolved.value));
            if (answer.status === 401)
              throw new RegistryAuthError(
                `GitHub refused the token (${what}: ${messageOf(answer.body)}); store a valid personal access token (classic) with read:packages as the secret's password`,
                { reason: 'refused' },
              );
            return answer;
          },
          { isRejected: (error) => error instanceof RegistryAuthError && error.reason === 'refused' },
        )
      : await send(url, request, undefined);
    if (response.status < 300) return response;
    const words = messageOf(response.body);
    if (response.status === 401)
      throw new RegistryAuthError(
        `GitHub requires a token for ${what} (${words}); set the integration's authRef`,
        { reason: 'missing' },
      );
    if (response.status === 404) {
      const [kind, id] = request.notFound ?? ['resource', url.pathname];
      const error = new NotFoundError(kind, id);
      error.message = `${error.message}: GitHub answered ${what} with 404 (${words})`;
      throw error;
    }
    throw new RegistryProtocolError(`GitHub answered ${what} with HTTP ${response.status}: ${words}`);
  }

  return { base, config, context, get };
}

/**
 * The personal access token in the stored credential: an object with `username` (anything; ghcr.io
 * reads only the token) and `password`, as the registry side takes it too.
 */
export function tokenOf(value: SecretValue): string {
  if (!(value instanceof SecretBundle) || !value.has('username') || !value.has('password'))
    throw new UnprocessableError(
      'credentials_shape',
      'the credential of a ghcr integration is an object with the fields username (any name, e.g. your GitHub login) and password (a personal access token (classic) with read:packages)',
    );
  const token = value.require('password').reveal().trim();
  if (token === '' || /\s/.test(token))
    throw new UnprocessableError(
      'credentials_shape',
      'the credential password is empty or holds spaces; it must be a GitHub personal access token',
    );
  return token;
}

/** GitHub's `message` of an error answer (`{"message": "…", "documentation_url": …}`), or the status alone. */
export function messageOf(body: Buffer | string | undefined): string {
  if (body === undefined || body.length === 0) return 'no message';
  try {
    const parsed = JSON.parse(typeof body === 'string' ? body : body.toString('utf8')) as unknown;
    const message = (parsed as { message?: unknown } | null)?.message;
    if (typeof message === 'string' && message !== '') return message.slice(0, 200);
  } catch {
    // not GitHub's JSON: a proxy's page
  }
  return 'an answer that is not GitHub’s error JSON';
}

function bodyOf(error: HttpError): string | undefined {
  return (error.details as { body?: string } | undefined)?.body;
}

/**
 * The JSON body of a GitHub answer, or a permanent error naming the request.
 */
export function jsonOf(response: HttpResponse, what: string): unknown {
  try {
    return response.json();
  } catch {
    throw new RegistryProtocolError(`GitHub's ${what} did not answer JSON (HTTP ${response.status})`);
  }
}

import { NotFoundError } from '../../core/errors.js';
import type { HttpResponse } from '../../net/index.js';
import { caOf } from '../../plugins/ca-certificate.js';
import type { PluginContext } from '../../plugins/contracts.js';
import { RegistryAuthError, RegistryProtocolError, registryBaseOf } from '../oci/index.js';
import type { QuayConfig } from './config.js';
import { type QuayCredential, readCredential } from './credential.js';
import { describeQuayAnswer } from './errors.js';

/**
 * One operation's view of Quay's own HTTP surface: the health endpoints (`/health/*`, no
 * authentication) and the API (`/api/v1/…`, `Authorization: Bearer <OAuth application token>`).
 * Answers of the API are mapped once, here: 401 is a refused token (resolved again once, in case it
 * was rotated), 403 a token without the scope or its user without the permission, 404 a
 * `NotFoundError`, each with Quay's own words (`{"error_message","error_type","status","title","detail"}`).
 * 5xx and 429 are retried by the outbound client and reach the caller as transient `HttpError`s.
 * https://docs.projectquay.io/api_quay.html
 */

export const PROVIDER = 'quay';

/** Quay's three health endpoints: this instance, the whole deployment, and warnings (disk space). */
export type HealthEndpoint = 'instance' | 'endtoend' | 'warning';

export interface ApiRequest {
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  /** What a 404 means: `['namespace', 'acme']` → "namespace 'acme' was not found: …". */
  readonly notFound?: readonly [kind: string, id: string];
  /** Statuses returned instead of mapped to errors, besides 2xx. */
  readonly allow?: readonly number[];
  /** Fixed metric label, e.g. `list_quay_repositories`. */
  readonly operation: string;
}

export interface QuayApi {
  /** Quay's URL (`https://quay.io/`), the registry's `/v2/` below it. */
  readonly root: URL;
  /** `<root>/api/v1/` */
  readonly base: URL;
  readonly config: QuayConfig;
  readonly context: PluginContext<QuayConfig>;
  /** The stored credential, read and checked; none for an anonymous integration. */
  credential(): Promise<QuayCredential | undefined>;
  /** `GET /health/<endpoint>`: the answer as it is (200 and 503 both come back). */
  health(endpoint: HealthEndpoint): Promise<HttpResponse>;
  /** An API call with the credential's `apiToken` (the caller checks there is one). */
  get(path: string, request: ApiRequest): Promise<HttpResponse>;
}

/** Quay's URL from what a user pasted: with or without a trailing `/`, `/v2/` or `/api/v1`. */
export function quayUrlsOf(endpoint: string, config: Pick<QuayConfig, 'plainHttp'>) {
  const trimmed = endpoint.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
  // The same rules as a registry's URL: https unless plainHttp, no credentials, query or fragment.
  const root = new URL('../', registryBaseOf(trimmed, config));
  return { root, base: new URL('api/v1/', root) };
}

export function createQuayApi(context: PluginContext<QuayConfig>): QuayApi {
  const { integration, http, signal, credentials } = context;
  const config = integration.config;
  const { root, base } = quayUrlsOf(integration.endpoint, config);

  async function credential(): Promise<QuayCredential | undefined> {
    if (!credentials.configured) return undefined;
    return readCredential((await credentials.get()).value);
  }

  const health = (endpoint: HealthEndpoint) =>
    http.request({
      method: 'GET',
      url: new URL(`health/${endpoint}`, root),
      headers: { accept: 'application/json' },
      signal,
      ...caOf(config),
      provider: PROVIDER,
      operation: `health_${endpoint}`,
      // 503 is Quay's answer for a failing service: read it, do not retry it.
      okStatuses: [404, 503],
    });

  async function get(path: string, request: ApiRequest): Promise<HttpResponse> {
    const url = new URL(path, base);
    for (const [name, value] of Object.entries(request.query ?? {}))
      if (value !== undefined) url.searchParams.set(name, String(value));
    const what = `GET ${url.pathname}`;
    const response = await credentials.withRetry(
      async (resolved) => {
        const token = readCredential(resolved.value).apiToken;
        if (!token)
          throw new RegistryAuthError(
            `${what} needs an API token: add apiToken (an OAuth application token with repo:read) to the credential`,
            { reason: 'missing' },
          );
        const answer = await http.request({
          method: 'GET',
          url,
          headers: { accept: 'application/json', authorization: `Bearer ${token}` },
          signal,
          ...caOf(config),
          provider: PROVIDER,
          operation: request.operation,
          okStatuses: [400, 401, 403, 404, ...(request.allow ?? [])],
        });
        if (answer.status === 401 && !request.allow?.includes(401))
          throw new RegistryAuthError(
            `Quay refused the API token (${what}: ${describeQuayAnswer(answer)}); it may be revoked or mistyped: generate a new one for the OAuth application`,
            { reason: 'refused' },
          );
        return answer;
      },
      { isRejected: (error) => error instanceof RegistryAuthError && error.reason === 'refused' },
    );
    if (response.status < 300 || request.allow?.includes(response.status)) return response;
    const words = describeQuayAnswer(response);
    if (response.status === 403)
      throw new RegistryAuthError(
        `Quay does not permit ${what} to this API token (${words}): the token needs the repo:read scope, and its user Read on the repositories`,
        { reason: 'not_granted' },
      );
    if (response.status === 404) {
      const [kind, id] = request.notFound ?? ['resource', url.pathname];
      const error = new NotFoundError(kind, id);
      error.message = `${error.message}: Quay answered ${words}`;
      throw error;
    }
    throw new RegistryProtocolError(`Quay answered ${what} with ${words}`);
  }

  return { root, base, config, context, credential, health, get };
}

import { NotFoundError, UnprocessableError } from '../../core/errors.js';
import type { HttpResponse } from '../../net/index.js';
import { caOf } from '../../plugins/ca-certificate.js';
import type { PluginContext } from '../../plugins/contracts.js';
import { SecretBundle } from '../../secrets/index.js';
import { describeAnswer, RegistryAuthError, RegistryProtocolError, registryBaseOf } from '../oci/index.js';
import type { HarborConfig } from './config.js';

/**
 * One operation's view of Harbor's API (`<endpoint>/api/v2.0/`, Basic authentication). Harbor's
 * answers are mapped once, here: 401 is a refused credential (resolved again once, in case it was
 * rotated) or, without credentials, a missing one; 403 a missing permission; 404 a `NotFoundError`;
 * each with Harbor's own words from `{"errors":[{"code","message"}]}`. 5xx and 429 are retried by the
 * outbound client and reach the caller as transient `HttpError`s.
 */

export const PROVIDER = 'harbor';

/** Harbor's robot accounts are named `robot$…` (the default `robot_name_prefix`). */
export const ROBOT_PREFIX = 'robot$';

/** Harbor answers at most this many items per page. */
export const HARBOR_PAGE_SIZE = 100;

export type AccountKind = 'user' | 'robot' | 'anonymous';

export interface ApiRequest {
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly headers?: Readonly<Record<string, string>>;
  /** Statuses returned instead of mapped to errors, besides 2xx. */
  readonly allow?: readonly number[];
  /** What a 404 means: `['project', 'acme']` → "project 'acme' was not found: …". */
  readonly notFound?: readonly [kind: string, id: string];
  readonly timeoutMs?: number;
  /** Fixed metric label, e.g. `list_repositories`. */
  readonly operation: string;
}

export interface HarborApi {
  /** `<endpoint>/api/v2.0/` */
  readonly base: URL;
  /** Harbor's URL as the registry side sees it (`<endpoint>/`, its `/v2/` below). */
  readonly registryEndpoint: string;
  readonly config: HarborConfig;
  readonly context: PluginContext<HarborConfig>;
  /** Who the credential is: a user, a robot (by its name), or nobody. */
  account(): Promise<{ readonly kind: AccountKind; readonly username?: string }>;
  get(path: string, request: ApiRequest): Promise<HttpResponse>;
}

/** Harbor's URL from what a user pasted: with or without a trailing `/` or `/api/v2.0`. */
export function harborUrlsOf(endpoint: string, config: Pick<HarborConfig, 'plainHttp'>) {
  const trimmed = endpoint.replace(/\/+$/, '').replace(/\/api\/v2\.0$/, '');
  // The same rules as a registry's URL: https unless plainHttp, no credentials, query or fragment.
  const root = new URL('../', registryBaseOf(trimmed, config));
  return { base: new URL('api/v2.0/', root), registryEndpoint: root.href };
}

export function createHarborApi(context: PluginContext<HarborConfig>): HarborApi {
  const { integration, http, signal, credentials } = context;
  const config = integration.config;
  const { base, registryEndpoint } = harborUrlsOf(integration.endpoint, config);

  async function send(path: string, request: ApiRequest, authorization: string | undefined) {
    const url = new URL(path, base);
    for (const [name, value] of Object.entries(request.query ?? {}))
      if (value !== undefined) url.searchParams.set(name, String(value));
    return http.request({
      method: 'GET',
      url,
      headers: {
        accept: 'application/json',
        ...(request.headers ?? {}),
        ...(authorization ? { authorization } : {}),
      },
      signal,
      ...caOf(config),
      ...(request.timeoutMs ? { timeoutMs: request.timeoutMs } : {}),
      provider: PROVIDER,
      operation: request.operation,
      okStatuses: [401, 403, 404, 412, ...(request.allow ?? [])],
    });
  }

  async function get(path: string, request: ApiRequest): Promise<HttpResponse> {
    const what = `GET ${base.pathname}${path}`;
    const response = credentials.configured
      ? await credentials.withRetry(
          async (resolved) => {
            const answer = await send(path, request, basicOf(resolved.value));
            if (answer.status === 401 && !request.allow?.includes(401))
              throw new RegistryAuthError(
                `Harbor refused the credentials (${what}): ${describeAnswer(401, answer.body)}`,
                { reason: 'refused' },
              );
            return answer;
          },
          { isRejected: (error) => error instanceof RegistryAuthError && error.reason === 'refused' },
        )
      : await send(path, request, undefined);
    if (response.status < 300 || request.allow?.includes(response.status)) return response;
    const words = describeAnswer(response.status, response.body);
    if (response.status === 401)
      throw new RegistryAuthError(
        `Harbor requires credentials for ${what} (${words}); set the integration's authRef`,
        { reason: 'missing' },
      );
    if (response.status === 403)
      throw new RegistryAuthError(`Harbor does not permit ${what} to this account: ${words}`, {
        reason: 'not_granted',
      });
    if (response.status === 404) {
      const [kind, id] = request.notFound ?? ['resource', path];
      throw withWords(new NotFoundError(kind, id), words);
    }
    throw new RegistryProtocolError(`Harbor answered ${what} with ${words}`);
  }

  async function account() {
    if (!credentials.configured) return { kind: 'anonymous' as const };
    const { value } = await credentials.get();
    const username = partsOf(value).username;
    return { kind: username.startsWith(ROBOT_PREFIX) ? ('robot' as const) : ('user' as const), username };
  }

  return { base, registryEndpoint, config, context, account, get };
}

function withWords(error: NotFoundError, words: string): NotFoundError {
  error.message = `${error.message}: Harbor answered ${words}`;
  return error;
}

function partsOf(value: unknown): { username: string; password: string } {
  if (!(value instanceof SecretBundle) || !value.has('username') || !value.has('password'))
    throw new UnprocessableError(
      'credentials_shape',
      'the credential of a harbor integration is an object with the fields username (a user or robot$…) and password',
    );
  const username = value.require('username').reveal();
  if (username === '' || username.includes(':'))
    throw new UnprocessableError('credentials_shape', 'the credential username is empty or holds a colon');
  return { username, password: value.require('password').reveal() };
}

/** Basic credentials in the header: a robot's `$` needs no encoding there (only in URL userinfo). */
function basicOf(value: unknown): string {
  const { username, password } = partsOf(value);
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** The JSON body of a Harbor answer, or a permanent error naming the request. */
export function jsonOf(response: HttpResponse, what: string): unknown {
  try {
    return response.json();
  } catch {
    throw new RegistryProtocolError(`Harbor's ${what} did not answer JSON (HTTP ${response.status})`);
  }
}

/** A JSON array of objects, or a permanent error. */
export function objectsOf(value: unknown, what: string): Record<string, unknown>[] {
  if (!Array.isArray(value) || value.some((item) => !item || typeof item !== 'object' || Array.isArray(item)))
    throw new RegistryProtocolError(`Harbor's ${what} did not answer a list of objects`);
  return value as Record<string, unknown>[];
}

/** A non-empty string field, or a permanent error. */
export function stringField(item: Record<string, unknown>, field: string, what: string): string {
  const value = item[field];
  if (typeof value !== 'string' || value === '')
    throw new RegistryProtocolError(`Harbor's ${what} answered an item whose '${field}' is not a name`);
  return value;
}

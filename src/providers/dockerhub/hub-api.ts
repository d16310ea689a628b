import { createHash } from 'node:crypto';
import { BoundedMap } from '../../core/bounded-map.js';
import { NotFoundError, UpstreamError } from '../../core/errors.js';
import { isRepositoryName } from '../../core/registry-names.js';
import { HttpError, type HttpResponse } from '../../net/index.js';
import type { PluginContext } from '../../plugins/contracts.js';
import type { ResolvedCredential } from '../../secrets/index.js';
import { RegistryAuthError, RegistryProtocolError } from '../oci/index.js';
import type { DockerHubConfig } from './config.js';
import { readLogin } from './credential.js';
import { hubApiBaseOf } from './endpoint.js';

/**
 * One operation's view of Docker Hub's API (`https://hub.docker.com`, "Docker HUB API" 2-beta): the
 * login (`POST /v2/auth/token` with `{ identifier, secret }` → a short-lived `access_token`, a JWT),
 * and the repositories of a namespace (`GET /v2/namespaces/{namespace}/repositories`, anonymous for
 * public repositories, Bearer for private ones). Access tokens are cached in the plugin instance per
 * tenant, integration and credential until shortly before they expire; one that is refused is made
 * again once. https://docs.docker.com/reference/api/hub/latest/
 */

export const PROVIDER = 'dockerhub';

/** Docker Hub answers at most this many repositories per page. */
export const HUB_PAGE_SIZE = 100;
/** An access token whose JWT says no expiry is used this long (Docker's last a few minutes). */
const DEFAULT_TOKEN_LIFE_MS = 4 * 60_000;
const MAX_TOKEN_CHARS = 16 * 1024;
/** A page of 100 repositories is some 100 KiB; far more is not Docker Hub's answer. */
const MAX_PAGE_BYTES = 2 * 1024 * 1024;

export interface HubToken {
  readonly value: string;
  /** Epoch ms after which the login is made again. */
  readonly renewAt: number;
}

/** What the plugin instance keeps across operations: access tokens by integration and credential. */
export interface HubState {
  readonly tokens: BoundedMap<HubToken>;
  readonly now: () => number;
}

export function createHubState(now: () => number = Date.now): HubState {
  return { tokens: new BoundedMap(1000), now };
}

/** One page of a namespace's repositories, as `namespace/name`. */
export interface HubPage {
  readonly repositories: readonly string[];
  /** How many repositories the namespace shows these credentials, when Docker Hub says. */
  readonly count?: number;
  /** The next page's number, when Docker Hub links one. */
  readonly nextPage?: number;
  /** The next page's URL as Docker Hub gave it (checked: same origin and listing). */
  readonly next?: URL;
}

export interface HubApi {
  /** `<hubApiUrl>/` */
  readonly base: URL;
  /** Logs in (a cached token when there is one) and says as whom; nothing when anonymous. */
  login(): Promise<{ readonly username: string } | undefined>;
  /** A page of a namespace's repositories: page `page` of `pageSize`, or the `next` URL of an earlier page. */
  listRepositories(namespace: string, at: { page: number; pageSize: number } | URL): Promise<HubPage>;
}

export function createHubApi(context: PluginContext<DockerHubConfig>, state: HubState): HubApi {
  const { integration, http, signal, credentials } = context;
  const base = hubApiBaseOf(integration.config);
  // Unsaved integrations (a test before saving) share nothing with later operations.
  const scope =
    integration.id === null ? undefined : `${integration.tenantId}|${integration.id}|${base.href}`;
  const local = new BoundedMap<HubToken>(4);
  const cache = () => (scope === undefined ? local : state.tokens);
  const keyOf = (resolved: ResolvedCredential, username: string, password: string) =>
    [scope ?? '', resolved.ref, resolved.fingerprint || hashOf(username, password)].join('|');

  async function mint(resolved: ResolvedCredential, key: string): Promise<string> {
    const login = readLogin(resolved.value);
    const started = state.now();
    let response: HttpResponse;
    try {
      response = await http.request({
        method: 'POST',
        url: new URL('v2/auth/token', base),
        headers: { accept: 'application/json' },
        json: { identifier: login.username, secret: login.password },
        retryable: true,
        signal,
        provider: PROVIDER,
        operation: 'hub_login',
        maxResponseBytes: 64 * 1024,
        okStatuses: [400, 401, 403],
      });
    } catch (error) {
      // The outbound client scrubs headers and URLs, not JSON bodies: an answer echoing the secret loses its excerpt.
      if (error instanceof HttpError && JSON.stringify(error.details ?? null).includes(login.password))
        throw new UpstreamError(error.message, { isTransient: error.isTransient });
      throw error;
    }
    const words = hubWords(response).replaceAll(login.password, '[redacted]');
    if (response.status === 400)
      throw new RegistryProtocolError(`Docker Hub refused the login request as malformed (${words})`);
    if (response.status !== 200)
      throw new RegistryAuthError(
        `Docker Hub refused the login of ${login.username} (${words}); check the Docker ID and that the personal access token is active (not revoked or expired)`,
        { reason: 'refused' },
      );
    const value = (jsonOf(response, 'POST /v2/auth/token') as { access_token?: unknown } | null)
      ?.access_token;
    if (typeof value !== 'string' || value === '' || value.length > MAX_TOKEN_CHARS || /\s/.test(value))
      throw new RegistryProtocolError(
        "Docker Hub's POST /v2/auth/token answered without a usable access_token",
      );
    cache().set(key, { value, renewAt: renewAtOf(value, started) });
    return value;
  }

  /** Sends `url` with the integration's access token: a cached one, made again once if refused. */
  async function authorized(url: URL, operation: string): Promise<HttpResponse> {
    if (!credentials.configured) return send(url, operation, undefined);
    return credentials.withRetry(
      async (resolved) => {
        const login = readLogin(resolved.value);
        const key = keyOf(resolved, login.username, login.password);
        const cached = cache().get(key);
        const reused = cached !== undefined && cached.renewAt > state.now();
        let response = await send(url, operation, reused ? cached.value : await mint(resolved, key));
        if (response.status === 401 && reused) {
          // Docker Hub's tokens last minutes, and a revoked PAT takes its tokens with it: log in again once.
          cache().delete(key);
          response = await send(url, operation, await mint(resolved, key));
        }
        if (response.status === 401)
          throw new RegistryAuthError(
            `Docker Hub refused the access token it had just issued (${hubWords(response)})`,
            { reason: 'refused' },
          );
        return response;
      },
      { isRejected: (error) => error instanceof RegistryAuthError && error.reason === 'refused' },
    );
  }

  function send(url: URL, operation: string, token: string | undefined) {
    return http.request({
      method: 'GET',
      url,
      headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      signal,
      provider: PROVIDER,
      operation,
      maxResponseBytes: MAX_PAGE_BYTES,
      okStatuses: [401, 403, 404],
    });
  }

  async function login() {
    if (!credentials.configured) return undefined;
    return credentials.withRetry(
      async (resolved) => {
        const { username, password } = readLogin(resolved.value);
        const key = keyOf(resolved, username, password);
        const cached = cache().get(key);
        if (!(cached && cached.renewAt > state.now())) await mint(resolved, key);
        return { username };
      },
      { isRejected: (error) => error instanceof RegistryAuthError && error.reason === 'refused' },
    );
  }

  async function listRepositories(namespace: string, at: { page: number; pageSize: number } | URL) {
    const path = `v2/namespaces/${encodeURIComponent(namespace)}/repositories`;
    const listing = new URL(path, base);
    let url: URL;
    if (at instanceof URL) {
      url = at;
    } else {
      url = new URL(listing);
      url.searchParams.set('page_size', String(at.pageSize));
      url.searchParams.set('page', String(at.page));
    }
    const what = `GET /${path}`;
    const response = await authorized(url, 'list_hub_repositories');
    if (response.status === 401)
      throw new RegistryAuthError(
        `Docker Hub requires a login to list the repositories of ${namespace} (${hubWords(response)}); set the integration's authRef`,
        { reason: 'missing' },
      );
    if (response.status === 403)
      throw new RegistryAuthError(
        `Docker Hub does not let this account list the repositories of ${namespace} (${hubWords(response)}); a personal access token with 'Read-only' access reads the private repositories of namespaces the account belongs to`,
        { reason: 'not_granted' },
      );
    if (response.status === 404) {
      const error = new NotFoundError('namespace', namespace);
      error.message = `Docker Hub has no namespace '${namespace}' (${hubWords(response)}); check config.namespaces (a Docker ID or an organisation name)`;
      throw error;
    }
    return pageOf(jsonOf(response, what), namespace, listing, what);
  }

  return { base, login, listRepositories };
}

/** A page of the listing, checked: `results` of objects with a repository `name`, and a `next` we may follow. */
export function pageOf(body: unknown, namespace: string, listing: URL, what: string): HubPage {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new RegistryProtocolError(`Docker Hub's ${what} did not answer a JSON object`);
  const { results, next, count } = body as Record<string, unknown>;
  if (!Array.isArray(results))
    throw new RegistryProtocolError(`Docker Hub's ${what} answered a page without a 'results' list`);
  const repositories = results.map((item: unknown) => {
    const name = (item as { name?: unknown } | null)?.name;
    const full = `${namespace}/${String(name)}`;
    if (typeof name !== 'string' || name.includes('/') || !isRepositoryName(full))
      throw new RegistryProtocolError(
        `Docker Hub's ${what} answered a repository whose 'name' is not a name`,
      );
    return full;
  });
  const counted = typeof count === 'number' && Number.isSafeInteger(count) && count >= 0 ? { count } : {};
  if (next === null || next === undefined) return { repositories, ...counted };
  if (typeof next !== 'string')
    throw new RegistryProtocolError(`Docker Hub's ${what} answered a 'next' that is not a URL`);
  let url: URL;
  try {
    url = new URL(next, listing);
  } catch {
    throw new RegistryProtocolError(`Docker Hub's ${what} answered a 'next' that is not a URL`);
  }
  if (url.origin !== listing.origin)
    throw new RegistryProtocolError(
      `Docker Hub's ${what} pointed its next page to another origin (${url.origin}); not followed`,
    );
  const page = Number(url.searchParams.get('page'));
  if (url.pathname.replace(/\/$/, '') !== listing.pathname || !Number.isSafeInteger(page) || page < 2)
    throw new RegistryProtocolError(
      `Docker Hub's ${what} answered a 'next' that is not a later page of this listing`,
    );
  return { repositories, ...counted, next: url, nextPage: page };
}

/** Docker Hub's own words of an error answer (`message`, `detail`, the auth service's `details`). */
export function hubWords(response: HttpResponse): string {
  let words = '';
  try {
    const body = JSON.parse(response.body.toString('utf8')) as Record<string, unknown> | null;
    const found = [body?.message, body?.detail, body?.details].find(
      (value) => typeof value === 'string' && value,
    );
    words = typeof found === 'string' ? `: ${found.slice(0, 200)}` : '';
  } catch {
    words = '';
  }
  return `HTTP ${response.status}${words}`;
}

function jsonOf(response: HttpResponse, what: string): unknown {
  try {
    return response.json();
  } catch {
    throw new RegistryProtocolError(`Docker Hub's ${what} did not answer JSON (HTTP ${response.status})`);
  }
}

/** Renew 10 % of the token's life (at least 5 s) before the `exp` its JWT states, or after 4 minutes. */
function renewAtOf(token: string, issuedAt: number): number {
  let exp: unknown;
  try {
    exp = (
      JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown }
    )?.exp;
  } catch {
    exp = undefined;
  }
  if (typeof exp !== 'number' || !Number.isFinite(exp) || exp * 1000 <= issuedAt)
    return issuedAt + DEFAULT_TOKEN_LIFE_MS;
  const life = exp * 1000 - issuedAt;
  return issuedAt + life - Math.max(5_000, life * 0.1);
}

/** A cache key for a login, kept in memory only. */
function hashOf(username: string, password: string): string {
  return createHash('sha256').update(username).update('\0').update(password).digest('base64url');
}

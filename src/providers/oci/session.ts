import { createHash } from 'node:crypto';
import { getDomain } from 'tldts';
import { BoundedMap } from '../../core/bounded-map.js';
import { InvalidInputError, UnprocessableError } from '../../core/errors.js';
import { type HttpResponse, isIpLiteral } from '../../net/index.js';
import { caOf } from '../../plugins/ca-certificate.js';
import type { PluginContext } from '../../plugins/contracts.js';
import { type ResolvedCredential, SecretBundle, type SecretValue } from '../../secrets/index.js';
import type { OciConfig } from './config.js';
import { describeAnswer, RegistryAuthError, RegistryProtocolError } from './errors.js';
import {
  type Challenge,
  formatScope,
  mergeScopes,
  parseChallenges,
  parseScopes,
  type Scope,
} from './www-authenticate.js';

/**
 * One operation's view of a registry (distribution API v2): requests relative to `<endpoint>/v2/`,
 * authenticated the way the registry's challenge asks. Basic credentials go straight to the registry;
 * for Bearer, a token is fetched from the challenge's realm (Docker token authentication: GET with
 * repeated `scope` parameters and Basic credentials) and cached in the plugin instance until shortly
 * before it expires. A realm is checked before credentials are sent to it.
 */

/** A token is used until this share of its life is left (at least 5 s): registries' clocks drift. */
const RENEW_SHARE = 0.1;
const RENEW_MARGIN_MS = 5_000;
/** A token without `expires_in` lives 60 s, as the token specification says. */
const DEFAULT_TOKEN_LIFE_S = 60;
const MAX_TOKEN_CHARS = 16 * 1024;

export interface CachedToken {
  readonly value: string;
  /** Epoch ms after which a new token is fetched. */
  readonly renewAt: number;
}

/**
 * What a registry takes as Basic credentials, made from the stored credential by a cloud's exchange
 * (ECR's `GetAuthorizationToken`, a Google access token, ACR's refresh token).
 */
export interface RegistryLogin {
  readonly username: string;
  readonly password: string;
  /** Epoch ms after which the registry refuses it; none: it does not expire. */
  readonly expiresAt?: number;
}

/**
 * Turns the integration's stored credential into a registry login. Called when no cached login is
 * left, and again once after the registry refused the cached one. Errors are thrown as they are (a
 * `RegistryAuthError` with reason `refused` makes the catalog resolve the credential again once).
 */
export type CredentialExchange = (
  credential: ResolvedCredential,
  signal: AbortSignal,
) => Promise<RegistryLogin>;

export interface SessionOptions {
  /** Metric and log label of the requests; default `oci`. */
  readonly provider?: string;
  /** How the stored credential becomes a registry login; default: it holds `username` and `password`. */
  readonly exchange?: CredentialExchange;
}

interface CachedLogin {
  readonly login: Credential;
  readonly renewAt: number;
}

/** What the plugin instance keeps across operations, keyed by tenant, integration and credential. */
export interface SharedState {
  readonly tokens: BoundedMap<CachedToken>;
  /** Registry logins made by a credential exchange, until shortly before they expire. */
  readonly logins: BoundedMap<CachedLogin>;
  /** The last challenge each registry sent, so later requests authenticate at once. */
  readonly challenges: BoundedMap<Challenge>;
  readonly now: () => number;
}

/** Fresh caches for one plugin instance; `now` in epoch ms (token expiry). */
export function createSharedState(now: () => number = Date.now): SharedState {
  return { tokens: new BoundedMap(), logins: new BoundedMap(), challenges: new BoundedMap(), now };
}

export interface RegistryRequest {
  readonly method: 'GET' | 'HEAD';
  /** Relative to `<endpoint>/v2/`, e.g. `acme/app/tags/list`; or a URL the registry gave (a `Link`). */
  readonly path: string | URL;
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  readonly accept?: string;
  /** What the request needs, for the token: `repository:acme/app:pull`, `registry:catalog:*`. */
  readonly scope?: Scope;
  /** Statuses returned instead of thrown, besides 2xx. */
  readonly okStatuses?: readonly number[];
  /** Fixed metric label, e.g. `list_tags`. */
  readonly operation: string;
}

export interface RegistrySession {
  /** `<endpoint>/v2/`. */
  readonly base: URL;
  readonly config: OciConfig;
  readonly context: PluginContext<OciConfig>;
  /** An authenticated request, as the registry's challenge asks; 401 never comes back. */
  send(request: RegistryRequest): Promise<HttpResponse>;
  /** `GET /v2/` without credentials: what the registry tells anyone. */
  probe(): Promise<HttpResponse>;
}

interface Credential {
  readonly username: string;
  readonly password: string;
  /** Equal fingerprints, equal values: part of the token cache key, never the value. */
  readonly fingerprint: string;
}

/**
 * `<endpoint>/v2/` from what a user pasted: `https://host`, `https://host/`, `https://host/v2/`, or a
 * path prefix some proxies put before `/v2/`. Plain http only when the config says so.
 */
export function registryBaseOf(endpoint: string, config: Pick<OciConfig, 'plainHttp'>): URL {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw InvalidInputError.field('endpoint', 'is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw InvalidInputError.field('endpoint', 'must be an https:// URL');
  if (url.protocol === 'http:' && !config.plainHttp)
    throw InvalidInputError.field(
      'endpoint',
      'uses plain http: set config.plainHttp to true to allow a registry without TLS (credentials then cross the network unencrypted)',
    );
  if (url.username || url.password)
    throw InvalidInputError.field('endpoint', 'must not hold credentials; use authRef');
  if (url.search || url.hash) throw InvalidInputError.field('endpoint', 'must not have a query or fragment');
  const path = url.pathname.replace(/\/+$/, '').replace(/\/v2$/, '');
  return new URL(`${url.origin}${path}/v2/`);
}

export function createSession(
  context: PluginContext<OciConfig>,
  shared: SharedState,
  options: SessionOptions = {},
): RegistrySession {
  const { integration, http, signal } = context;
  const provider = options.provider ?? 'oci';
  const config = integration.config;
  const base = registryBaseOf(integration.endpoint, config);
  // The integration's private CA, on every request: the registry, its token realm, the probe.
  const ca = caOf(config);
  // Unsaved integrations (a test before saving) share nothing with later operations.
  const cacheScope =
    integration.id === null ? undefined : `${integration.tenantId}|${integration.id}|${base.href}`;
  const local = {
    tokens: new BoundedMap<CachedToken>(100),
    logins: new BoundedMap<CachedLogin>(10),
    challenge: undefined as Challenge | undefined,
  };

  const knownChallenge = () =>
    cacheScope === undefined ? local.challenge : shared.challenges.get(cacheScope);
  const remember = (challenge: Challenge) => {
    if (cacheScope === undefined) local.challenge = challenge;
    else shared.challenges.set(cacheScope, challenge);
  };

  function urlOf(request: RegistryRequest): URL {
    const url = typeof request.path === 'string' ? new URL(request.path, base) : new URL(request.path);
    if (url.origin !== base.origin)
      throw new RegistryProtocolError(`the registry pointed to another origin (${url.origin}); not followed`);
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    return url;
  }

  function raw(request: RegistryRequest, url: URL, authorization: string | undefined) {
    const headers: Record<string, string> = {};
    if (request.accept) headers.accept = request.accept;
    if (authorization) headers.authorization = authorization;
    return http.request({
      method: request.method,
      url,
      headers,
      signal,
      ...ca,
      provider,
      operation: request.operation,
      okStatuses: [401, ...(request.okStatuses ?? [])],
    });
  }

  async function send(request: RegistryRequest): Promise<HttpResponse> {
    const url = urlOf(request);
    if (!context.credentials.configured) return authenticate(request, url, undefined);
    return context.credentials.withRetry(
      async (resolved) => {
        if (!options.exchange)
          return authenticate(request, url, credentialOf(resolved.value, resolved.fingerprint));
        const key = loginKey(resolved);
        const cached = loginCache().get(key);
        const reused = cached !== undefined && cached.renewAt > shared.now();
        const login = reused ? cached.login : await exchanged(options.exchange, resolved, key);
        try {
          return await authenticate(request, url, login);
        } catch (error) {
          if (!(error instanceof RegistryAuthError && error.reason === 'refused')) throw error;
          // A refused login is not used again. One that was cached may have been revoked: exchange
          // afresh once. One just made is refused as it is (the retry resolves the credential anew).
          loginCache().delete(key);
          if (!reused) throw error;
          return authenticate(request, url, await exchanged(options.exchange, resolved, key));
        }
      },
      { isRejected: (error) => error instanceof RegistryAuthError && error.reason === 'refused' },
    );
  }

  const loginCache = () => (cacheScope === undefined ? local.logins : shared.logins);
  const loginKey = (resolved: ResolvedCredential) =>
    [cacheScope ?? '', resolved.ref, resolved.fingerprint].join('|');

  async function exchanged(
    exchange: CredentialExchange,
    resolved: ResolvedCredential,
    key: string,
  ): Promise<Credential> {
    const now = shared.now();
    const made = await exchange(resolved, signal);
    if (made.username === '' || made.username.includes(':') || made.password === '')
      throw new RegistryProtocolError('the credential exchange gave a registry login that cannot be used');
    const login = { username: made.username, password: made.password, fingerprint: hashOf(made) };
    loginCache().set(key, { login, renewAt: renewAtOf(now, made.expiresAt) });
    return login;
  }

  async function authenticate(
    request: RegistryRequest,
    url: URL,
    credential: Credential | undefined,
  ): Promise<HttpResponse> {
    const scopes = request.scope ? [request.scope] : [];
    const known = knownChallenge();
    let sent: string | undefined;
    if (known?.scheme === 'basic' && credential) sent = basicOf(credential);
    else if (known?.scheme === 'bearer') sent = `Bearer ${await token(known, scopes, credential, false)}`;

    let response = await raw(request, url, sent);
    if (response.status !== 401) return response;
    const challenge = pickChallenge(response);
    remember(challenge);

    if (challenge.scheme === 'basic') {
      if (!credential) throw needsCredentials();
      if (sent?.startsWith('Basic ')) throw refusedBy('the registry', response);
      response = await raw(request, url, basicOf(credential));
      if (response.status === 401) throw refusedBy('the registry', response);
      return response;
    }

    // Bearer: the challenge's scope first (some token servers read only the first), then ours.
    const wanted = mergeScopes(parseScopes(challenge.params.scope), scopes);
    const fresh = sent !== undefined && challenge.params.error !== 'insufficient_scope';
    response = await raw(request, url, `Bearer ${await token(challenge, wanted, credential, fresh)}`);
    if (response.status !== 401) return response;
    const again = pickChallenge(response);
    if (again.params.error === 'insufficient_scope' || !credential) {
      const grants = wanted.map(formatScope).join(' ') || 'access';
      throw credential
        ? new RegistryAuthError(`the credentials are accepted but do not grant ${grants}`, {
            reason: 'not_granted',
          })
        : new RegistryAuthError(
            `the registry does not grant ${grants} without credentials; set the integration's authRef`,
            { reason: 'missing' },
          );
    }
    throw refusedBy('the registry', response);
  }

  /** A token for `scopes` from the challenge's realm: cached, or fetched (`fresh`: never cached). */
  async function token(
    challenge: Challenge,
    scopes: readonly Scope[],
    credential: Credential | undefined,
    fresh: boolean,
  ): Promise<string> {
    const realm = checkRealm(challenge.params.realm, base, config);
    const service = challenge.params.service;
    const names = scopes.map(formatScope);
    const key = [
      credential?.fingerprint ?? 'anonymous',
      credential?.username ?? '',
      realm.href,
      service ?? '',
      [...names].sort().join(' '),
    ].join('|');
    const cache = cacheScope === undefined ? local.tokens : shared.tokens;
    const cacheKey = cacheScope === undefined ? key : `${cacheScope}|${key}`;
    const now = shared.now();
    const cached = cache.get(cacheKey);
    if (!fresh && cached && cached.renewAt > now) return cached.value;

    const url = new URL(realm);
    if (service) url.searchParams.set('service', service);
    for (const name of names) url.searchParams.append('scope', name);
    if (credential) url.searchParams.set('account', credential.username);
    const response = await http.request({
      method: 'GET',
      url,
      headers: { accept: 'application/json', ...(credential ? { authorization: basicOf(credential) } : {}) },
      signal,
      ...ca,
      provider,
      operation: 'token',
      okStatuses: [401, 403],
    });
    if (response.status === 401 || response.status === 403) {
      if (!credential) throw needsCredentials();
      throw refusedBy(`the token service at ${realm.host}`, response);
    }
    const found = tokenOf(response, realm, now);
    cache.set(cacheKey, found);
    return found.value;
  }

  const probe = () =>
    http.request({
      method: 'GET',
      url: base,
      signal,
      ...ca,
      provider,
      operation: 'ping',
      okStatuses: [401, 403, 404],
    });

  return { base, config, context, send, probe };
}

/**
 * Where credentials may go (go-containerregistry's rules, made a policy): an https realm (http only
 * for a plain-http registry), on the registry's own host or registrable domain, or on a host the
 * config names. The egress policy applies to the realm as to any URL.
 */
export function checkRealm(
  raw: string | undefined,
  base: URL,
  config: Pick<OciConfig, 'plainHttp' | 'tokenRealmHosts'>,
): URL {
  if (!raw) throw new RegistryProtocolError('the registry asked for a bearer token but named no realm');
  let realm: URL;
  try {
    realm = new URL(raw);
  } catch {
    throw new RegistryProtocolError(`the registry's token realm is not a URL: '${raw.slice(0, 100)}'`);
  }
  if (realm.protocol !== 'https:' && !(realm.protocol === 'http:' && config.plainHttp))
    throw new RegistryAuthError(
      `the token realm ${realm.origin} is not https; credentials go only to an https realm (config.plainHttp allows http for a registry without TLS)`,
      { reason: 'realm' },
    );
  if (realm.username || realm.password || realm.hash)
    throw new RegistryProtocolError(`the registry's token realm ${realm.origin} is malformed`);
  const host = realm.hostname.toLowerCase();
  const registryHost = base.hostname.toLowerCase();
  const allowed =
    host === registryHost ||
    (config.tokenRealmHosts ?? []).some((entry) => entry.toLowerCase() === host) ||
    sameDomain(host, registryHost);
  if (!allowed)
    throw new RegistryAuthError(
      `the registry sends credentials to a token service at ${realm.host}, which is neither on the registry's domain nor in config.tokenRealmHosts; add it there if you trust it`,
      { reason: 'realm' },
    );
  return realm;
}

/** Bearer when it has a realm that is a URL (the stronger scheme), else Basic. */
function pickChallenge(response: HttpResponse): Challenge {
  const challenges = parseChallenges(response.headers['www-authenticate']);
  const bearer = challenges.find(
    (challenge) => challenge.scheme === 'bearer' && isUrl(challenge.params.realm),
  );
  const chosen = bearer ?? challenges.find((challenge) => challenge.scheme === 'basic');
  if (!chosen) {
    const header = response.headers['www-authenticate'];
    throw new RegistryProtocolError(
      header
        ? `the registry answered 401 with a challenge we cannot meet: '${header.slice(0, 120)}'`
        : 'the registry answered 401 without a WWW-Authenticate challenge',
    );
  }
  return chosen;
}

function isUrl(value: string | undefined): boolean {
  if (!value) return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * Two DNS names on the same registrable domain, by the Public Suffix List (private suffixes too): so
 * `auth.docker.io` serves `registry-1.docker.io`, but `a.herokuapp.com` does not serve
 * `b.herokuapp.com`, nor `a.co.uk` `b.co.uk`, whose owners are strangers to each other.
 */
function sameDomain(a: string, b: string): boolean {
  const bare = (host: string) => host.replace(/^\[|\]$/g, '');
  if (isIpLiteral(bare(a)) || isIpLiteral(bare(b))) return false;
  const domain = (host: string) => getDomain(host, { allowPrivateDomains: true });
  const registrable = domain(a);
  return registrable !== null && registrable === domain(b);
}

function tokenOf(response: HttpResponse, realm: URL, now: number): CachedToken {
  const body = response.json<Record<string, unknown> | null>();
  const value =
    typeof body?.token === 'string' && body.token !== ''
      ? body.token
      : typeof body?.access_token === 'string'
        ? body.access_token
        : '';
  if (value === '' || value.length > MAX_TOKEN_CHARS || /[\s]/.test(value))
    throw new RegistryProtocolError(`the token service at ${realm.host} answered without a usable token`);
  const expiresIn =
    typeof body?.expires_in === 'number' && Number.isFinite(body.expires_in) && body.expires_in > 0
      ? Math.max(body.expires_in, DEFAULT_TOKEN_LIFE_S)
      : DEFAULT_TOKEN_LIFE_S;
  const issuedAt = typeof body?.issued_at === 'string' ? Date.parse(body.issued_at) : Number.NaN;
  // An issue time in the future (a clock ahead of ours) or unreadable counts as now.
  const issued = Number.isFinite(issuedAt) && issuedAt <= now ? issuedAt : now;
  const lifeMs = expiresIn * 1000;
  return { value, renewAt: issued + lifeMs - Math.max(RENEW_MARGIN_MS, lifeMs * RENEW_SHARE) };
}

/** When a login made at `now` that expires at `expiresAt` is made again: 10 % of its life (at least 5 s) early. */
function renewAtOf(now: number, expiresAt: number | undefined): number {
  if (expiresAt === undefined || !Number.isFinite(expiresAt)) return Number.POSITIVE_INFINITY;
  const life = Math.max(0, expiresAt - now);
  return now + life - Math.max(RENEW_MARGIN_MS, life * RENEW_SHARE);
}

/** A cache key for a username and password, kept in memory only. */
function hashOf(login: { readonly username: string; readonly password: string }): string {
  return createHash('sha256').update(login.username).update('\0').update(login.password).digest('base64url');
}

function basicOf(credential: Credential): string {
  return `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`;
}

function credentialOf(value: SecretValue, fingerprint: string): Credential {
  if (!(value instanceof SecretBundle) || !value.has('username') || !value.has('password'))
    throw new UnprocessableError(
      'credentials_shape',
      'the registry credential is an object with the fields username and password (a password or an access token)',
    );
  const username = value.require('username').reveal();
  if (username === '' || username.includes(':'))
    throw new UnprocessableError('credentials_shape', 'the credential username is empty or holds a colon');
  const password = value.require('password').reveal();
  // Tokens are cached per credential value: the store's fingerprint when it gives one, else a hash
  // (kept in memory only) of the value itself, so two credentials never share a token.
  return { username, password, fingerprint: fingerprint || hashOf({ username, password }) };
}

function needsCredentials(): RegistryAuthError {
  return new RegistryAuthError("the registry requires credentials; set the integration's authRef", {
    reason: 'missing',
  });
}

function refusedBy(who: string, response: HttpResponse): RegistryAuthError {
  return new RegistryAuthError(
    `${who} refused the credentials: ${describeAnswer(response.status, response.body)}`,
    { reason: 'refused' },
  );
}

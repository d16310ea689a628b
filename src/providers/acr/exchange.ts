import { UpstreamError } from '../../core/errors.js';
import type { HttpClient, HttpResponse } from '../../net/index.js';
import {
  type CredentialExchange,
  describeAnswer,
  RegistryAuthError,
  type RegistryLogin,
  RegistryProtocolError,
} from '../oci/index.js';
import type { AcrSettings } from './config.js';
import { readCredential } from './credential.js';
import { type EntraToken, MAX_TOKEN_ANSWER_BYTES, objectOf, PROVIDER, requestEntraToken } from './entra.js';

/**
 * ACR's credential exchange (Azure/acr `docs/AAD-OAuth.md`; `POST /oauth2/exchange` in Azure's
 * `containerregistry.json`): an Entra access token for Azure Resource Manager becomes an ACR refresh
 * token, `POST https://<registry>/oauth2/exchange` with the form `grant_type=access_token`,
 * `service=<registry host>`, `tenant`, `access_token`, answered `{ "refresh_token": "…" }`. The refresh
 * token is the password of the login `00000000-0000-0000-0000-000000000000`, which the registry's token
 * service (`/oauth2/token`) takes as Basic credentials in the usual Docker token flow.
 */

/** The username that tells ACR the password is one of its refresh tokens (the null GUID). */
export const REFRESH_TOKEN_USERNAME = '00000000-0000-0000-0000-000000000000';

/**
 * How long a refresh token whose lifetime cannot be read (not a JWT, or no `exp`) is used. ACR does
 * not document a lifetime; the refresh token of its AAD-OAuth.md example lives 2,089 s (`exp - iat`),
 * about 35 minutes, and we take the whole minutes inside that, 34. Figures heard elsewhere (three
 * hours) are not documented; a token used past its real end would be refused on every request until
 * exchanged again, while one exchanged early costs two requests.
 */
export const FALLBACK_REFRESH_LIFE_MS = 34 * 60_000;

const MAX_TOKEN_CHARS = 16 * 1024;

export interface ExchangeRequest {
  readonly http: HttpClient;
  readonly signal: AbortSignal;
  readonly settings: AcrSettings;
  readonly tenantId: string;
  readonly entraToken: EntraToken;
  readonly now: number;
}

/** Exchanges an Entra token at the registry; a refusal says what to grant. */
export async function exchangeForRefreshToken(request: ExchangeRequest): Promise<RegistryLogin> {
  const { settings } = request;
  const response = await request.http.request({
    method: 'POST',
    url: new URL('/oauth2/exchange', settings.base),
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'access_token',
      service: settings.service,
      tenant: request.tenantId,
      access_token: request.entraToken.accessToken,
    }).toString(),
    // The exchange mints a token and changes nothing: safe to send again after a 5xx or 429.
    retryable: true,
    signal: request.signal,
    maxResponseBytes: MAX_TOKEN_ANSWER_BYTES,
    provider: PROVIDER,
    operation: 'acr_exchange',
    okStatuses: [400, 401, 403, 404],
  });
  if (response.status !== 200) throw exchangeFailure(response, settings);
  const token = objectOf(response)?.refresh_token;
  if (typeof token !== 'string' || token === '' || token.length > MAX_TOKEN_CHARS || /\s/.test(token))
    throw new RegistryProtocolError(
      `the registry's POST /oauth2/exchange answered HTTP 200 without a usable refresh_token`,
    );
  return {
    username: REFRESH_TOKEN_USERNAME,
    password: token,
    expiresAt: refreshTokenExpiresAt(token, request.now),
  };
}

/**
 * When a refresh token expires: its `exp` claim when it is a JWT that has one, else
 * `FALLBACK_REFRESH_LIFE_MS` from now. A token that is already past its `exp` is not a usable answer.
 */
export function refreshTokenExpiresAt(token: string, now: number): number {
  const exp = expOf(token);
  if (exp === undefined) return now + FALLBACK_REFRESH_LIFE_MS;
  if (exp * 1000 <= now)
    throw new RegistryProtocolError(
      `the registry issued a refresh token that expired at ${new Date(exp * 1000).toISOString()}; check this host's clock`,
    );
  return exp * 1000;
}

/** The `exp` claim (seconds) of a JWT, or undefined when the token is not one or has none. */
function expOf(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as unknown;
    const exp = (claims as { exp?: unknown } | null)?.exp;
    return typeof exp === 'number' && Number.isFinite(exp) && exp > 0 ? exp : undefined;
  } catch {
    return undefined;
  }
}

function exchangeFailure(response: HttpResponse, settings: AcrSettings): Error {
  const words = describeAnswer(response.status, response.body);
  const registry = settings.service;
  if (response.status === 401)
    return new RegistryAuthError(
      `the registry ${registry} refused the service principal's Entra token (${words}): the service principal has no role on this registry; assign it AcrPull on the registry (with ABAC repository permissions: Container Registry Repository Reader, and Container Registry Repository Catalog Lister to list repositories)`,
      { reason: 'refused' },
    );
  if (response.status === 404)
    return new RegistryProtocolError(
      `${registry} has no POST /oauth2/exchange (${words}): the endpoint is not an Azure Container Registry login server (https://<name>.azurecr.io); for another registry use the oci provider`,
    );
  if (response.status === 403)
    return new UpstreamError(
      `the registry ${registry} denied the exchange (${words}): its network rules (firewall, private endpoint) may not admit this host`,
      { isTransient: false },
    );
  return new UpstreamError(`the registry ${registry} refused the exchange request (${words})`, {
    isTransient: false,
  });
}

/**
 * The `CredentialExchange` of the `acr` provider: a service principal goes through Entra and the
 * registry's exchange; a registry login is passed on as it is (no expiry: the session exchanges again
 * only when the registry refuses it).
 */
export function createAcrExchange(
  settings: AcrSettings,
  http: HttpClient,
  now: () => number,
): CredentialExchange {
  return async (resolved, signal) => {
    const credential = readCredential(resolved.value);
    if (credential.kind === 'login') return { username: credential.username, password: credential.password };
    const entraToken = await requestEntraToken({
      http,
      signal,
      authority: settings.authority,
      tenantId: credential.tenantId,
      clientId: credential.clientId,
      clientSecret: credential.clientSecret,
      scope: settings.cloud.scope,
      now: now(),
    });
    return exchangeForRefreshToken({
      http,
      signal,
      settings,
      tenantId: credential.tenantId,
      entraToken,
      now: now(),
    });
  };
}

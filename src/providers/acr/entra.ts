import { UpstreamError } from '../../core/errors.js';
import type { HttpClient, HttpResponse } from '../../net/index.js';
import { RegistryAuthError, RegistryProtocolError } from '../oci/index.js';

/**
 * A Microsoft Entra ID access token for a service principal, by the OAuth 2.0 client credentials grant
 * with a client secret (identity platform v2.0 endpoint):
 * `POST <authority>/<tenant>/oauth2/v2.0/token` with the form `grant_type=client_credentials`,
 * `client_id`, `client_secret`, `scope=<resource>/.default`, answered
 * `{ token_type: "Bearer", expires_in, access_token }`, or an error JSON
 * `{ error, error_description: "AADSTS<code>: …", error_codes: [<code>] }`.
 * https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
 */

export const PROVIDER = 'acr';

/** Token answers are small; a larger body is not a token answer. */
export const MAX_TOKEN_ANSWER_BYTES = 64 * 1024;
const MAX_TOKEN_CHARS = 16 * 1024;

export interface EntraToken {
  readonly accessToken: string;
  /** Epoch ms. */
  readonly expiresAt: number;
}

export interface EntraRequest {
  readonly http: HttpClient;
  readonly signal: AbortSignal;
  readonly authority: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scope: string;
  readonly now: number;
}

/** Asks Entra for a token; refusals become `RegistryAuthError`s with the AADSTS code and a hint. */
export async function requestEntraToken(request: EntraRequest): Promise<EntraToken> {
  const url = new URL(`${request.authority}/${encodeURIComponent(request.tenantId)}/oauth2/v2.0/token`);
  const response = await request.http.request({
    method: 'POST',
    url,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: request.clientId,
      client_secret: request.clientSecret,
      scope: request.scope,
    }).toString(),
    // A token mint changes nothing: safe to send again after a 5xx or 429.
    retryable: true,
    signal: request.signal,
    maxResponseBytes: MAX_TOKEN_ANSWER_BYTES,
    provider: PROVIDER,
    operation: 'entra_token',
    okStatuses: [400, 401, 403, 404],
  });
  if (response.status !== 200) throw entraFailure(response, request);
  return tokenOf(response, request.now);
}

function tokenOf(response: HttpResponse, now: number): EntraToken {
  const body = objectOf(response);
  const token = body?.access_token;
  const type = body?.token_type;
  // v2.0 answers a number; the v1.0 endpoint a string of digits.
  const expiresIn = typeof body?.expires_in === 'string' ? Number(body.expires_in) : body?.expires_in;
  if (
    typeof token !== 'string' ||
    token === '' ||
    token.length > MAX_TOKEN_CHARS ||
    /\s/.test(token) ||
    typeof type !== 'string' ||
    type.toLowerCase() !== 'bearer' ||
    typeof expiresIn !== 'number' ||
    !Number.isFinite(expiresIn) ||
    expiresIn <= 0
  )
    throw new RegistryProtocolError(
      'Microsoft Entra ID answered HTTP 200 without a usable token (access_token, token_type Bearer, expires_in)',
    );
  return { accessToken: token, expiresAt: now + expiresIn * 1000 };
}

/** Entra's error answer, read: the OAuth error, the first AADSTS code, the description's first line. */
export interface EntraErrorAnswer {
  readonly error: string;
  readonly code?: number;
  readonly description: string;
}

/** Reads Entra's error JSON, or nothing when the body is not one. */
export function readEntraError(response: HttpResponse): EntraErrorAnswer | undefined {
  const body = objectOf(response);
  if (!body || typeof body.error !== 'string' || body.error === '') return undefined;
  const text = typeof body.error_description === 'string' ? body.error_description : '';
  const listed = Array.isArray(body.error_codes) ? body.error_codes[0] : undefined;
  const written = /AADSTS(\d+)/.exec(text)?.[1];
  const code =
    typeof listed === 'number' && Number.isInteger(listed) ? listed : written ? Number(written) : undefined;
  // The first line: Entra appends trace and correlation ids and a timestamp on the following lines.
  const description = (text.split(/\r?\n/)[0] ?? '').replace(/^AADSTS\d+:\s*/, '').slice(0, 300);
  return { error: body.error, ...(code === undefined ? {} : { code }), description };
}

/** What to do about an AADSTS code, for the codes a misconfigured service principal meets. */
const HINTS: Readonly<Record<number, string>> = {
  7000215:
    "the client secret is wrong: store the secret's Value (not its Secret ID) from the app registration's Certificates & secrets as clientSecret",
  7000222:
    "the client secret has expired: add a new one under the app registration's Certificates & secrets and store its Value as clientSecret",
  700016:
    'no application with this clientId in the tenant: check clientId (the application (client) id) and tenantId, and that the app is registered in, or consented to, that tenant',
  90002:
    'the tenant does not exist in this cloud: check tenantId and, for a sovereign cloud, config.authorityHost',
  900023: 'tenantId is neither a tenant id (GUID) nor a domain of the tenant',
  7000218: 'the token request carried no client secret',
  500011:
    "the tenant has no service principal for Azure Resource Manager in this cloud: check the registry's cloud and config.authorityHost",
  1002012: 'the scope of the token request is not a /.default scope',
};

/** Codes that say the credential itself is wrong: worth resolving the stored secret again once. */
const REFUSALS = new Set(['invalid_client', 'unauthorized_client']);
const TENANT_CODES = new Set([90002, 900023]);

function entraFailure(response: HttpResponse, request: EntraRequest): Error {
  const where = `Microsoft Entra ID (${new URL(request.authority).host})`;
  const answer = readEntraError(response);
  if (!answer && (response.status === 404 || response.status === 403))
    return new RegistryProtocolError(
      `${where} has no token endpoint for tenant ${request.tenantId} (HTTP ${response.status}): check config.authorityHost, the authority alone, e.g. https://login.microsoftonline.com`,
    );
  if (!answer)
    return new RegistryProtocolError(
      `${where} answered HTTP ${response.status} without its error JSON ({ error, error_description })`,
    );
  const code = answer.code === undefined ? '' : `AADSTS${answer.code}: `;
  // Entra does not echo the secret; should any text ever do, it is cut out here.
  const words = scrubbed(answer.description, request.clientSecret);
  const hint = answer.code === undefined ? undefined : HINTS[answer.code];
  const message = `${where} refused the token request of client ${request.clientId} (${answer.error}, ${code}${words})${hint ? `; ${hint}` : ''}`;
  if (REFUSALS.has(answer.error) || (answer.code !== undefined && TENANT_CODES.has(answer.code)))
    return new RegistryAuthError(message, { reason: 'refused' });
  return new UpstreamError(message, { isTransient: false });
}

function scrubbed(text: string, secret: string): string {
  return secret.length >= 4 ? text.replaceAll(secret, '[redacted]') : text;
}

/** The body as a JSON object, or undefined (not JSON, or not an object). */
export function objectOf(response: HttpResponse): Record<string, unknown> | undefined {
  try {
    const parsed = JSON.parse(response.text()) as unknown;
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

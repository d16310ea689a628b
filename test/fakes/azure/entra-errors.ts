import { randomUUID } from 'node:crypto';
import { entraTimestamp } from './wire.js';

/**
 * The refusals of Entra ID's token endpoint the fake answers: status, OAuth error, AADSTS code and
 * words, one function each, and the error JSON Entra wraps them in.
 * https://learn.microsoft.com/entra/identity-platform/reference-error-codes
 */

export interface EntraProblem {
  readonly status: number;
  readonly error: string;
  readonly code: number;
  readonly words: string;
}

const invalidRequest = (code: number, words: string): EntraProblem => ({
  status: 400,
  error: 'invalid_request',
  code,
  words,
});
const invalidClient = (code: number, words: string): EntraProblem => ({
  status: 401,
  error: 'invalid_client',
  code,
  words,
});

export const ENTRA_PROBLEMS = {
  malformed: (words: string) => invalidRequest(90014, words),
  missing: (field: string) =>
    invalidRequest(900144, `The request body must contain the following parameter: '${field}'.`),
  method: (method: string) =>
    invalidRequest(900561, `The endpoint only accepts POST, OPTIONS requests. Received a ${method} request.`),
  badTenant: (tenant: string) =>
    invalidRequest(
      900023,
      `Specified tenant identifier '${tenant}' is neither a valid DNS name, nor a valid external domain.`,
    ),
  unknownTenant: (tenant: string) =>
    invalidRequest(
      90002,
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
    ),
  unsupportedGrant: (grant: string): EntraProblem => ({
    status: 400,
    error: 'unsupported_grant_type',
    code: 70003,
    words: `The app requested an unsupported grant type '${grant}'.`,
  }),
  scopeNotDefault: (scope: string): EntraProblem => ({
    status: 400,
    error: 'invalid_scope',
    code: 1002012,
    words: `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
  }),
  unknownResource: (resource: string, tenantId: string): EntraProblem => ({
    status: 400,
    error: 'invalid_resource',
    code: 500011,
    words: `The resource principal named ${resource} was not found in the tenant named ${tenantId}.`,
  }),
  noSecret: () =>
    invalidClient(
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    ),
  unknownApp: (clientId: string, tenantId: string): EntraProblem => ({
    status: 400,
    error: 'unauthorized_client',
    code: 700016,
    words: `Application with identifier '${clientId}' was not found in the directory '${tenantId}'. The application may not be installed by an administrator of the tenant, or the request went to the wrong tenant.`,
  }),
  wrongSecret: (clientId: string) =>
    invalidClient(
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
    ),
  expiredSecret: (clientId: string) =>
    invalidClient(
      7000222,
      `The provided client secret keys for app '${clientId}' are expired. Create new keys for the app in the Azure portal, or use certificate credentials.`,
    ),
} as const;

/** Entra's error JSON: the code first in the description, then trace and correlation ids and the time. */
export function entraErrorBody(problem: EntraProblem, at: Date, origin: string) {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  return {
    error: problem.error,
    error_description: `AADSTS${problem.code}: ${problem.words}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${entraTimestamp(at)}`,
    error_codes: [problem.code],
    timestamp: entraTimestamp(at),
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `${origin}/error?code=${problem.code}`,
  };
}

import { UnprocessableError } from '../../core/errors.js';
import { SecretBundle, type SecretValue } from '../../secrets/index.js';

/**
 * The two credentials an `acr` integration takes, told apart by their fields:
 *
 * - a **service principal** `{ tenantId, clientId, clientSecret }` (an app registration with a client
 *   secret): exchanged for a registry login through Microsoft Entra ID and ACR's `/oauth2/exchange`;
 * - a **registry login** `{ username, password }`: the admin user, or a repository-scoped token (scope
 *   map), sent to the registry as it is.
 *
 * Anything else is refused naming the accepted shapes and the fields found, never a value.
 */

export type AcrCredential =
  | {
      readonly kind: 'service_principal';
      readonly tenantId: string;
      readonly clientId: string;
      readonly clientSecret: string;
    }
  | { readonly kind: 'login'; readonly username: string; readonly password: string };

const SERVICE_PRINCIPAL = ['clientId', 'clientSecret', 'tenantId'] as const;
const LOGIN = ['password', 'username'] as const;

const ACCEPTED =
  'the credential of an acr integration is a service principal { tenantId, clientId, clientSecret } or a registry login { username, password } (the admin user or a repository-scoped token)';

/** A tenant: its id (a GUID) or one of its domains (`contoso.onmicrosoft.com`). */
const TENANT =
  /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63})$/i;
/** An application (client) id is a GUID. */
const CLIENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Reads the stored credential into one of the two shapes, or throws `credentials_shape`. */
export function readCredential(value: SecretValue): AcrCredential {
  if (!(value instanceof SecretBundle))
    throw new UnprocessableError('credentials_shape', `${ACCEPTED}; this one is a single value`);
  const names = value.names();
  const is = (shape: readonly string[]) =>
    names.length === shape.length && shape.every((name, index) => names[index] === name);
  if (is(SERVICE_PRINCIPAL)) return servicePrincipal(value);
  if (is(LOGIN)) return login(value);
  throw new UnprocessableError(
    'credentials_shape',
    `${ACCEPTED}; this one has the fields ${names.join(', ') || '(none)'}`,
  );
}

function servicePrincipal(value: SecretBundle): AcrCredential {
  const tenantId = value.require('tenantId').reveal().trim();
  const clientId = value.require('clientId').reveal().trim();
  const clientSecret = value.require('clientSecret').reveal();
  if (!TENANT.test(tenantId))
    throw new UnprocessableError(
      'credentials_shape',
      "the credential's tenantId is not a tenant id (a GUID) or a tenant domain (contoso.onmicrosoft.com)",
    );
  if (!CLIENT_ID.test(clientId))
    throw new UnprocessableError(
      'credentials_shape',
      "the credential's clientId is not an application (client) id, a GUID from the app registration's overview",
    );
  if (clientSecret === '')
    throw new UnprocessableError(
      'credentials_shape',
      "the credential's clientSecret is empty; store the secret's Value from the app registration",
    );
  return { kind: 'service_principal', tenantId, clientId, clientSecret };
}

function login(value: SecretBundle): AcrCredential {
  const username = value.require('username').reveal();
  const password = value.require('password').reveal();
  if (username === '' || username.includes(':'))
    throw new UnprocessableError('credentials_shape', 'the credential username is empty or holds a colon');
  if (password === '') throw new UnprocessableError('credentials_shape', 'the credential password is empty');
  return { kind: 'login', username, password };
}

/** What a credential is, in words that hold no secret (ids are not secrets). */
export function describeCredential(credential: AcrCredential): string {
  return credential.kind === 'service_principal'
    ? `a service principal (client ${credential.clientId}) of tenant ${credential.tenantId}`
    : `the registry login ${credential.username} (the admin user or a repository-scoped token)`;
}

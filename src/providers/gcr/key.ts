import { createPrivateKey, type KeyObject } from 'node:crypto';
import { UnprocessableError } from '../../core/errors.js';
import { Secret, type SecretBundle, type SecretValue } from '../../secrets/index.js';

/**
 * The credentials a `gcr` integration takes, read from the secret its `authRef` names:
 *
 * - a service-account key (the JSON key file Google hands out: `type: 'service_account'`,
 *   `client_email`, `private_key`, `private_key_id`, `token_uri`, `project_id`…), as the file's text
 *   in one string or as an object of its fields;
 * - `{ username: '_json_key', password: <the key file's JSON> }` (or `_json_key_base64` with the
 *   JSON in base64), the login `docker login` takes: read as the key; the key is never sent anywhere;
 * - `{ username: 'oauth2accesstoken' | '_token', password: <access token> }`: a token minted
 *   elsewhere, passed to the registry as it is (Google's access tokens expire within an hour).
 *
 * Errors name the fields at fault, never a value.
 */

/** What a service-account key says that we use. The private key never leaves its `KeyObject`. */
export interface ServiceAccountKey {
  readonly clientEmail: string;
  readonly privateKeyId: string;
  readonly privateKey: KeyObject;
  /** The key file's `token_uri` (Google's own unless someone edited it). */
  readonly tokenUri: string;
  readonly projectId?: string;
}

export type GoogleCredential =
  | { readonly kind: 'key'; readonly key: ServiceAccountKey }
  | { readonly kind: 'access_token'; readonly username: AccessTokenUsername; readonly token: Secret };

/** The usernames Google's registries take with an access token as the password. */
export const ACCESS_TOKEN_USERNAMES = ['oauth2accesstoken', '_token'] as const;
export type AccessTokenUsername = (typeof ACCESS_TOKEN_USERNAMES)[number];

/** Google's token service, the `token_uri` of every key file Google makes. */
export const GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token';
/** The older token URI of key files made before 2019, still served. */
export const LEGACY_GOOGLE_TOKEN_URI = 'https://accounts.google.com/o/oauth2/token';

const MAX_KEY_CHARS = 64 * 1024;
const MAX_ACCESS_TOKEN_CHARS = 4096;
const EMAIL = /^[^\s@]{1,64}@[a-z0-9.-]{1,190}$/i;
const KEY_ID = /^[A-Za-z0-9_-]{1,128}$/;

const SHAPES =
  'a gcr credential is a service-account key (the JSON key file as one string, or an object of its fields: type, client_email, private_key, private_key_id, token_uri), ' +
  "{ username: '_json_key', password: <key JSON> }, or { username: 'oauth2accesstoken' (or '_token'), password: <access token> }";

const shapeError = (message: string) => new UnprocessableError('credentials_shape', message);

/**
 * Reads the resolved secret as one of the accepted credentials.
 *
 * @example
 * const credential = readGoogleCredential((await context.credentials.get()).value);
 * if (credential.kind === 'key') credential.key.clientEmail; // 'scanner@acme.iam.gserviceaccount.com'
 */
export function readGoogleCredential(value: SecretValue): GoogleCredential {
  if (value instanceof Secret) return { kind: 'key', key: keyFromJson(value.reveal(), 'the credential') };
  if (value.has('username') || value.has('password')) return loginOf(value);
  if (value.has('private_key') || value.has('client_email') || value.has('type'))
    return { kind: 'key', key: value.use((fields) => readKeyFields(fields)) };
  throw shapeError(`${SHAPES}; this one has the fields: ${value.names().join(', ')}`);
}

function loginOf(value: SecretBundle): GoogleCredential {
  const extra = value.names().filter((name) => name !== 'username' && name !== 'password');
  if (!value.has('username') || !value.has('password') || extra.length > 0)
    throw shapeError(`${SHAPES}; a login has exactly the fields username and password`);
  const username = value.require('username').reveal();
  const password = value.require('password');
  if (username === '_json_key')
    return { kind: 'key', key: keyFromJson(password.reveal(), "the password of '_json_key'") };
  if (username === '_json_key_base64') {
    const text = Buffer.from(password.reveal(), 'base64').toString('utf8');
    return { kind: 'key', key: keyFromJson(text, "the password of '_json_key_base64'") };
  }
  if ((ACCESS_TOKEN_USERNAMES as readonly string[]).includes(username)) {
    const length = password.byteLength;
    const clean = password.use((bytes) => /^[\x21-\x7e]+$/.test(bytes.toString('utf8')));
    if (length === 0 || length > MAX_ACCESS_TOKEN_CHARS || !clean)
      throw shapeError(
        `the password of '${username}' must be an access token (printable ASCII without spaces, at most ${MAX_ACCESS_TOKEN_CHARS} characters)`,
      );
    return { kind: 'access_token', username: username as AccessTokenUsername, token: password };
  }
  throw shapeError(
    `${SHAPES}; the username must be '_json_key', '_json_key_base64', 'oauth2accesstoken' or '_token'`,
  );
}

/** The key file's text: JSON of an object. The parser's own message is not kept (it quotes the text). */
function keyFromJson(text: string, what: string): ServiceAccountKey {
  if (text.length > MAX_KEY_CHARS)
    throw shapeError(`${what} is larger than a service-account key file (${MAX_KEY_CHARS} characters)`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw shapeError(`${what} is not JSON: ${SHAPES}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw shapeError(`${what} is JSON but not an object: ${SHAPES}`);
  return readKeyFields(parsed as Record<string, unknown>);
}

/** The fields of a key file, each checked; a message names the field and what to do. */
export function readKeyFields(fields: Readonly<Record<string, unknown>>): ServiceAccountKey {
  const text = (name: string): string | undefined => {
    const value = fields[name];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') throw shapeError(`the key's ${name} must be a string`);
    return value;
  };
  const required = (name: string): string => {
    const value = text(name);
    if (value === undefined)
      throw shapeError(
        `the service-account key has no ${name}: store the whole JSON key file Google created (IAM → Service accounts → Keys → Add key → JSON)`,
      );
    return value;
  };

  const type = required('type');
  if (type !== 'service_account')
    throw shapeError(
      `the key's type must be 'service_account'${KNOWN_TYPES[type] ? `, not '${type}' (${KNOWN_TYPES[type]})` : ''}: create a JSON key for a service account`,
    );
  const clientEmail = required('client_email');
  if (!EMAIL.test(clientEmail)) throw shapeError("the key's client_email is not an email address");
  const privateKeyId = required('private_key_id');
  if (!KEY_ID.test(privateKeyId)) throw shapeError("the key's private_key_id is not a key id");
  const privateKey = privateKeyOf(required('private_key'));
  const tokenUri = text('token_uri') ?? GOOGLE_TOKEN_URI;
  const projectId = text('project_id');
  return { clientEmail, privateKeyId, privateKey, tokenUri, ...(projectId ? { projectId } : {}) };
}

/** Credential files that are not a service account's key, with what they are. */
const KNOWN_TYPES: Readonly<Record<string, string>> = {
  authorized_user: "a user's application-default credentials",
  external_account: 'a workload identity federation configuration',
  impersonated_service_account: 'an impersonation configuration',
  gdch_service_account: 'a Google Distributed Cloud key',
};

function privateKeyOf(text: string): KeyObject {
  // A key pasted from the file's text into an object secret may keep JSON's escaped line breaks.
  const pem = text.includes('\n') ? text : text.replaceAll('\\n', '\n');
  const invalid = () =>
    shapeError(
      "the key's private_key is not a PEM RSA private key (-----BEGIN PRIVATE KEY-----): copy it from the JSON key file unchanged, with its \\n line breaks",
    );
  if (!pem.includes('-----BEGIN') || !pem.includes('PRIVATE KEY-----')) throw invalid();
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    // node:crypto's message says nothing secret, but it is not passed on either.
    throw invalid();
  }
  if (key.asymmetricKeyType !== 'rsa') throw invalid();
  return key;
}

/** `service account x@p.iam.gserviceaccount.com (project p)` or `an access token (oauth2accesstoken)`. */
export function describeCredential(credential: GoogleCredential): string {
  if (credential.kind === 'access_token') return `an access token (${credential.username})`;
  const { clientEmail, projectId } = credential.key;
  return `the service account ${clientEmail}${projectId ? ` (project ${projectId})` : ''}`;
}

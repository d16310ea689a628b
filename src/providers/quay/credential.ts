import { UnprocessableError } from '../../core/errors.js';
import { SecretBundle, type SecretValue } from '../../secrets/index.js';

/**
 * The credential of a `quay` integration, one object secret:
 *
 * - `username` and `password`: the registry login. A **robot account** logs in as
 *   `<namespace>+<robot>` with its token; a **user** with the password or, where Quay's database
 *   authentication asks for it, the encrypted password from the account settings.
 * - `apiToken` (optional): an OAuth application token for Quay's API (`/api/v1`, sent as Bearer). A
 *   different credential from the robot's: robots cannot call the API. It needs the `repo:read` scope.
 *
 * Anything else is refused naming the accepted fields and the fields found, never a value.
 */

export interface QuayCredential {
  readonly kind: 'robot' | 'user';
  readonly username: string;
  readonly password: string;
  /** The namespace the login belongs to: the robot's organisation (or user), or the user itself. */
  readonly namespace: string;
  readonly apiToken?: string;
}

/** Quay's namespace rule (`VALID_USERNAME_REGEX`, 2 to 255 characters). */
const NAMESPACE = /^(?=.{2,255}$)[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
/** A robot's short name after the `+`: a lower-case letter, then letters, digits or `_`. */
const ROBOT_SHORT_NAME = /^[a-z][a-z0-9_]{1,254}$/;
const MAX_TOKEN_CHARS = 4096;

const FIELDS = new Set(['username', 'password', 'apiToken']);
const ACCEPTED =
  'the credential of a quay integration is an object { username, password } (a robot account <org>+<robot> and its token, or a user and its password), optionally with apiToken (an OAuth application token for the Quay API)';

/** Reads the stored credential, or throws `credentials_shape` saying what to fix. */
export function readCredential(value: SecretValue): QuayCredential {
  if (!(value instanceof SecretBundle))
    throw new UnprocessableError('credentials_shape', `${ACCEPTED}; this one is a single value`);
  const names = value.names();
  const unknown = names.filter((name) => !FIELDS.has(name));
  if (!value.has('username') || !value.has('password') || unknown.length > 0)
    throw new UnprocessableError(
      'credentials_shape',
      `${ACCEPTED}; this one has the fields ${names.join(', ') || '(none)'}`,
    );
  const username = value.require('username').reveal().trim();
  const password = value.require('password').reveal();
  if (password === '')
    throw new UnprocessableError(
      'credentials_shape',
      "the credential's password is empty; store the robot's token (Robot Accounts → the robot → Robot Token) or the user's password",
    );
  const apiToken = value.has('apiToken') ? readApiToken(value.require('apiToken').reveal()) : undefined;
  return { ...identityOf(username), username, password, ...(apiToken ? { apiToken } : {}) };
}

/** Who a username is: a robot `<namespace>+<name>`, or a user (its own namespace). */
export function identityOf(username: string): Pick<QuayCredential, 'kind' | 'namespace'> {
  if (username === '' || /[\s:]/.test(username))
    throw new UnprocessableError(
      'credentials_shape',
      "the credential's username is empty or holds a space or a colon",
    );
  const plus = username.indexOf('+');
  if (plus < 0) {
    // Users may sign in with a name Quay's rule would refuse (an external login): only the namespace
    // default needs it to be one.
    return { kind: 'user', namespace: username.toLowerCase() };
  }
  const namespace = username.slice(0, plus);
  const robot = username.slice(plus + 1);
  if (!NAMESPACE.test(namespace) || !ROBOT_SHORT_NAME.test(robot))
    throw new UnprocessableError(
      'credentials_shape',
      "the credential's username looks like a robot account but is not one: a robot logs in as <namespace>+<name> (e.g. acme+scanner), the namespace in lower case, the name starting with a letter and holding only lower-case letters, digits and _",
    );
  return { kind: 'robot', namespace };
}

function readApiToken(raw: string): string {
  const token = raw.trim();
  if (token === '' || token.length > MAX_TOKEN_CHARS || /\s/.test(token))
    throw new UnprocessableError(
      'credentials_shape',
      "the credential's apiToken is empty or not a token; generate one under Organization → Applications → the application → Generate Token, with the repo:read scope",
    );
  return token;
}

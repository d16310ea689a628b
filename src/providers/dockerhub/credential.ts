import { UnprocessableError } from '../../core/errors.js';
import { SecretBundle, type SecretValue } from '../../secrets/index.js';

/** A Docker Hub login: the Docker ID and a personal access token (or the account's password). */
export interface DockerHubLogin {
  readonly username: string;
  readonly password: string;
}

const ACCEPTED =
  'the credential of a dockerhub integration is an object { username, password }: the Docker ID (not the email address) and a personal access token (or the password)';

/** Docker IDs: 4 to 30 lower case letters and digits; older accounts and organisations also `-` and `_`. */
const DOCKER_ID = /^[a-z0-9][a-z0-9_-]{1,253}[a-z0-9]$/;

/**
 * Reads the stored credential, or throws `credentials_shape` naming what is wrong (the fields found,
 * never a value). Docker Hub logs in by Docker ID: an email address is refused here with that advice,
 * rather than by Docker Hub with "incorrect username or password".
 */
export function readLogin(value: SecretValue): DockerHubLogin {
  if (!(value instanceof SecretBundle))
    throw new UnprocessableError('credentials_shape', `${ACCEPTED}; this one is a single value`);
  const names = value.names();
  if (names.length !== 2 || !value.has('username') || !value.has('password'))
    throw new UnprocessableError(
      'credentials_shape',
      `${ACCEPTED}; this one has the fields ${names.join(', ') || '(none)'}`,
    );
  const username = value.require('username').reveal().trim();
  const password = value.require('password').reveal();
  if (username.includes('@'))
    throw new UnprocessableError(
      'credentials_shape',
      'the credential username looks like an email address; Docker Hub logs in with the Docker ID (the username shown on hub.docker.com)',
    );
  if (!DOCKER_ID.test(username))
    throw new UnprocessableError(
      'credentials_shape',
      'the credential username is not a Docker ID (lower case letters and digits, at least 4 characters)',
    );
  if (password === '' || /[\r\n]/.test(password))
    throw new UnprocessableError('credentials_shape', 'the credential password is empty or spans lines');
  return { username, password };
}

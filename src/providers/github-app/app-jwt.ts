import githubAppJwt from 'universal-github-app-jwt';
import { UnprocessableError } from '../../core/errors.js';
import { type Secret, SecretBundle, type SecretValue } from '../../secrets/index.js';
import { GitHubAppError } from './errors.js';

/**
 * The App's JWT, signed with `universal-github-app-jwt` (the signer `@octokit/auth-app` uses) but on our
 * clock and back-dated by 60 seconds, as GitHub recommends against clock drift ("Generating a JSON Web
 * Token for a GitHub App"); the library alone back-dates by 30. `exp` stays within GitHub's 10 minutes.
 */

/** How far `iat` is set in the past. */
export const JWT_BACKDATE_SECONDS = 60;
/** Lifetime from `iat`; GitHub refuses more than 600. */
export const JWT_LIFETIME_SECONDS = 600;

/** What an App credential holds: `{ appId | clientId, privateKey }`. */
export interface AppCredential {
  /** The JWT issuer: the client id (GitHub's recommendation) or the numeric App id. */
  readonly issuer: string | number;
  readonly privateKey: Secret;
}

/**
 * Reads the credential bundle. Field names only are named in errors, never values.
 *
 * @example
 * readAppCredential(SecretBundle.fromStrings({ appId: '123', privateKey: pem })).issuer; // 123
 */
export function readAppCredential(value: SecretValue): AppCredential {
  if (!(value instanceof SecretBundle)) {
    throw new UnprocessableError(
      'credentials_shape',
      'a github_app credential is an object { appId (or clientId), privateKey }, not a single value',
    );
  }
  const id = value.get('clientId') ?? value.get('appId');
  if (!id) {
    throw new UnprocessableError(
      'credentials_shape',
      `a github_app credential needs appId or clientId (it has: ${value.names().join(', ')})`,
    );
  }
  const issuer = id.reveal().trim();
  return {
    issuer: value.has('clientId') || !/^\d+$/.test(issuer) ? issuer : Number(issuer),
    privateKey: value.require('privateKey'),
  };
}

/**
 * Signs a JWT for the App at `nowMs`: `iat = now − 60 s`, `exp = iat + 600 s` (so 9 minutes ahead).
 *
 * @example
 * const jwt = await signAppJwt(credential.value, Date.now());
 */
export async function signAppJwt(value: SecretValue, nowMs: number): Promise<string> {
  const { issuer, privateKey } = readAppCredential(value);
  // The library sets iat = now − 30; handing it now − 30 gives GitHub's recommended 60 s.
  const now = Math.floor(nowMs / 1000) - (JWT_BACKDATE_SECONDS - 30);
  try {
    const { token } = await githubAppJwt({ id: issuer, privateKey: privateKey.reveal(), now });
    return token;
  } catch (error) {
    // The library's and node:crypto's messages say nothing secret, but we do not pass them on either.
    throw new GitHubAppError(
      "the App's private key could not sign a JWT: it must be the PEM file GitHub generated for the App " +
        '(PKCS#1 "BEGIN RSA PRIVATE KEY" or PKCS#8)',
      { cause: error instanceof Error ? new Error(error.name) : undefined },
    );
  }
}

import type { PluginContext } from '../../plugins/contracts.js';
import type { CredentialExchange, RegistryLogin } from '../oci/index.js';
import { CLOUD_PLATFORM_SCOPE, type GcrConfig } from './config.js';
import { type GoogleCredential, readGoogleCredential } from './key.js';
import { mintAccessToken } from './token-service.js';
import { tokenUriOf } from './token-uri.js';

/**
 * The login Google's registries take: username `oauth2accesstoken`, password an access token.
 * https://cloud.google.com/artifact-registry/docs/docker/authentication#token
 */
export const ACCESS_TOKEN_USERNAME = 'oauth2accesstoken';

/** The scopes asked for: `config.scopes`, or cloud-platform. */
export const scopesOf = (config: Pick<GcrConfig, 'scopes'>): readonly string[] =>
  config.scopes ?? [CLOUD_PLATFORM_SCOPE];

/**
 * The registry login for a credential: an access token passed through as it is, or one minted for a
 * service-account key (valid until Google's `expires_in`; the oci session makes a new one shortly
 * before). The key itself never leaves the process; only the signed assertion goes to the token URI.
 */
export async function loginFor(
  credential: GoogleCredential,
  context: Pick<PluginContext<GcrConfig>, 'http' | 'integration'>,
  signal: AbortSignal,
  now: () => number,
): Promise<RegistryLogin & { readonly expiresInSeconds?: number }> {
  if (credential.kind === 'access_token')
    return { username: credential.username, password: credential.token.reveal() };
  const { config } = context.integration;
  const token = await mintAccessToken(credential.key, {
    http: context.http,
    signal,
    tokenUri: tokenUriOf(credential.key, config),
    scopes: scopesOf(config),
    now,
  });
  return {
    username: ACCESS_TOKEN_USERNAME,
    password: token.value,
    expiresAt: token.expiresAt,
    expiresInSeconds: token.expiresInSeconds,
  };
}

/**
 * The `CredentialExchange` of a `gcr` integration, for the oci session.
 *
 * @example
 * createSession(ociContext, shared, { provider: 'gcr', exchange: googleExchange(context, shared.now) });
 */
export function googleExchange(context: PluginContext<GcrConfig>, now: () => number): CredentialExchange {
  return async (credential, signal) => {
    const { username, password, expiresAt } = await loginFor(
      readGoogleCredential(credential.value),
      context,
      signal,
      now,
    );
    return { username, password, ...(expiresAt === undefined ? {} : { expiresAt }) };
  };
}

/**
 * An exchange that answers `login` the first time (one the caller just made, so a connection test
 * mints once), then asks `exchange` as usual.
 */
export function startingWith(
  login: RegistryLogin | undefined,
  exchange: CredentialExchange,
): CredentialExchange {
  let first = login;
  return async (credential, signal) => {
    if (first === undefined) return exchange(credential, signal);
    const made = first;
    first = undefined;
    return made;
  };
}

import type { PluginContext } from '../../plugins/contracts.js';
import {
  type CredentialExchange,
  createSession,
  type OciConfig,
  RegistryAuthError,
  type RegistryLogin,
  type RegistrySession,
} from '../oci/index.js';
import { createKeySource, type EcrShared, type KeySource } from './aws-keys.js';
import type { EcrConfig } from './config.js';
import { getAuthorizationToken, PROVIDER } from './ecr-api.js';
import { type EcrEndpoints, readEndpoints } from './endpoint.js';

/**
 * The seam between AWS and the registry: the `oci` session asks for a registry login when it has none
 * cached (or the cached one was refused), and gets one from `GetAuthorizationToken` signed with the
 * stored keys (or a role's), or the stored `AWS` login as it is. The session caches it per
 * integration and credential until shortly before `expiresAt` (ECR: 12 hours).
 */

/** Everything one operation of an `ecr` integration needs, made lazily so bad config fails the operation. */
export interface EcrOperation {
  readonly context: PluginContext<EcrConfig>;
  endpoints(): EcrEndpoints;
  readonly keys: KeySource;
  /** The registry session; `exchange` replaces the default one (a connection test primes it). */
  session(exchange?: CredentialExchange): RegistrySession;
  readonly exchange: CredentialExchange;
}

export function createOperation(context: PluginContext<EcrConfig>, shared: EcrShared): EcrOperation {
  let endpoints: EcrEndpoints | undefined;
  const endpointsOf = () => {
    endpoints ??= readEndpoints(context.integration.endpoint, context.integration.config);
    return endpoints;
  };
  const keys = createKeySource(context, endpointsOf, shared);
  const exchange: CredentialExchange = async (resolved) => {
    const credential = keys.credentialOf(resolved);
    if (credential.kind === 'login') return { username: credential.username, password: credential.password };
    const { keys: signing, assumed } = await keys.keysOf(resolved);
    try {
      return await getAuthorizationToken(context, endpointsOf(), signing);
    } catch (error) {
      // Role keys ECR refuses are not used again: the next try assumes the role anew.
      if (assumed && error instanceof RegistryAuthError && error.reason === 'refused') keys.forget(resolved);
      throw error;
    }
  };
  return {
    context,
    endpoints: endpointsOf,
    keys,
    exchange,
    session: (custom) =>
      createSession(registryContext(context, endpointsOf()), shared.oci, {
        provider: PROVIDER,
        exchange: custom ?? exchange,
      }),
  };
}

/** An exchange that answers `login` the first time, then asks `exchange` (a login the caller just made). */
export function primed(login: RegistryLogin, exchange: CredentialExchange): CredentialExchange {
  let first = true;
  return async (resolved, signal) => {
    if (!first) return exchange(resolved, signal);
    first = false;
    return login;
  };
}

/** The same integration seen as an `oci` registry: its registry URL and the settings `oci` knows. */
function registryContext(
  context: PluginContext<EcrConfig>,
  endpoints: EcrEndpoints,
): PluginContext<OciConfig> {
  const { plainHttp, repositories } = context.integration.config;
  return {
    ...context,
    integration: {
      ...context.integration,
      endpoint: endpoints.registryBase.href,
      config: { plainHttp, ...(repositories ? { repositories } : {}) },
    },
  };
}

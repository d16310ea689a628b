import { UnprocessableError } from '../../core/errors.js';
import { type ConnectorPlugin, type PluginContext, REGISTRY_CAPABILITIES } from '../../plugins/contracts.js';
import { guardedHealth, guardedTest } from '../../plugins/guarded.js';
import {
  createSession,
  createSharedState,
  describeFailure,
  type OciConfig,
  type RegistryLogin,
} from '../oci/index.js';
import { type GcrConfig, GcrConfigSchema } from './config.js';
import { checkHealth, missingCredential, testConnection } from './connection.js';
import { googleRegistryOf } from './endpoint.js';
import { googleExchange, startingWith } from './exchange.js';
import { createGcrRegistryConnector } from './registry.js';

export interface GcrPluginOptions {
  /** Epoch milliseconds: the assertions' `iat` and the expiry of access and registry tokens. Default `Date.now`. */
  readonly now?: () => number;
}

/**
 * Creates the `gcr` provider: Google Artifact Registry and Container Registry, read through the
 * `oci` provider's session with the login Google's registries take (`oauth2accesstoken` and an
 * access token minted from the service-account key). Access tokens and registry tokens are cached
 * in the returned instance, per tenant, integration and credential, until shortly before they expire.
 *
 * @example
 * const plugin = createGcrPlugin();
 * // register: { provider: 'gcr', type: 'registry', endpoint: 'https://europe-west1-docker.pkg.dev',
 * //   authRef: 'authref://local/<id>' (holding the JSON key file), config: { repositories: ['acme/images/app'] } }
 */
export function createGcrPlugin(options: GcrPluginOptions = {}): ConnectorPlugin<GcrConfig> {
  const shared = createSharedState(options.now);
  const open = (context: PluginContext<GcrConfig>, first?: RegistryLogin) => {
    googleRegistryOf(context.integration.endpoint, context.integration.config);
    if (!context.credentials.configured)
      throw new UnprocessableError('credentials_missing', missingCredential);
    return createSession(registryContext(context), shared, {
      provider: 'gcr',
      exchange: startingWith(first, googleExchange(context, shared.now)),
    });
  };
  return {
    provider: 'gcr',
    displayName: 'Google Artifact Registry / Container Registry',
    types: ['registry'],
    configSchema: GcrConfigSchema,
    capabilities: REGISTRY_CAPABILITIES,
    checkAvailability: () => ({ available: true }),
    testConnection: (context) =>
      guardedTest(
        () => testConnection(context, (first) => open(context, first), shared.now),
        describeFailure,
      ),
    checkHealth: (context) => guardedHealth(() => checkHealth(context, () => open(context)), describeFailure),
    registry: (context) =>
      createGcrRegistryConnector(
        () => open(context),
        () => context.integration.config.repositories ?? [],
      ),
  };
}

/** The same integration seen as an `oci` registry: its endpoint, plain http or not, its repositories. */
function registryContext(context: PluginContext<GcrConfig>): PluginContext<OciConfig> {
  const { plainHttp, repositories } = context.integration.config;
  return {
    ...context,
    integration: {
      ...context.integration,
      config: { plainHttp, ...(repositories ? { repositories } : {}) },
    },
  };
}

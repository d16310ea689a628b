import { type ConnectorPlugin, type PluginContext, REGISTRY_CAPABILITIES } from '../../plugins/contracts.js';
import { guardedHealth, guardedTest } from '../../plugins/guarded.js';
import { checkHealth } from '../oci/connection.js';
import {
  createRegistryConnector,
  createSession,
  createSharedState,
  describeFailure,
  type RegistrySession,
  type SharedState,
} from '../oci/index.js';
import { type AcrConfig, AcrConfigSchema, readAcrSettings } from './config.js';
import { testConnection } from './connection.js';
import { PROVIDER } from './entra.js';
import { createAcrExchange } from './exchange.js';

export interface AcrPluginOptions {
  /** Epoch milliseconds (token and refresh-token expiry). Default `Date.now`. */
  readonly now?: () => number;
}

/**
 * Creates the `acr` provider (Azure Container Registry): the `oci` provider's registry reads, logged
 * in with a registry login that a service principal's Entra token is exchanged for (or with the admin
 * user or a repository-scoped token as they are). Registry logins and tokens are cached in the
 * returned instance per tenant, integration and credential, until shortly before they expire.
 *
 * @example
 * const plugin = createAcrPlugin();
 * // register: { provider: 'acr', type: 'registry', endpoint: 'https://contoso.azurecr.io',
 * //   authRef: 'authref://local/<id>' (holding { tenantId, clientId, clientSecret }),
 * //   config: { repositories: ['team/app'] } }
 */
export function createAcrPlugin(options: AcrPluginOptions = {}): ConnectorPlugin<AcrConfig> {
  const now = options.now ?? Date.now;
  const shared = createSharedState(now);
  return {
    provider: PROVIDER,
    displayName: 'Azure Container Registry',
    types: ['registry'],
    configSchema: AcrConfigSchema,
    capabilities: REGISTRY_CAPABILITIES,
    checkAvailability: () => ({ available: true }),
    testConnection: (context) => guardedTest(() => testConnection(context, now), describeFailure),
    checkHealth: (context) =>
      guardedHealth(() => checkHealth(acrSession(context, shared, now)), describeFailure),
    registry: (context) => createRegistryConnector(() => acrSession(context, shared, now)),
  };
}

/** The `oci` session of an `acr` integration: ACR's exchange makes its login. */
function acrSession(
  context: PluginContext<AcrConfig>,
  shared: SharedState,
  now: () => number,
): RegistrySession {
  const settings = readAcrSettings(context.integration.endpoint, context.integration.config);
  return createSession(context, shared, {
    provider: PROVIDER,
    exchange: createAcrExchange(settings, context.http, now),
  });
}

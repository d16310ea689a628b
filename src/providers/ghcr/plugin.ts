import { type ConnectorPlugin, type PluginContext, REGISTRY_CAPABILITIES } from '../../plugins/contracts.js';
import { guardedHealth, guardedTest } from '../../plugins/guarded.js';
import { createSession, createSharedState, describeFailure, type OciConfig } from '../oci/index.js';
import { createGitHubApi, PROVIDER } from './api.js';
import { type GhcrConfig, GhcrConfigSchema, registryEndpointOf } from './config.js';
import { testConnection } from './connection.js';
import { checkHealth } from './health.js';
import { createGhcrRegistryConnector } from './registry.js';

export interface GhcrPluginOptions {
  /** Epoch milliseconds (registry token expiry). Default `Date.now`. */
  readonly now?: () => number;
}

/**
 * Creates the `ghcr` provider (GitHub Container Registry): GitHub's REST API for who the token is,
 * the owner's container packages and the rate limit; the registry (`https://ghcr.io/v2/`, Docker
 * token flow at `https://ghcr.io/token` with the token as Basic password) through the `oci`
 * provider's session for tags, manifests and referrers. Registry tokens are cached in the returned
 * instance, per tenant, integration and credential.
 *
 * @example
 * const plugin = createGhcrPlugin();
 * // register: { provider: 'ghcr', type: 'registry', endpoint: 'https://ghcr.io',
 * //   authRef: 'authref://local/<id>' (holding { username: 'octocat', password: 'ghp_…' }),
 * //   config: { owner: 'acme', ownerType: 'org' } }
 */
export function createGhcrPlugin(options: GhcrPluginOptions = {}): ConnectorPlugin<GhcrConfig> {
  const shared = createSharedState(options.now);
  const registry = (context: PluginContext<GhcrConfig>) => () =>
    createSession(registryContext(context), shared, { provider: PROVIDER });
  return {
    provider: PROVIDER,
    displayName: 'GitHub Container Registry',
    types: ['registry'],
    configSchema: GhcrConfigSchema,
    capabilities: REGISTRY_CAPABILITIES,
    checkAvailability: () => ({ available: true }),
    testConnection: (context) =>
      guardedTest(() => testConnection(createGitHubApi(context), registry(context)), describeFailure),
    checkHealth: (context) =>
      guardedHealth(() => checkHealth(createGitHubApi(context), registry(context)), describeFailure),
    registry: (context) => createGhcrRegistryConnector(() => createGitHubApi(context), registry(context)),
  };
}

/** The same integration seen as an `oci` registry: ghcr.io (or the endpoint given), its `/v2/` below. */
function registryContext(context: PluginContext<GhcrConfig>): PluginContext<OciConfig> {
  const { config, endpoint } = context.integration;
  const { plainHttp, tokenRealmHosts, repositories } = config;
  return {
    ...context,
    integration: {
      ...context.integration,
      endpoint: registryEndpointOf(endpoint),
      config: {
        plainHttp,
        ...(tokenRealmHosts ? { tokenRealmHosts } : {}),
        ...(repositories ? { repositories } : {}),
      },
    },
  };
}

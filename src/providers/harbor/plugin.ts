import { type ConnectorPlugin, type PluginContext, REGISTRY_CAPABILITIES } from '../../plugins/contracts.js';
import { guardedHealth, guardedTest } from '../../plugins/guarded.js';
import { createSession, createSharedState, describeFailure, type OciConfig } from '../oci/index.js';
import { createHarborApi, harborUrlsOf } from './api.js';
import { type HarborConfig, HarborConfigSchema } from './config.js';
import { testConnection } from './connection.js';
import { checkHealth } from './health.js';
import { createHarborRegistryConnector } from './registry.js';

export interface HarborPluginOptions {
  /** Epoch milliseconds (registry token expiry). Default `Date.now`. */
  readonly now?: () => number;
}

/**
 * Creates the `harbor` provider (Harbor 2.x): its API for tests, health, repositories and tags; its
 * registry side (`/v2/`, tokens from `/service/token`) through the `oci` provider's session for
 * manifests. Registry tokens are cached in the returned instance, per tenant, integration and credential.
 *
 * @example
 * const plugin = createHarborPlugin();
 * // register: { provider: 'harbor', type: 'registry', endpoint: 'https://harbor.example.com',
 * //   authRef: 'authref://local/<id>' (holding { username: 'robot$acme+scanner', password }),
 * //   config: { projects: ['acme'] } }
 */
export function createHarborPlugin(options: HarborPluginOptions = {}): ConnectorPlugin<HarborConfig> {
  const shared = createSharedState(options.now);
  const registry = (context: PluginContext<HarborConfig>) => () =>
    createSession(registryContext(context), shared);
  return {
    provider: 'harbor',
    displayName: 'Harbor 2.x',
    types: ['registry'],
    configSchema: HarborConfigSchema,
    capabilities: REGISTRY_CAPABILITIES,
    checkAvailability: () => ({ available: true }),
    testConnection: (context) =>
      guardedTest(() => testConnection(createHarborApi(context), registry(context)), describeFailure),
    checkHealth: (context) => guardedHealth(() => checkHealth(createHarborApi(context)), describeFailure),
    registry: (context) => createHarborRegistryConnector(() => createHarborApi(context), registry(context)),
  };
}

/** The same integration seen as an `oci` registry at Harbor's URL (`/v2/` below it). */
function registryContext(context: PluginContext<HarborConfig>): PluginContext<OciConfig> {
  const { config, endpoint } = context.integration;
  const { plainHttp, tokenRealmHosts, caCertificate } = config;
  return {
    ...context,
    integration: {
      ...context.integration,
      endpoint: harborUrlsOf(endpoint, config).registryEndpoint,
      config: {
        plainHttp,
        ...(tokenRealmHosts ? { tokenRealmHosts } : {}),
        ...(caCertificate ? { caCertificate } : {}),
      },
    },
  };
}

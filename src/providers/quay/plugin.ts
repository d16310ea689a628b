import { type ConnectorPlugin, type PluginContext, REGISTRY_CAPABILITIES } from '../../plugins/contracts.js';
import { guardedHealth, guardedTest } from '../../plugins/guarded.js';
import {
  type CredentialExchange,
  createSession,
  createSharedState,
  describeFailure,
  type OciConfig,
} from '../oci/index.js';
import { createQuayApi, PROVIDER, quayUrlsOf } from './api.js';
import { type QuayConfig, QuayConfigSchema } from './config.js';
import { testConnection } from './connection.js';
import { readCredential } from './credential.js';
import { checkHealth } from './health.js';
import { createQuayRegistryConnector } from './registry.js';

export interface QuayPluginOptions {
  /** Epoch milliseconds (registry token expiry). Default `Date.now`. */
  readonly now?: () => number;
}

/**
 * The registry login of the stored credential: its `username` and `password` (a robot's token does
 * not expire), the shape checked; the `apiToken` beside them never goes to the registry.
 */
const registryLogin: CredentialExchange = async (credential) => {
  const { username, password } = readCredential(credential.value);
  return { username, password };
};

/**
 * Creates the `quay` provider (quay.io and Red Hat Quay): its health endpoints, its API for listings
 * when the credential holds an API token, and its registry side (`/v2/`, Quay's Docker token flow)
 * through the `oci` provider's session. Registry tokens are cached in the returned instance, per
 * tenant, integration and credential.
 *
 * @example
 * const plugin = createQuayPlugin();
 * // register: { provider: 'quay', type: 'registry', endpoint: 'https://quay.io',
 * //   authRef: 'authref://local/<id>' (holding { username: 'acme+scanner', password, apiToken? }),
 * //   config: { namespaces: ['acme'] } }
 */
export function createQuayPlugin(options: QuayPluginOptions = {}): ConnectorPlugin<QuayConfig> {
  const shared = createSharedState(options.now);
  const registry = (context: PluginContext<QuayConfig>) => () =>
    createSession(registryContext(context), shared, { provider: PROVIDER, exchange: registryLogin });
  return {
    provider: PROVIDER,
    displayName: 'Quay (quay.io, Red Hat Quay)',
    types: ['registry'],
    configSchema: QuayConfigSchema,
    capabilities: REGISTRY_CAPABILITIES,
    checkAvailability: () => ({ available: true }),
    testConnection: (context) =>
      guardedTest(() => testConnection(createQuayApi(context), registry(context)), describeFailure),
    checkHealth: (context) =>
      guardedHealth(() => checkHealth(createQuayApi(context), registry(context)), describeFailure),
    registry: (context) => createQuayRegistryConnector(() => createQuayApi(context), registry(context)),
  };
}

/** The same integration seen as an `oci` registry at Quay's URL (`/v2/` below it). */
function registryContext(context: PluginContext<QuayConfig>): PluginContext<OciConfig> {
  const { config, endpoint } = context.integration;
  const { plainHttp, tokenRealmHosts, repositories, caCertificate } = config;
  return {
    ...context,
    integration: {
      ...context.integration,
      endpoint: quayUrlsOf(endpoint, config).root.href,
      config: {
        plainHttp,
        ...(tokenRealmHosts ? { tokenRealmHosts } : {}),
        ...(repositories ? { repositories } : {}),
        ...(caCertificate ? { caCertificate } : {}),
      },
    },
  };
}

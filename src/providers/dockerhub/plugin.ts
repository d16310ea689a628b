import { type ConnectorPlugin, type PluginContext, REGISTRY_CAPABILITIES } from '../../plugins/contracts.js';
import { guardedHealth, guardedTest } from '../../plugins/guarded.js';
import { createSession, createSharedState, type OciConfig, type RegistrySession } from '../oci/index.js';
import { type DockerHubConfig, DockerHubConfigSchema } from './config.js';
import { testConnection } from './connection.js';
import { readLogin } from './credential.js';
import { registryEndpointOf, registryRepositoryOf } from './endpoint.js';
import { describeFailure } from './errors.js';
import { checkHealth } from './health.js';
import { createHubApi, createHubState, PROVIDER } from './hub-api.js';
import { createDockerHubConnector } from './registry.js';

export interface DockerHubPluginOptions {
  /** Epoch milliseconds (token expiry). Default `Date.now`. */
  readonly now?: () => number;
}

/**
 * Creates the `dockerhub` provider (Docker Hub): its API for listing the repositories of namespaces,
 * its registry (`registry-1.docker.io`, tokens from `auth.docker.io`) through the `oci` provider's
 * session for tags, manifests and referrers, and its pull limit for health. Registry tokens and Hub
 * access tokens are cached in the returned instance, per tenant, integration and credential.
 *
 * @example
 * const plugin = createDockerHubPlugin();
 * // register: { provider: 'dockerhub', type: 'registry', endpoint: 'https://registry-1.docker.io',
 * //   authRef: 'authref://local/<id>' (holding { username: '<Docker ID>', password: '<personal access token>' }),
 * //   config: { namespaces: ['acme'], repositories: ['acme/app'] } }
 */
export function createDockerHubPlugin(
  options: DockerHubPluginOptions = {},
): ConnectorPlugin<DockerHubConfig> {
  const shared = createSharedState(options.now);
  const hub = createHubState(options.now);
  const registry = (context: PluginContext<DockerHubConfig>) => (): RegistrySession =>
    createSession(registryContext(context), shared, {
      provider: PROVIDER,
      // The stored credential is the registry login itself; read here so a wrong shape says "dockerhub".
      exchange: async (credential) => readLogin(credential.value),
    });
  return {
    provider: PROVIDER,
    displayName: 'Docker Hub',
    types: ['registry'],
    configSchema: DockerHubConfigSchema,
    capabilities: REGISTRY_CAPABILITIES,
    checkAvailability: () => ({ available: true }),
    testConnection: (context) =>
      guardedTest(
        () => testConnection(createHubApi(context, hub), registry(context), context.integration.config),
        describeFailure,
      ),
    checkHealth: (context) =>
      guardedHealth(() => checkHealth(registry(context)(), context.integration.config), describeFailure),
    registry: (context) =>
      createDockerHubConnector(
        () => createHubApi(context, hub),
        context.integration.config,
        registry(context),
      ),
  };
}

/** The same integration seen as an `oci` registry: Docker Hub's registry endpoint, official images named fully. */
function registryContext(context: PluginContext<DockerHubConfig>): PluginContext<OciConfig> {
  const { config, endpoint } = context.integration;
  const { plainHttp, tokenRealmHosts, repositories } = config;
  return {
    ...context,
    integration: {
      ...context.integration,
      endpoint: registryEndpointOf(endpoint, config),
      config: {
        plainHttp,
        ...(tokenRealmHosts ? { tokenRealmHosts } : {}),
        ...(repositories ? { repositories: [...new Set(repositories.map(registryRepositoryOf))] } : {}),
      },
    },
  };
}

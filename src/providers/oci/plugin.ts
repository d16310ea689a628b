import { type ConnectorPlugin, REGISTRY_CAPABILITIES } from '../../plugins/contracts.js';
import { guardedHealth, guardedTest } from '../../plugins/guarded.js';
import { createRegistryConnector } from './client.js';
import { type OciConfig, OciConfigSchema } from './config.js';
import { checkHealth, testConnection } from './connection.js';
import { describeFailure } from './errors.js';
import { createSession, createSharedState } from './session.js';

export interface OciPluginOptions {
  /** Epoch milliseconds (token expiry). Default `Date.now`. */
  readonly now?: () => number;
}

/**
 * Creates the `oci` provider: any container registry that speaks the distribution API v2. Tokens and
 * the registries' challenges are cached in the returned instance, per tenant, integration and
 * credential.
 *
 * @example
 * const plugin = createOciPlugin();
 * // register: { provider: 'oci', type: 'registry', endpoint: 'https://registry.example.com',
 * //   authRef: 'authref://local/<id>' (holding { username, password }), config: { repositories: ['acme/app'] } }
 */
export function createOciPlugin(options: OciPluginOptions = {}): ConnectorPlugin<OciConfig> {
  const shared = createSharedState(options.now);
  return {
    provider: 'oci',
    displayName: 'OCI registry (distribution API v2)',
    types: ['registry'],
    configSchema: OciConfigSchema,
    capabilities: REGISTRY_CAPABILITIES,
    checkAvailability: () => ({ available: true }),
    testConnection: (context) =>
      guardedTest(() => testConnection(createSession(context, shared)), describeFailure),
    checkHealth: (context) =>
      guardedHealth(() => checkHealth(createSession(context, shared)), describeFailure),
    registry: (context) => createRegistryConnector(() => createSession(context, shared)),
  };
}

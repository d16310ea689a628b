import { type ConnectorPlugin, REGISTRY_CAPABILITIES } from '../../plugins/contracts.js';
import { guardedHealth, guardedTest } from '../../plugins/guarded.js';
import { describeFailure } from '../oci/index.js';
import { createEcrShared } from './aws-keys.js';
import { type EcrConfig, EcrConfigSchema } from './config.js';
import { checkHealth, testConnection } from './connection.js';
import { createOperation } from './exchange.js';
import { createEcrRegistryConnector } from './registry.js';

export interface EcrPluginOptions {
  /** Epoch milliseconds (expiry of registry logins and role sessions). Default `Date.now`. */
  readonly now?: () => number;
}

/**
 * Creates the `ecr` provider (Amazon Elastic Container Registry): AWS keys (or a role they assume)
 * become a registry login through ECR's `GetAuthorizationToken`; the registry is then read through
 * the `oci` provider's session, repositories through `DescribeRepositories`. Registry logins and role
 * sessions are cached in the returned instance, per tenant, integration and credential.
 *
 * @example
 * const plugin = createEcrPlugin();
 * // register: { provider: 'ecr', type: 'registry', endpoint: 'https://123456789012.dkr.ecr.eu-west-1.amazonaws.com',
 * //   authRef: 'authref://local/<id>' (holding { accessKeyId, secretAccessKey }), config: {} }
 */
export function createEcrPlugin(options: EcrPluginOptions = {}): ConnectorPlugin<EcrConfig> {
  const shared = createEcrShared(options.now);
  return {
    provider: 'ecr',
    displayName: 'Amazon ECR',
    types: ['registry'],
    configSchema: EcrConfigSchema,
    capabilities: REGISTRY_CAPABILITIES,
    checkAvailability: () => ({ available: true }),
    testConnection: (context) =>
      guardedTest(() => testConnection(createOperation(context, shared)), describeFailure),
    checkHealth: (context) =>
      guardedHealth(() => checkHealth(createOperation(context, shared)), describeFailure),
    registry: (context) => createEcrRegistryConnector(() => createOperation(context, shared)),
  };
}

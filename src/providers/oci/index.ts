/**
 * The `oci` provider: any container registry that speaks the distribution API v2, read through its
 * catalog, tags and manifests. See README.md in this folder.
 *
 * @example
 * import { createOciPlugin } from '../providers/oci/index.js';
 * const plugins = [asConnectorPlugin(createOciPlugin())];
 */

export { createRegistryConnector, MEDIA_TYPES } from './client.js';
export { type OciConfig, OciConfigSchema } from './config.js';
export { MAX_TESTED_REPOSITORIES } from './connection.js';
export {
  describeAnswer,
  describeFailure,
  RegistryAuthError,
  RegistryProtocolError,
  registryErrorsOf,
} from './errors.js';
export { createOciPlugin, type OciPluginOptions } from './plugin.js';
export {
  type CredentialExchange,
  createSession,
  createSharedState,
  type RegistryLogin,
  type RegistrySession,
  registryBaseOf,
  type SessionOptions,
  type SharedState,
} from './session.js';
export { type Challenge, parseChallenges, parseScopes } from './www-authenticate.js';

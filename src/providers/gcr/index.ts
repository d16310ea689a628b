/**
 * The `gcr` provider: Google Artifact Registry and Container Registry, logged in to with an access
 * token minted from a service-account key. See README.md in this folder.
 *
 * @example
 * import { createGcrPlugin } from '../providers/gcr/index.js';
 * const plugins = [asConnectorPlugin(createGcrPlugin())];
 */

export { CLOUD_PLATFORM_SCOPE, type GcrConfig, GcrConfigSchema } from './config.js';
export { describeRegistry, type GoogleRegistry, googleRegistryOf } from './endpoint.js';
export { ACCESS_TOKEN_USERNAME, googleExchange } from './exchange.js';
export { ASSERTION_LIFETIME_SECONDS, signAssertion } from './jwt.js';
export {
  GOOGLE_TOKEN_URI,
  type GoogleCredential,
  LEGACY_GOOGLE_TOKEN_URI,
  readGoogleCredential,
  type ServiceAccountKey,
} from './key.js';
export { createGcrPlugin, type GcrPluginOptions } from './plugin.js';
export { type AccessToken, JWT_BEARER_GRANT, mintAccessToken } from './token-service.js';
export { tokenUriOf } from './token-uri.js';

/**
 * The `acr` provider: Azure Container Registry, read through the distribution API with a login made
 * from a service principal (Microsoft Entra ID, then ACR's `/oauth2/exchange`) or the admin user or a
 * repository-scoped token. See README.md in this folder.
 *
 * @example
 * import { createAcrPlugin } from '../providers/acr/index.js';
 * const plugins = [asConnectorPlugin(createAcrPlugin())];
 */

export { type AcrConfig, AcrConfigSchema, type AzureCloud, cloudOf, readAcrSettings } from './config.js';
export { type AcrCredential, readCredential } from './credential.js';
export { readEntraError, requestEntraToken } from './entra.js';
export {
  createAcrExchange,
  exchangeForRefreshToken,
  FALLBACK_REFRESH_LIFE_MS,
  REFRESH_TOKEN_USERNAME,
  refreshTokenExpiresAt,
} from './exchange.js';
export { type AcrPluginOptions, createAcrPlugin } from './plugin.js';

/**
 * The `ghcr` provider: GitHub Container Registry, its images listed through GitHub's packages API and
 * read through ghcr.io's `/v2/`. See README.md in this folder.
 *
 * @example
 * import { createGhcrPlugin } from '../providers/ghcr/index.js';
 * const plugins = [asConnectorPlugin(createGhcrPlugin())];
 */

export { GITHUB_API_VERSION, READ_PACKAGES, tokenOf } from './api.js';
export {
  apiBaseOf,
  DEFAULT_API_URL,
  DEFAULT_REGISTRY,
  type GhcrConfig,
  GhcrConfigSchema,
  repositoryOf,
} from './config.js';
export { RATE_LIMIT_LOW_SHARE, readRateLimit } from './health.js';
export { GITHUB_PAGE_SIZE } from './packages.js';
export { createGhcrPlugin, type GhcrPluginOptions } from './plugin.js';

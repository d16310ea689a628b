/**
 * The `quay` provider: quay.io and Red Hat Quay, through its health endpoints, its API (`/api/v1`,
 * with an OAuth application token) and its registry side (`/v2/`). See README.md in this folder.
 *
 * @example
 * import { createQuayPlugin } from '../providers/quay/index.js';
 * const plugins = [asConnectorPlugin(createQuayPlugin())];
 */

export { quayUrlsOf } from './api.js';
export { type QuayConfig, QuayConfigSchema } from './config.js';
export { MAX_TESTED } from './connection.js';
export { identityOf, type QuayCredential, readCredential } from './credential.js';
export { type HealthReading, readHealthAnswer } from './health.js';
export { createQuayPlugin, type QuayPluginOptions } from './plugin.js';
export { splitRepository } from './registry.js';

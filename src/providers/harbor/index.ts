/**
 * The `harbor` provider: Harbor 2.x, through its API (`/api/v2.0`) and its registry side (`/v2/`).
 * See README.md in this folder.
 *
 * @example
 * import { createHarborPlugin } from '../providers/harbor/index.js';
 * const plugins = [asConnectorPlugin(createHarborPlugin())];
 */

export { harborUrlsOf, ROBOT_PREFIX } from './api.js';
export { type HarborConfig, HarborConfigSchema } from './config.js';
export { MAX_TESTED_PROJECTS } from './connection.js';
export { CRITICAL_COMPONENTS, readComponents } from './health.js';
export { createHarborPlugin, type HarborPluginOptions } from './plugin.js';
export { splitRepository } from './registry.js';

/**
 * The `dockerhub` provider: Docker Hub, through its API (repositories of namespaces) and its registry
 * (`registry-1.docker.io`), with its pull limit as health. See README.md in this folder.
 *
 * @example
 * import { createDockerHubPlugin } from '../providers/dockerhub/index.js';
 * const plugins = [asConnectorPlugin(createDockerHubPlugin())];
 */

export { type DockerHubConfig, DockerHubConfigSchema } from './config.js';
export { MAX_TESTED } from './connection.js';
export { DOCKER_HUB_REGISTRY, registryEndpointOf, registryRepositoryOf } from './endpoint.js';
export { describeFailure } from './errors.js';
export { RATE_LIMIT_PREVIEW } from './health.js';
export { createDockerHubPlugin, type DockerHubPluginOptions } from './plugin.js';
export { parseLimitHeader, pullLimitHealth, readPullLimit, tooManyRequests } from './rate-limit.js';
export { DockerHubRateLimitError } from './registry.js';

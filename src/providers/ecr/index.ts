/**
 * The `ecr` provider: Amazon Elastic Container Registry, reached with AWS keys (or a role they
 * assume) through ECR's API, and read through the `oci` provider. See README.md in this folder.
 *
 * @example
 * import { createEcrPlugin } from '../providers/ecr/index.js';
 * const plugins = [asConnectorPlugin(createEcrPlugin())];
 */

export { type EcrConfig, EcrConfigSchema, REGION_PATTERN } from './config.js';
export { ACCEPTED_SHAPES, type AwsCredential, type AwsKeys, readAwsCredential } from './credentials.js';
export {
  defaultApiEndpoint,
  defaultStsEndpoint,
  type EcrEndpoints,
  parseRegistryHost,
  type RegistryHost,
  readEndpoints,
} from './endpoint.js';
export { awsFailure, ecrFailure, stsFailure } from './errors.js';
export { createEcrPlugin, type EcrPluginOptions } from './plugin.js';

import { createAcrPlugin } from '../providers/acr/plugin.js';
import { createDockerHubPlugin } from '../providers/dockerhub/plugin.js';
import { createEcrPlugin } from '../providers/ecr/plugin.js';
import { createGcrPlugin } from '../providers/gcr/plugin.js';
import { createGhcrPlugin } from '../providers/ghcr/plugin.js';
import { createGitHubAppPlugin } from '../providers/github-app/plugin.js';
import { createGitLabPlugin } from '../providers/gitlab/plugin.js';
import { createHarborPlugin } from '../providers/harbor/plugin.js';
import { createInMemoryPlugin } from '../providers/in-memory/plugin.js';
import { createOciPlugin } from '../providers/oci/plugin.js';
import { createQuayPlugin } from '../providers/quay/plugin.js';
import { asConnectorPlugin, type ConnectorPlugin } from './contracts.js';

/**
 * Every built-in provider, in one explicit list. A test fails when a folder under `providers/` is
 * missing from it.
 */
export function builtinPlugins(): ConnectorPlugin[] {
  return [
    asConnectorPlugin(createInMemoryPlugin()),
    asConnectorPlugin(createGitHubAppPlugin()),
    asConnectorPlugin(createGitLabPlugin()),
    asConnectorPlugin(createHarborPlugin()),
    asConnectorPlugin(createOciPlugin()),
    asConnectorPlugin(createEcrPlugin()),
    asConnectorPlugin(createGcrPlugin()),
    asConnectorPlugin(createAcrPlugin()),
    asConnectorPlugin(createQuayPlugin()),
    asConnectorPlugin(createGhcrPlugin()),
    asConnectorPlugin(createDockerHubPlugin()),
  ];
}

/** The provider folders the list above covers, checked against `src/providers/*` by a test. */
export const BUILTIN_PROVIDER_FOLDERS = [
  'in-memory',
  'github-app',
  'gitlab',
  'harbor',
  'oci',
  'ecr',
  'gcr',
  'acr',
  'quay',
  'ghcr',
  'dockerhub',
] as const;

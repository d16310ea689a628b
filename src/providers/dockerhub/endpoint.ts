import { InvalidInputError } from '../../core/errors.js';
import { isRepositoryName } from '../../core/registry-names.js';
import { registryBaseOf } from '../oci/index.js';
import type { DockerHubConfig } from './config.js';

/** Docker Hub's registry, where images are pulled from. */
export const DOCKER_HUB_REGISTRY = 'https://registry-1.docker.io';

/**
 * Names under which people paste Docker Hub's registry: the image reference host (`docker.io`), the
 * `config.json` key (`https://index.docker.io/v1/`), the registry's own host, and its old alias.
 */
const REGISTRY_ALIASES: ReadonlySet<string> = new Set([
  'docker.io',
  'index.docker.io',
  'registry-1.docker.io',
  'registry.hub.docker.com',
]);

/**
 * The registry endpoint from what a user pasted: any of Docker Hub's names becomes
 * `https://registry-1.docker.io` (with any `/v1/` or `/v2/` dropped); another URL (a mirror, a test
 * front) is kept, checked as any registry URL. Docker Hub's website and API host is refused with the
 * endpoint to use instead.
 *
 * @example
 * registryEndpointOf('https://index.docker.io/v1/', config); // 'https://registry-1.docker.io'
 */
export function registryEndpointOf(endpoint: string, config: Pick<DockerHubConfig, 'plainHttp'>): string {
  let url: URL;
  try {
    url = new URL(endpoint.trim());
  } catch {
    throw InvalidInputError.field(
      'endpoint',
      `is not a URL; Docker Hub's registry is ${DOCKER_HUB_REGISTRY}`,
    );
  }
  const host = url.hostname.toLowerCase();
  if (host === 'hub.docker.com' || host === 'www.docker.com')
    throw InvalidInputError.field(
      'endpoint',
      `is Docker Hub's website; the endpoint is the registry, ${DOCKER_HUB_REGISTRY} (the API address goes in config.hubApiUrl, default https://hub.docker.com)`,
    );
  if (REGISTRY_ALIASES.has(host)) {
    if (
      url.protocol !== 'https:' ||
      url.port !== '' ||
      url.username ||
      url.password ||
      url.search ||
      url.hash
    )
      throw InvalidInputError.field(
        'endpoint',
        `must be ${DOCKER_HUB_REGISTRY} (https, no port, no credentials)`,
      );
    if (!/^\/(?:v[12]\/?)?$/.test(url.pathname))
      throw InvalidInputError.field('endpoint', `must be ${DOCKER_HUB_REGISTRY} without a path`);
    return DOCKER_HUB_REGISTRY;
  }
  // The same rules as any registry URL: https unless plainHttp, no credentials, query or fragment.
  const base = registryBaseOf(endpoint.trim(), config);
  return new URL('../', base).href.replace(/\/$/, '');
}

/** `<hubApiUrl>/`, checked: https (http only with plainHttp), no credentials, query or fragment. */
export function hubApiBaseOf(config: Pick<DockerHubConfig, 'hubApiUrl' | 'plainHttp'>): URL {
  let url: URL;
  try {
    url = new URL(config.hubApiUrl);
  } catch {
    throw InvalidInputError.field('config.hubApiUrl', 'is not a URL (default https://hub.docker.com)');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && config.plainHttp))
    throw InvalidInputError.field(
      'config.hubApiUrl',
      'must be an https:// URL (plain http only with config.plainHttp: the access token would cross the network unencrypted)',
    );
  if (url.username || url.password)
    throw InvalidInputError.field('config.hubApiUrl', 'must not hold credentials');
  if (url.search || url.hash)
    throw InvalidInputError.field('config.hubApiUrl', 'must not have a query or fragment');
  return new URL(`${url.origin}${url.pathname.replace(/\/+$/, '')}/`);
}

/**
 * A repository as the registry names it: official images are `library/<name>` there, so a name of one
 * component (`nginx`) gets that prefix. Anything that is not a repository name is invalid input.
 *
 * @example
 * registryRepositoryOf('nginx'); // 'library/nginx'
 * registryRepositoryOf('acme/app'); // 'acme/app'
 */
export function registryRepositoryOf(repository: string): string {
  if (!isRepositoryName(repository))
    throw InvalidInputError.field(
      'repository',
      'must be a Docker Hub repository name: <namespace>/<name> in lower case (or an official image such as nginx)',
    );
  return repository.includes('/') ? repository : `library/${repository}`;
}

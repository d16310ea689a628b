import { InvalidInputError } from '../../core/errors.js';
import { registryBaseOf } from '../oci/index.js';
import type { GcrConfig } from './config.js';

/** Container Registry's hosts: the global one and the three multi-regions. */
const CONTAINER_REGISTRY_HOSTS: ReadonlySet<string> = new Set([
  'gcr.io',
  'us.gcr.io',
  'eu.gcr.io',
  'asia.gcr.io',
]);

/** Artifact Registry's Docker hosts: `<location>-docker.pkg.dev` (`us-central1`, `europe`, `asia`…). */
const ARTIFACT_REGISTRY_HOST = /^([a-z][a-z0-9-]{0,40}[a-z0-9])-docker\.pkg\.dev$/;

/** Which of Google's registries an endpoint is. */
export type GoogleRegistry =
  | { readonly kind: 'artifact_registry'; readonly host: string; readonly location: string }
  | { readonly kind: 'container_registry'; readonly host: string }
  | { readonly kind: 'other'; readonly host: string };

/**
 * The registry an endpoint names, checked: one of Google's registry hosts over https, with no path
 * (images are named below the host: `<host>/<project>/…`). Any other host only with
 * `config.nonGoogleHost`, since the service account's access tokens go wherever the endpoint points.
 *
 * @example
 * googleRegistryOf('https://europe-west1-docker.pkg.dev', config); // { kind: 'artifact_registry', location: 'europe-west1', … }
 */
export function googleRegistryOf(
  endpoint: string,
  config: Pick<GcrConfig, 'plainHttp' | 'nonGoogleHost'>,
): GoogleRegistry {
  const base = registryBaseOf(endpoint, config);
  const host = base.hostname.toLowerCase();
  const location = ARTIFACT_REGISTRY_HOST.exec(host)?.[1];
  const google = location !== undefined || CONTAINER_REGISTRY_HOSTS.has(host);
  if (!google) {
    if (config.nonGoogleHost) return { kind: 'other', host: base.host };
    throw InvalidInputError.field(
      'endpoint',
      `is not one of Google's registry hosts (https://gcr.io, https://us.gcr.io, https://eu.gcr.io, https://asia.gcr.io, https://<location>-docker.pkg.dev); set config.nonGoogleHost to true to send the service account's access tokens to ${host}`,
    );
  }
  if (base.protocol !== 'https:' || base.port !== '')
    throw InvalidInputError.field(
      'endpoint',
      `must be https://${host} (Google's registries speak https on port 443)`,
    );
  if (base.pathname !== '/v2/')
    throw InvalidInputError.field(
      'endpoint',
      `must be https://${host} without a path: the project and repository are part of each image's name`,
    );
  return location === undefined
    ? { kind: 'container_registry', host }
    : { kind: 'artifact_registry', host, location };
}

/** `Artifact Registry (europe-west1)`, `Container Registry (gcr.io)`, for messages. */
export function describeRegistry(registry: GoogleRegistry): string {
  if (registry.kind === 'artifact_registry') return `Artifact Registry (${registry.location})`;
  if (registry.kind === 'container_registry') return `Container Registry (${registry.host})`;
  return `the registry at ${registry.host}`;
}

import { InvalidInputError } from '../../core/errors.js';
import { isRepositoryName } from '../../core/registry-names.js';
import type { HttpResponse } from '../../net/index.js';
import { RegistryProtocolError } from './errors.js';
import type { Scope } from './www-authenticate.js';

/* What the registry readers share: the media types asked for, the pull scope, name checks, JSON bodies. */

/** Manifest media types, newest first; all are sent, or distribution 2.8 answers 404 for OCI ones. */
export const MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
} as const;

/** Every manifest type, for an Accept header. */
export const MANIFEST_ACCEPT = Object.values(MEDIA_TYPES).join(', ');

export const pull = (repository: string): Scope => ({
  type: 'repository',
  name: repository,
  actions: ['pull'],
});

export function checkRepository(repository: string): void {
  if (!isRepositoryName(repository))
    throw InvalidInputError.field(
      'repository',
      'must be a repository name as registries know them (lower case, e.g. acme/app)',
    );
}

export function jsonOf(response: HttpResponse, what: string): unknown {
  try {
    return response.json();
  } catch {
    throw new RegistryProtocolError(`${what} did not answer JSON (HTTP ${response.status})`);
  }
}

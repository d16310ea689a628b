import { UnprocessableError, UpstreamError } from '../../core/errors.js';
import { HttpError } from '../../net/index.js';
import type { PageOf, PageOptions, RegistryConnector } from '../../plugins/contracts.js';
import { createRegistryConnector, type RegistrySession } from '../oci/index.js';
import type { DockerHubConfig } from './config.js';
import { decodeCursor, encodeCursor, pageSizeOf } from './cursor.js';
import { registryRepositoryOf } from './endpoint.js';
import { HUB_PAGE_SIZE, type HubApi } from './hub-api.js';
import { tooManyRequests } from './rate-limit.js';

/**
 * The registry reader of the `dockerhub` provider: repositories from Docker Hub's API (the registry
 * has no `_catalog`), namespace after namespace; tags, manifests and referrers from the registry
 * (`registry-1.docker.io/v2/`) through the `oci` provider's reader, which resolves with a `HEAD`
 * first (a `HEAD` is not a pull). Official images are `library/<name>` on the registry, so `nginx`
 * is read as `library/nginx`.
 */
export function createDockerHubConnector(
  api: () => HubApi,
  config: DockerHubConfig,
  registry: () => RegistrySession,
): Required<RegistryConnector> {
  const oci = createRegistryConnector(registry);
  return {
    listRepositories: async (options = {}) => listRepositories(api, config, options),
    listTags: (repository, options = {}) =>
      rateLimited(() => oci.listTags(registryRepositoryOf(repository), options)),
    resolveReference: (repository, reference) =>
      rateLimited(() => oci.resolveReference(registryRepositoryOf(repository), reference)),
    listReferrers: (repository, digest, options = {}) =>
      rateLimited(() => oci.listReferrers(registryRepositoryOf(repository), digest, options)),
  };
}

/** A 429 from Docker Hub, saying which: the pull limit or the anti-abuse protection. Transient. */
export class DockerHubRateLimitError extends UpstreamError {
  override readonly code = 'registry_rate_limited';
  readonly kind: 'pull_limit' | 'anti_abuse';

  constructor(kind: 'pull_limit' | 'anti_abuse', message: string, cause: unknown) {
    super(message, { isTransient: true, cause });
    this.kind = kind;
  }
}

/** Runs a registry read, turning Docker Hub's 429 into words that say which limit it was. */
export async function rateLimited<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (!(error instanceof HttpError) || error.status !== 429) throw error;
    const body = (error.details as { body?: string } | undefined)?.body;
    const { kind, message } = tooManyRequests({}, body);
    throw new DockerHubRateLimitError(kind, message, error);
  }
}

async function listRepositories(
  api: () => HubApi,
  config: DockerHubConfig,
  options: PageOptions,
): Promise<PageOf<string>> {
  const size = pageSizeOf(options);
  const namespaces = [...(config.namespaces ?? [])].sort();
  if (namespaces.length > 0) return listNamespaces(api(), namespaces, size, options.cursor);
  const configured = [...new Set((config.repositories ?? []).map(registryRepositoryOf))].sort();
  if (configured.length === 0)
    throw new UnprocessableError(
      'registry_catalog_unavailable',
      'Docker Hub has no catalog to list: set config.namespaces (the users or organisations whose repositories to list) or config.repositories',
    );
  const at = decodeCursor('configured', options.cursor);
  const items = configured.slice(at.s, at.s + size);
  return at.s + size < configured.length
    ? { items, nextCursor: encodeCursor({ k: 'configured', s: at.s + size }) }
    : { items };
}

/**
 * Up to `size` repositories from where the cursor points: Docker Hub's pages of 100 read in turn,
 * following each page's `next` (checked to stay on Docker Hub's origin and listing), then the next
 * namespace.
 */
async function listNamespaces(
  api: HubApi,
  namespaces: readonly string[],
  size: number,
  cursor: string | undefined,
): Promise<PageOf<string>> {
  const at = decodeCursor('hub', cursor);
  if (at.n >= namespaces.length) return { items: [] };
  const items: string[] = [];
  for (let index = at.n, page = at.p, skip = at.s; index < namespaces.length; index++, page = 1, skip = 0) {
    const namespace = namespaces[index]!;
    let target: { page: number; pageSize: number } | URL = { page, pageSize: HUB_PAGE_SIZE };
    for (;;) {
      const answer = await api.listRepositories(namespace, target);
      const rest = answer.repositories.slice(skip);
      const taken = rest.slice(0, size - items.length);
      items.push(...taken);
      if (items.length >= size) {
        if (taken.length < rest.length)
          return { items, nextCursor: encodeCursor({ k: 'hub', n: index, p: page, s: skip + taken.length }) };
        if (answer.nextPage !== undefined)
          return { items, nextCursor: encodeCursor({ k: 'hub', n: index, p: answer.nextPage, s: 0 }) };
        return index + 1 < namespaces.length
          ? { items, nextCursor: encodeCursor({ k: 'hub', n: index + 1, p: 1, s: 0 }) }
          : { items };
      }
      if (answer.next === undefined || answer.nextPage === undefined) break;
      target = answer.next;
      page = answer.nextPage;
      skip = 0;
    }
  }
  return { items };
}

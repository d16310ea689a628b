import { NotFoundError, UpstreamError } from '../../core/errors.js';
import type { PageOf, PageOptions, RegistryConnector } from '../../plugins/contracts.js';
import type { InMemoryConfig } from './config.js';

/**
 * A registry serving the images listed in the integration's config, with cursor paging. An image with
 * `platforms` is an index and resolves with them; an image's `referrers` are what its digest's
 * referrers are, as a registry with the referrers API lists them. `config.registryFailure` makes every read throw the
 * `UpstreamError` a real registry's failure would (transient: down; permanent: credentials refused).
 */
export function createInMemoryRegistry(config: InMemoryConfig): Required<RegistryConnector> {
  const images = config.images;
  const failIfScripted = () => {
    if (config.registryFailure === 'transient') {
      throw new UpstreamError('in-memory registry: scripted transient failure', { isTransient: true });
    }
    if (config.registryFailure === 'permanent') {
      throw new UpstreamError('in-memory registry: scripted permanent failure', { isTransient: false });
    }
  };
  return {
    async listRepositories(options) {
      failIfScripted();
      return page([...new Set(images.map((image) => image.repository))].sort(), options);
    },
    async listTags(repository, options) {
      failIfScripted();
      const tags = images.filter((image) => image.repository === repository).map((image) => image.tag);
      if (tags.length === 0) throw new NotFoundError('repository', repository);
      return page([...new Set(tags)].sort(), options);
    },
    async resolveReference(repository, reference) {
      failIfScripted();
      const image = images.find(
        (candidate) =>
          candidate.repository === repository &&
          (candidate.tag === reference || candidate.digest === reference),
      );
      if (!image) {
        const separator = reference.includes(':') ? '@' : ':';
        throw new NotFoundError('image', `${repository}${separator}${reference}`);
      }
      return {
        digest: image.digest,
        mediaType: image.mediaType,
        ...(image.platforms ? { platforms: image.platforms.map((platform) => ({ ...platform })) } : {}),
      };
    },
    async listReferrers(repository, digest, options = {}) {
      failIfScripted();
      const known = images.filter((image) => image.repository === repository);
      if (known.length === 0) throw new NotFoundError('repository', repository);
      const image = known.find((candidate) => candidate.digest === digest);
      if (!image) throw new NotFoundError('image', `${repository}@${digest}`);
      const items = (image.referrers ?? [])
        .filter((referrer) => !options.artifactType || referrer.artifactType === options.artifactType)
        .map((referrer) => ({
          ...referrer,
          ...(referrer.annotations ? { annotations: { ...referrer.annotations } } : {}),
        }));
      return { items, source: 'referrers_api' };
    },
  };
}

function page(all: readonly string[], options: PageOptions = {}): PageOf<string> {
  const size = Math.max(1, Math.min(options.pageSize ?? 100, 1000));
  const start = options.cursor ? all.findIndex((item) => item > options.cursor!) : 0;
  if (start === -1) return { items: [] };
  const items = all.slice(start, start + size);
  const more = start + size < all.length;
  return more ? { items, nextCursor: items.at(-1)! } : { items };
}

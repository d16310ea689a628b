import { NotFoundError } from '../../core/errors.js';
import type { PageOf, PageOptions, RegistryConnector } from '../../plugins/contracts.js';
import type { InMemoryConfig } from './config.js';

/** A registry serving the images listed in the integration's config, with cursor paging. */
export function createInMemoryRegistry(config: InMemoryConfig): RegistryConnector {
  const images = config.images;
  return {
    async listRepositories(options) {
      return page([...new Set(images.map((image) => image.repository))].sort(), options);
    },
    async listTags(repository, options) {
      const tags = images.filter((image) => image.repository === repository).map((image) => image.tag);
      if (tags.length === 0) throw new NotFoundError('repository', repository);
      return page([...new Set(tags)].sort(), options);
    },
    async resolveReference(repository, reference) {
      const image = images.find(
        (candidate) =>
          candidate.repository === repository &&
          (candidate.tag === reference || candidate.digest === reference),
      );
      if (!image) throw new NotFoundError('image', `${repository}:${reference}`);
      return { digest: image.digest, mediaType: image.mediaType };
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

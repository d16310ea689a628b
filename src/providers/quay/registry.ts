import { InvalidInputError } from '../../core/errors.js';
import { isRepositoryName } from '../../core/registry-names.js';
import type { PageOf, PageOptions, RegistryConnector } from '../../plugins/contracts.js';
import {
  createRegistryConnector,
  RegistryAuthError,
  RegistryProtocolError,
  type RegistrySession,
} from '../oci/index.js';
import type { QuayApi } from './api.js';
import type { QuayCredential } from './credential.js';
import { jsonOf } from './errors.js';
import {
  decodeRepositoryCursor,
  decodeTagCursor,
  encodeCursor,
  isApiCursor,
  pageSizeOf,
  QUAY_TAG_PAGE_SIZE,
} from './paging.js';

/**
 * The registry reader of the `quay` provider. With an API token: repositories from Quay's API
 * (`GET /api/v1/repository?namespace=`, paged by `next_page`) and tags from it (`GET
 * /api/v1/repository/<ns>/<repo>/tag/`, active tags only, paged until `has_additional` is false); a
 * tag listing the API refuses (401/403: a private repository the token's user cannot read) falls
 * back to the registry's `tags/list`. Without one: the registry's catalog (Quay lists what the robot
 * may see) and `tags/list`, through the `oci` provider. Manifests and referrers always come from the
 * registry side.
 */

/** Quay pages read for one page of ours at most: a `next_page` that never ends is a broken answer. */
const MAX_QUAY_READS = 50;

export function createQuayRegistryConnector(
  api: () => QuayApi,
  registry: () => RegistrySession,
): Required<RegistryConnector> {
  const oci = () => createRegistryConnector(registry);
  return {
    async listRepositories(options = {}) {
      const current = api();
      const credential = await current.credential();
      if (credential?.apiToken) return listRepositories(current, namespacesOf(current, credential), options);
      return listCatalog(oci(), current.config.namespaces, options);
    },
    async listTags(repository, options = {}) {
      const current = api();
      splitRepository(repository);
      const credential = await current.credential();
      if (!credential?.apiToken || (options.cursor !== undefined && !isApiCursor(options.cursor)))
        return oci().listTags(repository, options);
      try {
        return await listTags(current, repository, options);
      } catch (error) {
        // A private repository the token's user cannot read: the robot may. A page in the middle of
        // an API listing cannot be resumed from the registry, so only a first page falls back.
        if (options.cursor === undefined && error instanceof RegistryAuthError)
          return oci().listTags(repository, options);
        throw error;
      }
    },
    async resolveReference(repository, reference) {
      splitRepository(repository);
      return oci().resolveReference(repository, reference);
    },
    async listReferrers(repository, digest, options) {
      splitRepository(repository);
      return oci().listReferrers(repository, digest, options);
    },
  };
}

/** The configured namespaces, else the one the login belongs to (the robot's organisation, the user). */
export function namespacesOf(api: QuayApi, credential: QuayCredential | undefined): string[] {
  const configured = api.config.namespaces ?? [];
  if (configured.length > 0) return [...configured].sort();
  return credential ? [credential.namespace] : [];
}

/** `namespace/name` → Quay's parts; the name may hold further slashes (nested repository names). */
export function splitRepository(repository: string): { namespace: string; name: string } {
  const slash = repository.indexOf('/');
  if (!isRepositoryName(repository) || slash < 0)
    throw InvalidInputError.field(
      'repository',
      'must be a Quay repository name: the namespace (organisation or user), a slash, then the name in lower case (e.g. acme/app)',
    );
  return { namespace: repository.slice(0, slash), name: repository.slice(slash + 1) };
}

/** The API path of a repository: each segment encoded, the slashes kept (Quay's `<apirepopath>`). */
export function repositoryPath(repository: string): string {
  return repository.split('/').map(encodeURIComponent).join('/');
}

export async function readRepositoryPage(api: QuayApi, namespace: string, token: string | undefined) {
  const what = 'GET /api/v1/repository';
  const response = await api.get('repository', {
    query: { namespace, next_page: token },
    notFound: ['namespace', namespace],
    operation: 'list_quay_repositories',
  });
  const body = jsonOf(response, what) as { repositories?: unknown; next_page?: unknown } | null;
  const list = body?.repositories;
  if (!Array.isArray(list)) throw new RegistryProtocolError(`Quay's ${what} answered no repositories list`);
  const names = list.map((item: unknown) => {
    const { namespace: owner, name } = (item ?? {}) as { namespace?: unknown; name?: unknown };
    const full = `${String(owner)}/${String(name)}`;
    if (typeof owner !== 'string' || typeof name !== 'string' || !isRepositoryName(full))
      throw new RegistryProtocolError(
        `Quay's ${what} answered a repository without a valid namespace and name`,
      );
    return full;
  });
  const next = body?.next_page;
  if (next !== undefined && next !== null && (typeof next !== 'string' || next.length > 2048))
    throw new RegistryProtocolError(`Quay's ${what} answered a next_page that is not a page token`);
  return { names, ...(typeof next === 'string' && next !== '' ? { next } : {}) };
}

/** Repositories of each namespace in turn, through the API. */
async function listRepositories(
  api: QuayApi,
  namespaces: readonly string[],
  options: PageOptions,
): Promise<PageOf<string>> {
  const size = pageSizeOf(options);
  let { n, t, o } = decodeRepositoryCursor(options.cursor);
  const items: string[] = [];
  for (let reads = 0; n < namespaces.length; reads++) {
    if (reads >= MAX_QUAY_READS)
      throw new RegistryProtocolError(
        `Quay's GET /api/v1/repository gave ${MAX_QUAY_READS} pages in a row without ending; its next_page does not advance`,
      );
    const page = await readRepositoryPage(api, namespaces[n]!, t);
    const rest = page.names.slice(o);
    const taken = rest.slice(0, size - items.length);
    items.push(...taken);
    if (items.length >= size) {
      if (taken.length < rest.length)
        return {
          items,
          nextCursor: encodeCursor('repositories', { n, ...(t ? { t } : {}), o: o + taken.length }),
        };
      if (page.next) return { items, nextCursor: encodeCursor('repositories', { n, t: page.next, o: 0 }) };
      return n + 1 < namespaces.length
        ? { items, nextCursor: encodeCursor('repositories', { n: n + 1, o: 0 }) }
        : { items };
    }
    o = 0;
    if (page.next) t = page.next;
    else {
      n += 1;
      t = undefined;
    }
  }
  return { items };
}

/**
 * The registry's catalog through the `oci` provider; with namespaces configured, only their
 * repositories (read on until the page is full, as the catalog holds others too).
 */
async function listCatalog(
  oci: Required<RegistryConnector>,
  namespaces: readonly string[] | undefined,
  options: PageOptions,
): Promise<PageOf<string>> {
  if (!namespaces?.length) return oci.listRepositories(options);
  const size = pageSizeOf(options);
  const wanted = (name: string) => namespaces.some((namespace) => name.startsWith(`${namespace}/`));
  const items: string[] = [];
  let cursor = options.cursor;
  for (let reads = 0; reads < MAX_QUAY_READS; reads++) {
    const page = await oci.listRepositories({ pageSize: size, ...(cursor ? { cursor } : {}) });
    for (const name of page.items) {
      if (!wanted(name)) continue;
      items.push(name);
      if (items.length === size) {
        const more = name !== page.items.at(-1) || page.nextCursor !== undefined;
        return more ? { items, nextCursor: name } : { items };
      }
    }
    if (!page.nextCursor) return { items };
    cursor = page.nextCursor;
  }
  return cursor ? { items, nextCursor: cursor } : { items };
}

async function readTagPage(api: QuayApi, repository: string, page: number) {
  const what = `GET /api/v1/repository/${repository}/tag/`;
  const response = await api.get(`repository/${repositoryPath(repository)}/tag/`, {
    query: { limit: QUAY_TAG_PAGE_SIZE, page, onlyActiveTags: true },
    notFound: ['repository', repository],
    operation: 'list_quay_tags',
  });
  const body = jsonOf(response, what) as { tags?: unknown; has_additional?: unknown } | null;
  if (!Array.isArray(body?.tags)) throw new RegistryProtocolError(`Quay's ${what} answered no tags list`);
  if (typeof body.has_additional !== 'boolean')
    throw new RegistryProtocolError(`Quay's ${what} answered no has_additional`);
  const names = (body.tags as unknown[]).map((tag) => {
    const name = (tag as { name?: unknown } | null)?.name;
    if (typeof name !== 'string' || name === '')
      throw new RegistryProtocolError(`Quay's ${what} answered a tag without a name`);
    return name;
  });
  if (names.length > QUAY_TAG_PAGE_SIZE)
    throw new RegistryProtocolError(`Quay's ${what} answered more tags than the limit asked for`);
  return { names, more: body.has_additional };
}

/** Active tags through the API, in Quay's order (newest first), read across Quay's pages of 100. */
async function listTags(api: QuayApi, repository: string, options: PageOptions): Promise<PageOf<string>> {
  const size = pageSizeOf(options);
  let { p, o } = decodeTagCursor(options.cursor);
  const items: string[] = [];
  for (;;) {
    const page = await readTagPage(api, repository, p);
    const rest = page.names.slice(o);
    const taken = rest.slice(0, size - items.length);
    items.push(...taken);
    if (items.length >= size) {
      if (taken.length < rest.length)
        return { items, nextCursor: encodeCursor('tags', { p, o: o + taken.length }) };
      return page.more ? { items, nextCursor: encodeCursor('tags', { p: p + 1, o: 0 }) } : { items };
    }
    // An empty page ends the list whatever has_additional says, so a broken answer cannot loop.
    if (!page.more || page.names.length === 0) return { items };
    p += 1;
    o = 0;
  }
}

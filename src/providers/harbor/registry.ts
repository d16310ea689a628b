import { InvalidInputError } from '../../core/errors.js';
import { isRepositoryName } from '../../core/registry-names.js';
import type { PageOf, PageOptions, RegistryConnector } from '../../plugins/contracts.js';
import { createRegistryConnector, type RegistrySession } from '../oci/index.js';
import { HARBOR_PAGE_SIZE, type HarborApi, jsonOf, objectsOf, stringField } from './api.js';
import { decodeCursor, encodeCursor, type HarborPage, morePages, pageSizeOf, window } from './paging.js';

/**
 * The registry reader of the `harbor` provider: repositories and tags from Harbor's API (which knows
 * projects and permissions; `/v2/_catalog` is for system administrators only), manifests from the
 * registry side through the `oci` provider's resolver.
 */
export function createHarborRegistryConnector(
  api: () => HarborApi,
  registry: () => RegistrySession,
): RegistryConnector {
  return {
    listRepositories: async (options = {}) => listRepositories(api(), options),
    listTags: async (repository, options = {}) => listTags(api(), repository, options),
    async resolveReference(repository, reference) {
      splitRepository(repository);
      return createRegistryConnector(registry).resolveReference(repository, reference);
    },
    async listReferrers(repository, digest, options) {
      splitRepository(repository);
      return createRegistryConnector(registry).listReferrers(repository, digest, options);
    },
  };
}

/**
 * `project/name` → Harbor's path parts. The name below the project goes into the path encoded twice
 * (`team/app` → `team%252Fapp`), as Harbor's description says: its router decodes the path once.
 */
export function splitRepository(repository: string): { project: string; encoded: string } {
  const slash = repository.indexOf('/');
  if (!isRepositoryName(repository) || slash < 0)
    throw InvalidInputError.field(
      'repository',
      'must be a Harbor repository name: the project, a slash, then the name in lower case (e.g. acme/app)',
    );
  const name = repository.slice(slash + 1);
  return {
    project: repository.slice(0, slash),
    encoded: encodeURIComponent(encodeURIComponent(name)),
  };
}

async function readRepositories(api: HarborApi, path: string, page: number): Promise<HarborPage<string>> {
  const what = `GET ${path}`;
  const response = await api.get(path, {
    query: { page, page_size: HARBOR_PAGE_SIZE, sort: 'name' },
    notFound: ['project', path.split('/')[1] ?? path],
    operation: 'list_repositories',
  });
  const names = objectsOf(jsonOf(response, what), what).map((item) => stringField(item, 'name', what));
  return { items: names, more: morePages(response, page, names.length) };
}

/**
 * Every repository the account may read (`GET /repositories`) when it is a system administrator or no
 * projects are configured; otherwise those of the configured projects, one after the other.
 */
async function listRepositories(api: HarborApi, options: PageOptions): Promise<PageOf<string>> {
  const size = pageSizeOf(options);
  const projects = [...(api.config.projects ?? [])].sort();
  if (projects.length === 0 || (await isSystemAdmin(api))) {
    const at = decodeCursor('all', options.cursor);
    const { items, next } = await window((page) => readRepositories(api, 'repositories', page), at.o, size);
    return next === undefined ? { items } : { items, nextCursor: encodeCursor('all', { o: next }) };
  }
  const at = decodeCursor('projects', options.cursor);
  const items: string[] = [];
  for (let index = at.p ?? 0, offset = at.o; index < projects.length; index++, offset = 0) {
    const path = `projects/${encodeURIComponent(projects[index]!)}/repositories`;
    const found = await window((page) => readRepositories(api, path, page), offset, size - items.length);
    items.push(...found.items);
    if (found.next !== undefined)
      return { items, nextCursor: encodeCursor('projects', { p: index, o: found.next }) };
    if (items.length >= size && index + 1 < projects.length)
      return { items, nextCursor: encodeCursor('projects', { p: index + 1, o: 0 }) };
  }
  return { items };
}

async function isSystemAdmin(api: HarborApi): Promise<boolean> {
  if ((await api.account()).kind !== 'user') return false;
  const response = await api.get('users/current', { operation: 'current_user', allow: [412] });
  const body = response.status === 200 ? jsonOf(response, 'GET users/current') : undefined;
  return (body as { sysadmin_flag?: unknown } | undefined)?.sysadmin_flag === true;
}

/**
 * The tags of a repository: its artifacts with their tags (`with_tag=true`), newest first as Harbor
 * lists them, each artifact's tags in Harbor's order. The cursor is an artifact offset and the tags of
 * that artifact already given.
 */
async function listTags(api: HarborApi, repository: string, options: PageOptions): Promise<PageOf<string>> {
  const size = pageSizeOf(options);
  const { project, encoded } = splitRepository(repository);
  const at = decodeCursor('tags', options.cursor);
  const path = `projects/${encodeURIComponent(project)}/repositories/${encoded}/artifacts`;
  const what = `GET ${path}`;
  const read = async (page: number): Promise<HarborPage<string[]>> => {
    const response = await api.get(path, {
      query: { page, page_size: HARBOR_PAGE_SIZE, with_tag: true },
      notFound: ['repository', repository],
      operation: 'list_tags',
    });
    const artifacts = objectsOf(jsonOf(response, what), what);
    const tags = artifacts.map((artifact) =>
      artifact.tags === undefined || artifact.tags === null
        ? []
        : objectsOf(artifact.tags, `${what} (tags)`).map((tag) => stringField(tag, 'name', what)),
    );
    return { items: tags, more: morePages(response, page, tags.length) };
  };

  const items: string[] = [];
  let artifact = at.o;
  let skip = at.s ?? 0;
  for (;;) {
    // Enough artifacts for the tags still wanted (each has at least one, or none and is passed over).
    const batch = await window(read, artifact, Math.min(size - items.length + 1, HARBOR_PAGE_SIZE));
    for (const [index, tags] of batch.items.entries()) {
      const rest = tags.slice(skip);
      skip = 0;
      const taken = rest.slice(0, size - items.length);
      items.push(...taken);
      if (items.length < size) continue;
      const position = artifact + index;
      if (taken.length < rest.length)
        return {
          items,
          nextCursor: encodeCursor('tags', { o: position, s: tags.length - rest.length + taken.length }),
        };
      const more = index + 1 < batch.items.length || batch.next !== undefined;
      return more ? { items, nextCursor: encodeCursor('tags', { o: position + 1 }) } : { items };
    }
    if (batch.next === undefined) return { items };
    artifact = batch.next;
  }
}

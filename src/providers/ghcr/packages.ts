import { isRepositoryName } from '../../core/registry-names.js';
import { nextLink } from '../../net/index.js';
import { RegistryProtocolError } from '../oci/index.js';
import { type GitHubApi, jsonOf } from './api.js';
import { repositoryOf } from './config.js';

/**
 * An owner's container packages through GitHub's REST API
 * (https://docs.github.com/rest/packages/packages#list-packages-for-an-organization, and `…-for-a-user`):
 * `GET /orgs/{org}/packages?package_type=container` or `GET /users/{username}/packages?…`, `per_page`
 * at most 100, the next page at the `Link: rel="next"` GitHub sends. Each package is pulled from
 * ghcr.io as `<owner>/<package name>`.
 */

/** GitHub answers at most this many items per page. */
export const GITHUB_PAGE_SIZE = 100;
/** Pages one listing call reads at most (a GitHub that keeps sending `next` must not keep us busy). */
const MAX_PAGES_PER_CALL = 20;

export interface PackagesPage {
  /** Repository names (`acme/app`), in GitHub's order. */
  readonly repositories: readonly string[];
  /** The next page GitHub linked, on the API's origin; none on the last page. */
  readonly next?: URL;
}

/** `orgs/<owner>/packages` or `users/<owner>/packages`, below the API's base. */
export function packagesPath(api: GitHubApi): string {
  const { owner, ownerType } = api.config;
  return `${ownerType === 'user' ? 'users' : 'orgs'}/${encodeURIComponent(owner)}/packages`;
}

/** The first request of a listing: GitHub's page `page` (from 1) of `perPage` container packages. */
export function firstPage(api: GitHubApi, perPage: number, page: number) {
  return {
    target: packagesPath(api),
    query: { package_type: 'container', per_page: perPage, page },
  };
}

/**
 * One page of packages at `target` (a path with `query`, or a `Link` GitHub gave). A page that is not a
 * list, a package without a name, or a name no registry can serve is a permanent protocol error.
 */
export async function readPackages(
  api: GitHubApi,
  target: string | URL,
  query?: Readonly<Record<string, string | number>>,
): Promise<PackagesPage> {
  const { owner, ownerType } = api.config;
  const response = await api.get(target, {
    ...(query ? { query } : {}),
    notFound: [ownerType === 'user' ? 'GitHub user' : 'GitHub organisation', owner],
    operation: 'list_packages',
  });
  const what = `GET ${new URL(response.url).pathname}`;
  const body = jsonOf(response, what);
  if (!Array.isArray(body))
    throw new RegistryProtocolError(`GitHub's ${what} did not answer a list of packages`);
  const repositories = body.map((item: unknown) => {
    const name = (item as { name?: unknown } | null)?.name;
    if (typeof name !== 'string' || name === '')
      throw new RegistryProtocolError(`GitHub's ${what} answered a package without a name`);
    const repository = repositoryOf(owner, name);
    if (!isRepositoryName(repository))
      throw new RegistryProtocolError(
        `GitHub's ${what} answered a package name no container registry serves: '${name.slice(0, 100)}'`,
      );
    return repository;
  });
  const next = nextOf(api, response.headers.link, response.url);
  return next ? { repositories, next } : { repositories };
}

/**
 * The `rel="next"` page, resolved against the answer's URL. A link to another origin is ignored (the
 * token would go with it): the listing ends there, with a warning.
 */
function nextOf(api: GitHubApi, header: string | undefined, from: string): URL | undefined {
  const link = nextLink(header);
  if (link === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(link, from);
  } catch {
    throw new RegistryProtocolError(`GitHub sent a Link that is not a URL: '${link.slice(0, 100)}'`);
  }
  if (url.origin === api.base.origin) return url;
  api.context.logger.warn(
    { provider: 'ghcr', operation: 'list_packages', linkOrigin: url.origin },
    'GitHub linked the next page of packages on another origin; not followed, the listing ends here',
  );
  return undefined;
}

/**
 * Up to `want` repositories from item `offset` on, reading GitHub's pages of `min(want, 100)` as
 * needed, and the offset of the next item when there is one.
 *
 * @example
 * const { items, next } = await packagesWindow(api, 0, 250); // three pages of 100, 250 names
 */
export async function packagesWindow(
  api: GitHubApi,
  offset: number,
  want: number,
): Promise<{ items: string[]; next?: number }> {
  const perPage = Math.min(want, GITHUB_PAGE_SIZE);
  const first = firstPage(api, perPage, Math.floor(offset / perPage) + 1);
  let skip = offset % perPage;
  let page = await readPackages(api, first.target, first.query);
  const items: string[] = [];
  for (let read = 1; ; read++) {
    const rest = page.repositories.slice(skip);
    skip = 0;
    const taken = rest.slice(0, want - items.length);
    items.push(...taken);
    if (items.length >= want) {
      const more = rest.length > taken.length || page.next !== undefined;
      return more ? { items, next: offset + items.length } : { items };
    }
    // An empty page ends the list whatever the headers say.
    if (!page.next || page.repositories.length === 0 || read >= MAX_PAGES_PER_CALL) return { items };
    page = await readPackages(api, page.next);
  }
}

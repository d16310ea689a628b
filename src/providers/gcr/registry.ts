import type { PageOf, PageOptions, RegistryConnector } from '../../plugins/contracts.js';
import { pageSizeOf } from '../../plugins/paging.js';
import { createRegistryConnector, type RegistrySession } from '../oci/index.js';

/**
 * The registry reader of the `gcr` provider: the `oci` provider's, on the registry's `/v2/` with
 * logins made from the service-account key. Listing reads `/v2/_catalog` (what the token may see);
 * when the catalog is refused, `config.repositories` stands in as with `oci`, and also when it lists
 * nothing at all, which is what Artifact Registry's catalog answers most accounts. Pages of that list
 * carry cursors `configured:<last name>` (a name never holds a colon), so the next page reads the
 * list again instead of the empty catalog.
 */
export function createGcrRegistryConnector(
  session: () => RegistrySession,
  configured: () => readonly string[],
): RegistryConnector {
  const oci = createRegistryConnector(session);
  return {
    ...oci,
    async listRepositories(options: PageOptions = {}) {
      const names = configured();
      if (options.cursor?.startsWith(CONFIGURED)) return configuredPage(names, options);
      const page = await oci.listRepositories(options);
      const emptyCatalog = options.cursor === undefined && page.items.length === 0 && !page.nextCursor;
      return emptyCatalog && names.length > 0 ? configuredPage(names, options) : page;
    },
  };
}

const CONFIGURED = 'configured:';

function configuredPage(names: readonly string[], options: PageOptions): PageOf<string> {
  const size = pageSizeOf(options);
  const after = options.cursor?.slice(CONFIGURED.length);
  const rest = [...names].sort().filter((name) => after === undefined || name > after);
  const items = rest.slice(0, size);
  return rest.length > size ? { items, nextCursor: `${CONFIGURED}${items.at(-1)}` } : { items };
}

import { NotFoundError } from '../../core/errors.js';
import type { PageOf, PageOptions, RegistryConnector } from '../../plugins/contracts.js';
import { configuredPage, invalidCursor, pageSizeOf, readCursor, writeCursor } from '../../plugins/paging.js';
import { createRegistryConnector, RegistryAuthError, type RegistrySession } from '../oci/index.js';
import type { GitHubApi } from './api.js';
import { packagesWindow } from './packages.js';

/**
 * The registry reader of the `ghcr` provider. ghcr.io has no catalog (`/v2/_catalog` is a 404), so
 * repositories come from GitHub's packages API (`read:packages`), or, when the token may not list the
 * owner's packages (403, or 404 for an owner it cannot see) or there is no token, from
 * `config.repositories`. Tags, manifests and referrers come from the registry's `/v2/` through the
 * `oci` provider, logged in with the same token.
 */

export function createGhcrRegistryConnector(
  api: () => GitHubApi,
  registry: () => RegistrySession,
): Required<RegistryConnector> {
  const oci = () => createRegistryConnector(registry);
  return {
    listRepositories: async (options = {}) => listRepositories(api(), options),
    listTags: async (repository, options = {}) => oci().listTags(repository, options),
    resolveReference: async (repository, reference) => oci().resolveReference(repository, reference),
    listReferrers: async (repository, digest, options) => oci().listReferrers(repository, digest, options),
  };
}

/** Whether a listing failure means "not for this token", so configured repositories may stand in. */
export function listingRefused(error: unknown): boolean {
  return (
    (error instanceof RegistryAuthError && error.reason === 'not_granted') || error instanceof NotFoundError
  );
}

async function listRepositories(api: GitHubApi, options: PageOptions): Promise<PageOf<string>> {
  const size = pageSizeOf(options);
  const configured = [...(api.config.repositories ?? [])].sort();
  const cursor = cursorOf(options.cursor);
  if (cursor?.k === 'configured') return configuredPage(configured, size, cursor.t);
  if (!api.context.credentials.configured) {
    if (configured.length > 0) return configuredPage(configured, size, undefined);
    throw new RegistryAuthError(
      "listing GHCR images needs GitHub's packages API and a personal access token (classic) with read:packages: set the integration's authRef, or list the public images to read in config.repositories",
      { reason: 'missing' },
    );
  }
  try {
    const { items, next } = await packagesWindow(api, cursor?.o ?? 0, size);
    return next === undefined ? { items } : { items, nextCursor: writeCursor({ k: 'packages', o: next }) };
  } catch (error) {
    if (!listingRefused(error) || cursor) throw withHint(error, api);
    if (configured.length === 0) throw withHint(error, api);
    return configuredPage(configured, size, undefined);
  }
}

/** A refusal without configured repositories says what else would do. */
function withHint(error: unknown, api: GitHubApi): unknown {
  if (error instanceof NotFoundError)
    error.message = `${error.message}; check config.owner and config.ownerType ('${api.config.ownerType}' now) and that the token's user, with read:packages, can see that owner; or list the repositories in config.repositories`;
  else if (error instanceof RegistryAuthError && error.reason === 'not_granted')
    error.message = `${error.message}; or list the repositories in config.repositories`;
  return error;
}

type Cursor =
  | { readonly k: 'packages'; readonly o: number }
  | { readonly k: 'configured'; readonly t: string };

/** A cursor this listing gave: an offset into GitHub's list, or the last configured name given. */
function cursorOf(raw: string | undefined): Cursor | undefined {
  if (raw === undefined) return undefined;
  const parsed = readCursor(raw);
  if (parsed.k === 'packages' && Number.isSafeInteger(parsed.o) && Number(parsed.o) > 0)
    return { k: 'packages', o: Number(parsed.o) };
  if (parsed.k === 'configured' && typeof parsed.t === 'string' && parsed.t !== '')
    return { k: 'configured', t: parsed.t };
  throw invalidCursor();
}

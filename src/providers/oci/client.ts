import { createHash } from 'node:crypto';
import { InvalidInputError, NotFoundError, UpstreamError } from '../../core/errors.js';
import { DIGEST, isTag } from '../../core/registry-names.js';
import { type HttpResponse, nextLink } from '../../net/index.js';
import type {
  PageOf,
  PageOptions,
  PlatformManifest,
  RegistryConnector,
  ResolvedReference,
} from '../../plugins/contracts.js';
import { pageSizeOf } from '../../plugins/paging.js';
import { describeAnswer, RegistryAuthError, RegistryProtocolError, registryErrorsOf } from './errors.js';
import { listReferrers } from './referrers.js';
import type { RegistrySession } from './session.js';
import { checkRepository, jsonOf, MANIFEST_ACCEPT, MEDIA_TYPES, pull } from './wire.js';
import type { Scope } from './www-authenticate.js';

const INDEX_TYPES: ReadonlySet<string> = new Set([MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerList]);
const MANIFEST_TYPES: ReadonlySet<string> = new Set(Object.values(MEDIA_TYPES));
/** The OCI distribution specification's limit for a manifest a registry must accept. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

const CATALOG: Scope = { type: 'registry', name: 'catalog', actions: ['*'] };

export { MEDIA_TYPES } from './wire.js';

/** The registry reader of the `oci` provider: the distribution API's catalog, tags and manifests. */
export function createRegistryConnector(session: () => RegistrySession): Required<RegistryConnector> {
  return {
    async listRepositories(options = {}) {
      const current = session();
      try {
        return await readCatalog(current, options);
      } catch (error) {
        const configured = current.config.repositories;
        if (!configured?.length || !catalogRefused(error)) throw error;
        return pageOf([...configured].sort(), options);
      }
    },
    listTags: async (repository, options = {}) => listTags(session(), repository, options),
    resolveReference: async (repository, reference) => resolveReference(session(), repository, reference),
    listReferrers: async (repository, digest, options = {}) =>
      listReferrers(session(), repository, digest, options),
  };
}

/** Whether a catalog failure means "not for you" (so the configured list stands in) rather than broken. */
export function catalogRefused(error: unknown): boolean {
  return error instanceof CatalogUnavailableError;
}

/** The registry keeps its catalog from these credentials, or has none (GHCR, Artifact Registry). */
export class CatalogUnavailableError extends UpstreamError {
  override readonly code = 'registry_catalog_unavailable';
  constructor(message: string) {
    super(message, { isTransient: false });
  }
}

/** One page of `GET /v2/_catalog`: the cursor is the last name, as the API's `last` parameter. */
export async function readCatalog(session: RegistrySession, options: PageOptions): Promise<PageOf<string>> {
  const unavailable = (why: string) =>
    new CatalogUnavailableError(
      `the registry does not let these credentials read its catalog (${why})${
        session.config.repositories?.length
          ? ''
          : '; list the repositories in config.repositories to use the integration anyway'
      }`,
    );
  let response: HttpResponse;
  try {
    response = await session.send({
      method: 'GET',
      path: '_catalog',
      query: { n: pageSizeOf(options), last: options.cursor },
      scope: CATALOG,
      okStatuses: [403, 404],
      operation: 'list_repositories',
    });
  } catch (error) {
    // Credentials accepted, catalog not granted (Harbor project robots, ACR scope maps).
    if (error instanceof RegistryAuthError && error.reason === 'not_granted')
      throw unavailable(error.message);
    throw error;
  }
  if (response.status !== 200) throw unavailable(describeAnswer(response.status, response.body));
  const body = jsonOf(response, 'GET /v2/_catalog');
  const names = stringsOf(
    (body as { repositories?: unknown })?.repositories,
    'repositories',
    'GET /v2/_catalog',
  );
  return pageFrom(response, names, options);
}

async function listTags(session: RegistrySession, repository: string, options: PageOptions) {
  checkRepository(repository);
  const response = await session.send({
    method: 'GET',
    path: `${repository}/tags/list`,
    query: { n: pageSizeOf(options), last: options.cursor },
    scope: pull(repository),
    okStatuses: [404],
    operation: 'list_tags',
  });
  if (response.status === 404) throw new NotFoundError('repository', repository);
  const what = `GET /v2/${repository}/tags/list`;
  const tags = stringsOf((jsonOf(response, what) as { tags?: unknown })?.tags, 'tags', what);
  return pageFrom(response, tags, options);
}

async function resolveReference(
  session: RegistrySession,
  repository: string,
  reference: string,
): Promise<ResolvedReference> {
  checkRepository(repository);
  const byDigest = DIGEST.test(reference);
  if (!byDigest && !isTag(reference))
    throw InvalidInputError.field('reference', 'must be a tag or a digest (sha256:<64 hex>)');
  const request = {
    path: `${repository}/manifests/${reference}`,
    accept: MANIFEST_ACCEPT,
    scope: pull(repository),
    okStatuses: [404],
  };
  // HEAD first: cheap, and on Docker Hub it does not count as a pull.
  const head = await session.send({ ...request, method: 'HEAD', operation: 'head_manifest' });
  const headDigest = head.headers['docker-content-digest'];
  const headType = mediaTypeOf(head);
  if (
    head.status === 200 &&
    headDigest &&
    DIGEST.test(headDigest) &&
    headType &&
    MANIFEST_TYPES.has(headType) &&
    !INDEX_TYPES.has(headType)
  ) {
    if (byDigest && headDigest !== reference)
      throw new RegistryProtocolError(
        `the registry answered ${reference} with the manifest ${headDigest}, which is another one`,
      );
    return { digest: headDigest, mediaType: headType };
  }
  // An index (its platforms are in the body), no digest header, or a 404 whose body says why.
  const response = await session.send({ ...request, method: 'GET', operation: 'get_manifest' });
  if (response.status === 404) {
    const codes = registryErrorsOf(response.body).map((entry) => entry.code);
    if (codes.includes('NAME_UNKNOWN')) throw new NotFoundError('repository', repository);
    throw new NotFoundError('manifest', `${repository}:${reference}`);
  }
  return manifestOf(response, reference, headDigest);
}

function manifestOf(response: HttpResponse, reference: string, headDigest: string | undefined) {
  const what = 'the manifest';
  if (response.body.length > MAX_MANIFEST_BYTES)
    throw new RegistryProtocolError(`${what} is larger than 4 MiB`);
  const algorithm = (DIGEST.test(reference) ? reference : (headDigest ?? 'sha256:')).split(':')[0]!;
  // The digest of the exact bytes the registry sent; JSON is never serialised again for it.
  const digest = `${algorithm}:${createHash(algorithm === 'sha512' ? 'sha512' : 'sha256')
    .update(response.body)
    .digest('hex')}`;
  const claimed = response.headers['docker-content-digest'] ?? headDigest;
  if (claimed?.startsWith(`${algorithm}:`) && claimed !== digest)
    throw new RegistryProtocolError(
      `the registry says ${what} is ${claimed}, but its bytes hash to ${digest}`,
    );
  if (DIGEST.test(reference) && reference !== digest)
    throw new RegistryProtocolError(
      `asked for ${reference}, the registry sent a manifest hashing to ${digest}`,
    );
  const body = jsonOf(response, 'the manifest') as Record<string, unknown> | null;
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new RegistryProtocolError(`${what} is not a JSON object`);
  const declared = typeof body.mediaType === 'string' ? body.mediaType : undefined;
  const sent = mediaTypeOf(response);
  if (declared && sent && MANIFEST_TYPES.has(sent) && declared !== sent)
    throw new RegistryProtocolError(`${what} says it is ${declared} but was sent as ${sent}`);
  const mediaType = (sent && MANIFEST_TYPES.has(sent) ? sent : declared) ?? inferredType(body);
  if (!mediaType || !MANIFEST_TYPES.has(mediaType))
    throw new RegistryProtocolError(`${what} has an unknown media type (${sent ?? declared ?? 'none'})`);
  if (!INDEX_TYPES.has(mediaType)) return { digest, mediaType };
  return { digest, mediaType, platforms: platformsOf(body.manifests) };
}

function platformsOf(manifests: unknown): PlatformManifest[] {
  if (!Array.isArray(manifests)) throw new RegistryProtocolError('the image index has no manifests list');
  const platforms: PlatformManifest[] = [];
  for (const entry of manifests as unknown[]) {
    const { digest, platform } = (entry ?? {}) as { digest?: unknown; platform?: unknown };
    if (typeof digest !== 'string' || !DIGEST.test(digest))
      throw new RegistryProtocolError('the image index lists a manifest without a valid digest');
    // Entries without a platform (attestations, signatures) are not images to scan.
    const { os, architecture, variant } = (platform ?? {}) as Record<string, unknown>;
    if (typeof os !== 'string' || typeof architecture !== 'string') continue;
    platforms.push({ digest, os, architecture, ...(typeof variant === 'string' ? { variant } : {}) });
  }
  return platforms;
}

/** An index has `manifests`; a manifest has `layers` (schema 2 and OCI) or `fsLayers` (schema 1). */
function inferredType(body: Record<string, unknown>): string | undefined {
  if (body.schemaVersion === 1) return MEDIA_TYPES.dockerSchema1;
  if (Array.isArray(body.manifests)) return MEDIA_TYPES.ociIndex;
  if (Array.isArray(body.layers)) return MEDIA_TYPES.ociManifest;
  return undefined;
}

function mediaTypeOf(response: HttpResponse): string | undefined {
  const type = response.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  return type || undefined;
}

/**
 * A page as asked for. A registry that honours `n` and `last` gives it, and its `Link` the next
 * cursor. One that ignores them (distribution 2.8 lists every tag at once) sends more than `n`:
 * those are windowed here, in lexical order after the cursor, as the API orders them.
 */
function pageFrom(response: HttpResponse, items: readonly string[], options: PageOptions): PageOf<string> {
  const size = pageSizeOf(options);
  if (items.length <= size) return { items: [...items].sort(), ...cursorOf(response, items) };
  const after = options.cursor;
  const rest = [...items].sort().filter((item) => after === undefined || item > after);
  const page = rest.slice(0, size);
  if (rest.length > size) return { items: page, nextCursor: page.at(-1)! };
  return { items: page, ...cursorOf(response, items) };
}

/** The next page's cursor: the `last` of the `Link` the registry sent, if it sent one. */
function cursorOf(response: HttpResponse, items: readonly string[]): { nextCursor?: string } {
  const link = nextLink(response.headers.link);
  if (!link) return {};
  let last: string | null = null;
  try {
    last = new URL(link, response.url).searchParams.get('last');
  } catch {
    throw new RegistryProtocolError(`the registry sent a Link that is not a URL: '${link.slice(0, 100)}'`);
  }
  const cursor = last ?? items.at(-1);
  return cursor ? { nextCursor: cursor } : {};
}

function pageOf(all: readonly string[], options: PageOptions): PageOf<string> {
  const size = pageSizeOf(options);
  const start = options.cursor === undefined ? 0 : all.findIndex((item) => item > options.cursor!);
  if (start === -1) return { items: [] };
  const items = all.slice(start, start + size);
  return start + size < all.length ? { items, nextCursor: items.at(-1)! } : { items };
}

/** A list of strings; `null` (some registries' empty list) is empty. */
function stringsOf(value: unknown, field: string, what: string): string[] {
  if (value === null) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || item === ''))
    throw new RegistryProtocolError(`${what} answered a '${field}' that is not a list of names`);
  return value as string[];
}

import { InvalidInputError, NotFoundError } from '../../core/errors.js';
import { DIGEST, MEDIA_TYPE, referrersTag } from '../../core/registry-names.js';
import { type HttpResponse, nextLink } from '../../net/index.js';
import type { Referrer, ReferrerList, ReferrerOptions } from '../../plugins/contracts.js';
import { RegistryProtocolError, registryErrorsOf } from './errors.js';
import type { RegistrySession } from './session.js';
import { checkRepository, jsonOf, MANIFEST_ACCEPT, MEDIA_TYPES, pull } from './wire.js';

/**
 * The referrers of a manifest (OCI distribution specification 1.1, "Listing Referrers"): the registry's
 * `GET /v2/<name>/referrers/<digest>`, an image index of every manifest whose `subject` is the digest,
 * paged by `Link`. A registry without the API answers 404; then the index that pushing clients keep at
 * the digest's referrers tag (`sha256-<hex>`) stands in, and no such tag means no referrers, as the
 * specification says (once the manifest itself is known to be there). A filter by `artifactType` is asked of the registry and applied here too unless
 * the registry says (`OCI-Filters-Applied`) it applied it.
 */

/** Pages of the referrers API followed at most; a registry sending more is cut off with an error. */
const MAX_PAGES = 20;
/** Annotations kept per referrer, and the longest key and value kept. */
const MAX_ANNOTATIONS = 64;
const MAX_ANNOTATION_CHARS = 4096;
/** The OCI distribution specification's limit for a manifest (an index is one). */
const MAX_INDEX_BYTES = 4 * 1024 * 1024;

export async function listReferrers(
  session: RegistrySession,
  repository: string,
  digest: string,
  options: ReferrerOptions,
): Promise<ReferrerList> {
  checkRepository(repository);
  if (!DIGEST.test(digest))
    throw InvalidInputError.field(
      'digest',
      'must be a digest: sha256: and 64, or sha512: and 128, lowercase hex digits',
    );
  const { artifactType } = options;
  if (artifactType !== undefined && !MEDIA_TYPE.test(artifactType))
    throw InvalidInputError.field('artifactType', 'must be a media type such as application/spdx+json');

  const items: Referrer[] = [];
  let path: string | URL = `${repository}/referrers/${digest}`;
  for (let page = 1; ; page += 1) {
    const response = await session.send({
      method: 'GET',
      path,
      query: typeof path === 'string' && artifactType ? { artifactType } : {},
      accept: MEDIA_TYPES.ociIndex,
      scope: pull(repository),
      okStatuses: [404],
      operation: 'list_referrers',
    });
    if (response.status === 404) {
      if (page === 1) return fromTagSchema(session, repository, digest, artifactType);
      throw new RegistryProtocolError('the registry lost a page of referrers it had linked to (HTTP 404)');
    }
    const filtered = filtersApplied(response).includes('artifacttype');
    for (const referrer of referrersOf(response, `GET /v2/${repository}/referrers/${digest}`)) {
      if (!artifactType || filtered || referrer.artifactType === artifactType) items.push(referrer);
    }
    const next = nextLink(response.headers.link);
    if (!next) return { items, source: 'referrers_api' };
    if (page >= MAX_PAGES)
      throw new RegistryProtocolError(`the registry sent more than ${MAX_PAGES} pages of referrers`);
    path = new URL(next, response.url);
  }
}

async function fromTagSchema(
  session: RegistrySession,
  repository: string,
  digest: string,
  artifactType: string | undefined,
): Promise<ReferrerList> {
  const tag = referrersTag(digest);
  const response = await session.send({
    method: 'GET',
    path: `${repository}/manifests/${tag}`,
    accept: MEDIA_TYPES.ociIndex,
    scope: pull(repository),
    okStatuses: [404],
    operation: 'get_referrers_tag',
  });
  if (response.status === 404) {
    if (registryErrorsOf(response.body).some((entry) => entry.code === 'NAME_UNKNOWN'))
      throw new NotFoundError('repository', repository);
    // No tag: no referrers, if the manifest is there at all (distribution says MANIFEST_UNKNOWN for
    // a tag of a repository it does not know, so the repository cannot be told apart here).
    const subject = await session.send({
      method: 'HEAD',
      path: `${repository}/manifests/${digest}`,
      accept: MANIFEST_ACCEPT,
      scope: pull(repository),
      okStatuses: [404],
      operation: 'head_manifest',
    });
    if (subject.status === 404) throw new NotFoundError('manifest', `${repository}@${digest}`);
    return { items: [], source: 'tag_schema' };
  }
  // Not an image index at that tag: the specification says to take it that there are no referrers.
  const type = response.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (type !== MEDIA_TYPES.ociIndex) return { items: [], source: 'tag_schema' };
  const items = referrersOf(response, `the referrers tag ${repository}:${tag}`);
  return {
    items: artifactType ? items.filter((referrer) => referrer.artifactType === artifactType) : items,
    source: 'tag_schema',
  };
}

/** `OCI-Filters-Applied`, lower-cased, split on commas. */
function filtersApplied(response: HttpResponse): string[] {
  return (response.headers['oci-filters-applied'] ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
}

/** The descriptors of an image index, each checked: a malformed one is the registry's error, not skipped. */
function referrersOf(response: HttpResponse, what: string): Referrer[] {
  if (response.body.length > MAX_INDEX_BYTES)
    throw new RegistryProtocolError(`${what} sent an index larger than 4 MiB`);
  const body = jsonOf(response, what) as { manifests?: unknown } | null;
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new RegistryProtocolError(`${what} did not answer an image index`);
  if (body.manifests === undefined || body.manifests === null) return [];
  if (!Array.isArray(body.manifests))
    throw new RegistryProtocolError(`${what} answered 'manifests' that is not a list`);
  return body.manifests.map((entry, index) => referrerOf(entry, `${what}: manifests[${index}]`));
}

function referrerOf(entry: unknown, where: string): Referrer {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry))
    throw new RegistryProtocolError(`${where} is not a descriptor`);
  const { digest, mediaType, size, artifactType, annotations } = entry as Record<string, unknown>;
  if (typeof digest !== 'string' || !DIGEST.test(digest))
    throw new RegistryProtocolError(`${where} has no valid digest`);
  if (typeof mediaType !== 'string' || !MEDIA_TYPE.test(mediaType))
    throw new RegistryProtocolError(`${where} has no valid mediaType`);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
    throw new RegistryProtocolError(`${where} has no valid size`);
  if (artifactType !== undefined && (typeof artifactType !== 'string' || !MEDIA_TYPE.test(artifactType)))
    throw new RegistryProtocolError(`${where} has an artifactType that is not a media type`);
  return {
    digest,
    mediaType,
    size,
    ...(artifactType === undefined ? {} : { artifactType: artifactType as string }),
    ...annotationsOf(annotations, where),
  };
}

function annotationsOf(value: unknown, where: string): { annotations?: Record<string, string> } {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw new RegistryProtocolError(`${where} has annotations that are not an object`);
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.some(([, text]) => typeof text !== 'string'))
    throw new RegistryProtocolError(`${where} has an annotation that is not a string`);
  const kept = entries
    .filter(
      ([key, text]) => key.length <= MAX_ANNOTATION_CHARS && (text as string).length <= MAX_ANNOTATION_CHARS,
    )
    .slice(0, MAX_ANNOTATIONS);
  return kept.length === 0 ? {} : { annotations: Object.fromEntries(kept) as Record<string, string> };
}

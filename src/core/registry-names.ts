/**
 * The names a container registry uses, after the OCI distribution specification: repository names,
 * tags and digests. One module, so the API's validation and the registry providers agree on them.
 *
 * See https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests
 * (names) and https://github.com/opencontainers/image-spec/blob/main/descriptor.md#digests (digests).
 *
 * @example
 * isRepositoryName('library/nginx'); // true
 * isReference('1.27-alpine'); // true
 * isReference(`sha256:${'a'.repeat(64)}`); // true
 */

/** A path component: lowercase letters and digits, separated by `.`, `_`, `__` or runs of `-`. */
const COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';

/** Source of the repository name grammar, anchored (for JSON Schema `pattern`). */
export const REPOSITORY_NAME_PATTERN = `^${COMPONENT}(?:\\/${COMPONENT})*$`;
/** The longest repository name accepted (the specification's limit on a name with its host). */
export const REPOSITORY_NAME_MAX_LENGTH = 255;
/** Matches a repository name's grammar (check the length too, or use `isRepositoryName`). */
export const REPOSITORY_NAME: RegExp = new RegExp(REPOSITORY_NAME_PATTERN);

/** Source of the tag grammar, anchored: up to 128 characters, not starting with `.` or `-`. */
export const TAG_PATTERN = '^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$';
/** Matches a tag. */
export const TAG: RegExp = new RegExp(TAG_PATTERN);

/** Source of the digests accepted, anchored: `sha256:` with 64 or `sha512:` with 128 lowercase hex digits. */
export const DIGEST_PATTERN = '^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$';
/** Matches a digest of the accepted algorithms. */
export const DIGEST: RegExp = new RegExp(DIGEST_PATTERN);

/** Source of the reference grammar, anchored: a tag or a digest. */
export const REFERENCE_PATTERN =
  '^(?:[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}|sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$';
/** Matches a reference: a tag or a digest. */
export const REFERENCE: RegExp = new RegExp(REFERENCE_PATTERN);

/**
 * Source of a media type's grammar (RFC 6838 `type/subtype`, no parameters), anchored: what an OCI
 * descriptor's `mediaType` and `artifactType` hold, e.g. `application/spdx+json`.
 */
export const MEDIA_TYPE_PATTERN =
  '^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$';
/** Matches a media type. */
export const MEDIA_TYPE: RegExp = new RegExp(MEDIA_TYPE_PATTERN);

/**
 * The referrers tag of a digest (OCI distribution specification, "Referrers Tag Schema"): where a
 * client keeps the list of a manifest's referrers on a registry without the referrers API.
 *
 * @example
 * referrersTag(`sha256:${'a'.repeat(64)}`); // 'sha256-aaaa…' (64 a)
 */
export function referrersTag(digest: string): string {
  const colon = digest.indexOf(':');
  const algorithm = digest.slice(0, colon).slice(0, 32);
  const encoded = digest.slice(colon + 1).slice(0, 64);
  return `${algorithm}-${encoded}`.replace(/[^a-zA-Z0-9._-]/g, '-');
}

/** Whether `value` is a valid repository name (grammar and length). */
export function isRepositoryName(value: string): boolean {
  return value.length <= REPOSITORY_NAME_MAX_LENGTH && REPOSITORY_NAME.test(value);
}

/** Whether `value` is a valid tag. */
export function isTag(value: string): boolean {
  return TAG.test(value);
}

/** Whether `value` is a valid digest (sha256 or sha512, lowercase hex). */
export function isDigest(value: string): boolean {
  return DIGEST.test(value);
}

/** Whether `value` is a valid reference: a tag or a digest. */
export function isReference(value: string): boolean {
  return REFERENCE.test(value);
}

import { type Static, Type } from '@sinclair/typebox';
import { InvalidInputError } from '../../core/errors.js';
import { OciConfigSchema } from '../oci/index.js';

/** GitHub's REST API; GitHub Enterprise Server's is `https://<host>/api/v3`. */
export const DEFAULT_API_URL = 'https://api.github.com';
/** The GitHub Container Registry. */
export const DEFAULT_REGISTRY = 'https://ghcr.io';

/**
 * A GitHub login (user or organisation): letters, digits and single hyphens, not at either end, at
 * most 39 characters.
 */
export const OWNER_PATTERN = '^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$';

/**
 * Settings of a `ghcr` integration (GitHub Container Registry). The endpoint is the registry,
 * `https://ghcr.io`; `authRef` (optional: anonymous without it, public images only) names an object
 * with `username` (anything) and `password` (a personal access token (classic) with `read:packages`).
 */
export const GhcrConfigSchema = Type.Object(
  {
    owner: Type.String({
      pattern: OWNER_PATTERN,
      maxLength: 39,
      description:
        'The organisation or user whose container packages are listed (`acme` for ghcr.io/acme/…).',
    }),
    ownerType: Type.Union([Type.Literal('org'), Type.Literal('user')], {
      default: 'org',
      description: 'Whether `owner` is an organisation (`org`) or a user account (`user`).',
    }),
    apiUrl: Type.String({
      default: DEFAULT_API_URL,
      minLength: 8,
      maxLength: 2048,
      description:
        "Base URL of GitHub's REST API, where packages are listed: https://api.github.com, or https://<host>/api/v3 for GitHub Enterprise Server.",
    }),
    repositories: OciConfigSchema.properties.repositories,
    plainHttp: OciConfigSchema.properties.plainHttp,
    tokenRealmHosts: OciConfigSchema.properties.tokenRealmHosts,
  },
  { additionalProperties: false },
);

export type GhcrConfig = Static<typeof GhcrConfigSchema>;

/**
 * `<apiUrl>/` from the config: https (http only with `plainHttp`, as the token would cross the
 * network unencrypted), no credentials, query or fragment; a trailing `/` is optional.
 *
 * @example
 * apiBaseOf({ apiUrl: 'https://ghe.example.com/api/v3/', plainHttp: false }).href; // 'https://ghe.example.com/api/v3/'
 */
export function apiBaseOf(config: Pick<GhcrConfig, 'apiUrl' | 'plainHttp'>): URL {
  let url: URL;
  try {
    url = new URL(config.apiUrl);
  } catch {
    throw InvalidInputError.field('config.apiUrl', 'is not a URL (e.g. https://api.github.com)');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw InvalidInputError.field('config.apiUrl', 'must be an https:// URL');
  if (url.protocol === 'http:' && !config.plainHttp)
    throw InvalidInputError.field(
      'config.apiUrl',
      'uses plain http: set config.plainHttp to true to allow it (the token then crosses the network unencrypted)',
    );
  if (url.username || url.password)
    throw InvalidInputError.field('config.apiUrl', 'must not hold credentials; use authRef');
  if (url.search || url.hash)
    throw InvalidInputError.field('config.apiUrl', 'must not have a query or fragment');
  return new URL(`${url.origin}${url.pathname.replace(/\/+$/, '')}/`);
}

/** The registry's URL: the endpoint as given, or ghcr.io when none is. */
export function registryEndpointOf(endpoint: string): string {
  return endpoint.trim() === '' ? DEFAULT_REGISTRY : endpoint;
}

/**
 * The repository a package is pulled as: `<owner>/<package>`, lower case as registries name them
 * (GitHub logins keep their case; ghcr.io's paths do not).
 *
 * @example
 * repositoryOf('Acme', 'team/app'); // 'acme/team/app'
 */
export function repositoryOf(owner: string, packageName: string): string {
  return `${owner.toLowerCase()}/${packageName.toLowerCase()}`;
}

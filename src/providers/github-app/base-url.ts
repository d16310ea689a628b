import { InvalidInputError } from '../../core/errors.js';

/** Where GitHub's APIs live for one integration, all derived from the one URL a user pasted. */
export interface GitHubApiUrls {
  /** REST root without a trailing slash: `https://api.github.com` or `https://HOST/api/v3`. */
  readonly rest: string;
  readonly graphql: string;
  readonly uploads: string;
  /** True for GitHub Enterprise Server (anything but github.com and GHE.com). */
  readonly enterprise: boolean;
}

const DOTCOM_HOSTS = new Set(['github.com', 'www.github.com', 'api.github.com']);
/** GitHub Enterprise Cloud with data residency: `SUBDOMAIN.ghe.com`, API at `api.SUBDOMAIN.ghe.com`. */
const GHE_COM = /^(?:api\.)?([a-z0-9-]+)\.ghe\.com$/;
/** What users paste after the host of a GHES instance; all of it is dropped to find the root. */
const API_SUFFIX = /\/api(?:\/v3|\/graphql|\/uploads)?$/i;

/**
 * Normalises any usual form of a GitHub base URL (reference scm-platforms.md §1.1): `https://host`,
 * `https://host/`, `https://host/api`, `https://host/api/v3`, trailing slashes; github.com in any
 * spelling becomes `https://api.github.com`.
 *
 * @example
 * normaliseGitHubBaseUrl('https://github.example.com/api/v3/').rest; // 'https://github.example.com/api/v3'
 * normaliseGitHubBaseUrl('https://github.com').rest;                 // 'https://api.github.com'
 */
export function normaliseGitHubBaseUrl(input: string): GitHubApiUrls {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    throw InvalidInputError.field('/endpoint', 'must be an absolute URL such as https://github.example.com');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw InvalidInputError.field('/endpoint', 'must use https or http');
  }
  if (url.username || url.password) {
    throw InvalidInputError.field('/endpoint', 'must not carry credentials');
  }
  const host = url.hostname.toLowerCase();
  if (DOTCOM_HOSTS.has(host)) {
    return {
      rest: 'https://api.github.com',
      graphql: 'https://api.github.com/graphql',
      uploads: 'https://uploads.github.com',
      enterprise: false,
    };
  }
  const gheCom = GHE_COM.exec(host);
  if (gheCom) {
    const api = `https://api.${gheCom[1]}.ghe.com`;
    return {
      rest: api,
      graphql: `${api}/graphql`,
      uploads: `https://uploads.${gheCom[1]}.ghe.com`,
      enterprise: false,
    };
  }
  const path = url.pathname
    .replace(/\/{2,}/g, '/')
    .replace(/\/+$/, '')
    .replace(API_SUFFIX, '');
  const root = `${url.protocol}//${url.host}${path}`;
  return {
    rest: `${root}/api/v3`,
    graphql: `${root}/api/graphql`,
    uploads: `${root}/api/uploads`,
    enterprise: true,
  };
}

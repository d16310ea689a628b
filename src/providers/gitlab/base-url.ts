import { InvalidInputError } from '../../core/errors.js';

/** Where GitLab lives for one integration, from the one URL a user pasted. */
export interface GitLabUrls {
  /** The web root, with a relative root if there is one: `https://gitlab.example.com/gitlab`. */
  readonly web: string;
  /** The REST root: `<web>/api/v4`. */
  readonly api: string;
}

/**
 * Normalises a GitLab URL (reference scm-platforms.md §2.1): `https://host`, a relative root
 * (`https://host/gitlab`), with or without `/api/v4` and trailing slashes; never a doubled `/api/v4`.
 *
 * @example
 * normaliseGitLabBaseUrl('https://host/gitlab/api/v4/').api; // 'https://host/gitlab/api/v4'
 */
export function normaliseGitLabBaseUrl(input: string): GitLabUrls {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    throw InvalidInputError.field('/endpoint', 'must be an absolute URL such as https://gitlab.example.com');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw InvalidInputError.field('/endpoint', 'must use https or http');
  if (url.username || url.password) throw InvalidInputError.field('/endpoint', 'must not carry credentials');
  if (url.search || url.hash) throw InvalidInputError.field('/endpoint', 'must not have a query or fragment');
  const root = url.pathname
    .replace(/\/+$/, '')
    .replace(/\/api\/v4$/i, '')
    .replace(/\/+$/, '');
  const web = `${url.origin}${root}`;
  return { web, api: `${web}/api/v4` };
}

/** GitLab's id of a project in a path: its full path, URL-encoded (`group%2Fsub%2Fproject`). */
export function projectId(owner: string, repository: string): string {
  return encodeURIComponent(`${owner.replace(/^\/+|\/+$/g, '')}/${repository.replace(/^\/+|\/+$/g, '')}`);
}

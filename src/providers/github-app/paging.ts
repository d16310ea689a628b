import type { Logger } from '../../core/logger.js';
import { nextLink } from '../../net/index.js';
import type { GitHubCall, GitHubResponse } from './octokit.js';

/** At most this many pages of one list (10,000 items at 100 a page). */
export const MAX_PAGES = 100;

/**
 * Every page of a list, following GitHub's `Link: rel="next"`, only within the same API (a `Link` to
 * another origin or path is logged and not followed, so a token is never sent elsewhere), each link once,
 * at most `MAX_PAGES` pages.
 *
 * @example
 * for await (const page of followPages(urls.rest, logger, (call) => readAs(id, call), first)) use(page.data);
 */
export async function* followPages(
  rest: string,
  logger: Logger,
  readPage: (call: GitHubCall) => Promise<GitHubResponse>,
  call: GitHubCall,
): AsyncGenerator<GitHubResponse> {
  const api = new URL(rest);
  const seen = new Set<string>();
  let next: GitHubCall | undefined = call;
  for (let count = 0; next !== undefined && count < MAX_PAGES; count++) {
    const response = await readPage(next);
    yield response;
    const link = nextLink(response.headers.link);
    next = undefined;
    if (link === undefined || seen.has(link)) break;
    const url = new URL(link, api);
    if (url.origin !== api.origin || !url.pathname.startsWith(api.pathname)) {
      logger.warn({ provider: 'github_app', operation: call.operation }, 'ignored a Link to another origin');
      break;
    }
    seen.add(link);
    next = { route: `GET ${url.href}`, operation: call.operation };
  }
}

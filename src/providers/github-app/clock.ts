import type { BoundedMap } from '../../core/bounded-map.js';
import type { Logger } from '../../core/logger.js';
import { type HttpClient, HttpError } from '../../net/index.js';
import { GitHubAppError, githubMessage, rootCause } from './errors.js';
import { GITHUB_API_VERSION, PROVIDER } from './octokit.js';

/**
 * GitHub's clock, for App JWTs. GitHub checks `iat` and `exp` against its own time and answers 401 when
 * they are out of range ("Generating a JSON Web Token for a GitHub App"): the 60 s back-dating covers a
 * small drift, not a service clock minutes off. On such a refusal GitHub's time is read from the `Date`
 * header of one unauthenticated `GET /zen` (the smallest answer GitHub has), and the offset is kept per API
 * root in the plugin instance; JWTs are then signed at `now + offset`. An offset past an hour is a broken
 * clock to fix, not one to sign around.
 */

/** The largest offset JWTs are signed around; beyond it the clock must be fixed. */
export const MAX_CLOCK_OFFSET_MS = 60 * 60_000;

/**
 * GitHub's 401 words for claims out of range by its clock: `'Issued at' claim ('iat') must be an Integer
 * representing a time in the past`, `'Expiration time' claim ('exp') is too far in the future` and
 * `'Expiration time' claim ('exp') must be a numeric value representing the future time at which the
 * assertion expires` (quoted in octokit/auth-app.js#698 and sigmavirus24/github3.py#1050).
 */
const CLOCK_CLAIMS = /'(?:issued at|expiration time)' claim \('(?:iat|exp)'\)/i;

/** Whether GitHub refused a JWT because of its `iat` or `exp` by GitHub's clock. */
export function isClockRefusal(error: unknown): boolean {
  const root = rootCause(error);
  return root instanceof HttpError && root.status === 401 && CLOCK_CLAIMS.test(githubMessage(root) ?? '');
}

/** GitHub's time for one API root as our clock sees it, learnt once it refuses a JWT. */
export interface GitHubClock {
  /** Epoch ms on GitHub's clock (ours until an offset is known): what JWTs are signed at. */
  now(): number;
  /** GitHub's time minus ours, in ms (0 until learnt). */
  offset(): number;
  /**
   * Reads GitHub's time after `refusal` (a clock refusal) and keeps the offset. Throws `refusal` when the
   * time cannot be read, and a permanent `GitHubAppError` when the offset is past `MAX_CLOCK_OFFSET_MS`.
   */
  learn(refusal: unknown): Promise<void>;
}

export interface GitHubClockOptions {
  readonly http: HttpClient;
  /** REST root, the key of the offset: `https://api.github.com`, `https://HOST/api/v3`. */
  readonly rest: string;
  /** Offsets per API root, shared by the plugin instance's operations. */
  readonly offsets: BoundedMap<number>;
  readonly now: () => number;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  /** A GitHub Enterprise Server's private CA, trusted for the request. */
  readonly ca?: string;
}

/**
 * @example
 * const clock = createGitHubClock({ http, rest: urls.rest, offsets: shared.clockOffsets, now, logger, signal });
 * const jwt = await signAppJwt(credential.value, clock.now());
 */
export function createGitHubClock(options: GitHubClockOptions): GitHubClock {
  const { http, rest, offsets, now, logger, signal } = options;
  const ca = options.ca ? { ca: options.ca } : {};
  const offset = () => offsets.get(rest) ?? 0;

  async function readDate(): Promise<number | undefined> {
    const response = await http.request({
      method: 'GET',
      url: `${rest}/zen`,
      headers: {
        accept: 'text/plain',
        'user-agent': 'integrations-catalog',
        'x-github-api-version': GITHUB_API_VERSION,
      },
      signal,
      ...ca,
      // Any answer carries the date; a private GHES may refuse anonymous requests.
      okStatuses: [401, 403, 404],
      provider: PROVIDER,
      operation: 'read_clock',
    });
    const date = Date.parse(response.headers.date ?? '');
    return Number.isFinite(date) ? date : undefined;
  }

  return {
    now: () => now() + offset(),
    offset,
    async learn(refusal) {
      let github: number | undefined;
      try {
        github = await readDate();
      } catch {
        throw refusal;
      }
      if (github === undefined) throw refusal;
      const learnt = github - now();
      if (Math.abs(learnt) > MAX_CLOCK_OFFSET_MS) {
        const minutes = Math.round(Math.abs(learnt) / 60_000);
        throw new GitHubAppError(
          `the service's clock is ${minutes} minutes off GitHub's (${learnt > 0 ? 'behind' : 'ahead'}): ` +
            'fix the clock (NTP); App JWTs are not signed around an offset of more than an hour',
          { cause: refusal },
        );
      }
      offsets.set(rest, learnt);
      logger.warn(
        { provider: PROVIDER, offsetSeconds: Math.round(learnt / 1000) },
        "GitHub refused a JWT by its clock; signing App JWTs on GitHub's time from now on",
      );
    },
  };
}

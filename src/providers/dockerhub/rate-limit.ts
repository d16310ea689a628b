import type { HealthCheckResult } from '../../plugins/contracts.js';
import { registryErrorsOf } from '../oci/index.js';

/**
 * Docker Hub's pull limit, as its registry reports it on manifest answers
 * (https://docs.docker.com/docker-hub/usage/pulls/): `ratelimit-limit: 100;w=21600` (pulls per window
 * of 21,600 s), `ratelimit-remaining: 76;w=21600`, and `docker-ratelimit-source` (the IP address or the
 * account the pulls count against). A `GET` of a manifest is a pull; a `HEAD` is not, so the limit is
 * read with a `HEAD`. An account on an unlimited plan gets no such headers. The published numbers
 * change over time: they are read, never assumed.
 *
 * Two kinds of 429 come from Docker Hub: the pull limit (`TOOMANYREQUESTS`, "You have reached your
 * pull rate limit"), and its anti-abuse protection (`Too Many Requests (HAP429)`, no rate-limit
 * headers), which is about request rates, not pulls (docker/hub-feedback#1907).
 */

/** Below this share of pulls left, the integration is degraded. */
export const LOW_SHARE = 0.1;

/** `100;w=21600` → 100 in 21,600 s; anything else (a missing window, a sign, junk) → undefined. */
export function parseLimitHeader(value: string | undefined): { count: number; windowS: number } | undefined {
  const match = /^(\d{1,9});w=(\d{1,9})$/.exec(value?.trim() ?? '');
  if (!match) return undefined;
  const windowS = Number(match[2]);
  return windowS > 0 ? { count: Number(match[1]), windowS } : undefined;
}

export type PullLimit =
  | {
      readonly kind: 'limited';
      readonly limit: number;
      readonly remaining: number;
      readonly windowS: number;
      readonly source?: string;
    }
  | { readonly kind: 'unlimited'; readonly source?: string }
  | { readonly kind: 'unreadable'; readonly problem: string };

/** What a manifest answer's headers say about the pull limit. */
export function readPullLimit(headers: Readonly<Record<string, string>>): PullLimit {
  const limitHeader = headers['ratelimit-limit'];
  const remainingHeader = headers['ratelimit-remaining'];
  const source = sourceOf(headers['docker-ratelimit-source']);
  const withSource = source ? { source } : {};
  if (limitHeader === undefined && remainingHeader === undefined) return { kind: 'unlimited', ...withSource };
  const limit = parseLimitHeader(limitHeader);
  const remaining = parseLimitHeader(remainingHeader);
  if (!limit || !remaining || remaining.count > limit.count)
    return {
      kind: 'unreadable',
      problem: `ratelimit-limit '${excerpt(limitHeader)}', ratelimit-remaining '${excerpt(remainingHeader)}'`,
    };
  return {
    kind: 'limited',
    limit: limit.count,
    remaining: remaining.count,
    windowS: limit.windowS,
    ...withSource,
  };
}

/** `6 h`, `30 min`, `90 s`: the window as people say it. */
export function windowOf(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/**
 * The health a reading means: healthy with pulls to spare or without a limit; degraded under 10 % left
 * (or headers we cannot read); unhealthy with none left, saying the window (Docker does not say when it
 * resets: the window slides).
 */
export function pullLimitHealth(reading: PullLimit): HealthCheckResult {
  if (reading.kind === 'unreadable')
    return {
      status: 'degraded',
      message: `Docker Hub's pull-limit headers cannot be read (${reading.problem})`,
    };
  const against = reading.source ? ` (counted against ${reading.source})` : '';
  if (reading.kind === 'unlimited')
    return {
      status: 'healthy',
      message: `no pull limit: Docker Hub sent no rate-limit headers (a plan without a pull limit)${against}`,
    };
  const window = windowOf(reading.windowS);
  if (reading.remaining === 0)
    return {
      status: 'unhealthy',
      message: `no pulls left of ${reading.limit} in the ${window} window${against}; Docker Hub does not say when it resets (pulls come back as the ${window} window moves on). Pulls fail with TOOMANYREQUESTS until then: authenticate with an account on a higher plan, or pull less often`,
    };
  const summary = `${reading.remaining} of ${reading.limit} pulls left in ${window}${against}`;
  if (reading.remaining < reading.limit * LOW_SHARE)
    return { status: 'degraded', message: `${summary}: less than 10 % of the pull limit is left` };
  return { status: 'healthy', message: summary };
}

/**
 * Which 429 Docker Hub sent: the pull limit (`TOOMANYREQUESTS` in the body, or no pulls left in the
 * headers; a `HEAD` has no body) or the anti-abuse protection (neither), in words a user can act on.
 */
export function tooManyRequests(
  headers: Readonly<Record<string, string>>,
  body: Buffer | string | undefined,
): { readonly kind: 'pull_limit' | 'anti_abuse'; readonly message: string } {
  const codes = registryErrorsOf(body).map((entry) => entry.code);
  const reading = readPullLimit(headers);
  const source = reading.kind === 'unreadable' ? undefined : reading.source;
  const against = source ? ` (counted against ${source})` : '';
  if (codes.includes('TOOMANYREQUESTS') || (reading.kind === 'limited' && reading.remaining === 0))
    return {
      kind: 'pull_limit',
      message: `Docker Hub's pull limit is used up${against} (429 TOOMANYREQUESTS${
        reading.kind === 'limited' ? `, ${reading.limit} pulls per ${windowOf(reading.windowS)}` : ''
      }); authenticate with an account on a higher plan, or wait as the window moves on`,
    };
  return {
    kind: 'anti_abuse',
    message:
      "Docker Hub's anti-abuse protection refused the request (429 Too Many Requests, not the pull limit): too many requests in a short time from this address; slow down and retry later",
  };
}

/** The IP address or account the pulls count against, shown as sent but never longer than 100 characters. */
function sourceOf(value: string | undefined): string | undefined {
  const text = value?.trim();
  return text && /^[\x21-\x7e]{1,100}$/.test(text) ? text : undefined;
}

function excerpt(value: string | undefined): string {
  return value === undefined ? 'missing' : value.replace(/[^\x20-\x7e]/g, '?').slice(0, 40);
}

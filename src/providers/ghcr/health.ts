import { UpstreamError } from '../../core/errors.js';
import type { HealthCheckResult } from '../../plugins/contracts.js';
import { checkHealth as checkRegistry } from '../oci/connection.js';
import { describeFailure, type RegistrySession } from '../oci/index.js';
import { type GitHubApi, tokenOf } from './api.js';

/** Below this share of the hourly limit left, the integration is `degraded`: listings will soon be refused. */
export const RATE_LIMIT_LOW_SHARE = 0.1;

/**
 * Health: ghcr.io's `/v2/` accepts the login (through the `oci` session), and GitHub's API has
 * requests left for listing packages (`GET /rate_limit`, which does not count against the limit;
 * its `X-RateLimit-*` headers, https://docs.github.com/rest/rate-limit). Less than 10 % of the limit
 * left is `degraded`, saying when it resets; an API that fails for now is `degraded` too (the
 * registry still serves). Without credentials only the registry is checked.
 */
export async function checkHealth(
  api: GitHubApi,
  registry: () => RegistrySession,
): Promise<HealthCheckResult> {
  const { credentials } = api.context;
  // The credential's shape first, so a wrong one is reported in this provider's words.
  if (credentials.configured) tokenOf((await credentials.get()).value);
  const result = await checkRegistry(registry());
  if (result.status !== 'healthy' || !credentials.configured) return result;
  let headers: Readonly<Record<string, string>>;
  try {
    headers = (await api.get('rate_limit', { operation: 'rate_limit' })).headers;
  } catch (error) {
    if (error instanceof UpstreamError && error.isTransient)
      return {
        status: 'degraded',
        message: `${result.message}; GitHub's API does not answer for now (${describeFailure(error)}), so packages cannot be listed`,
      };
    throw error;
  }
  return readRateLimit(headers, result.message);
}

/**
 * What GitHub's rate-limit headers mean for us: `degraded` below 10 % left, with the reset time;
 * no headers (GitHub Enterprise Server with rate limits off) is healthy.
 *
 * @example
 * readRateLimit({ 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '12', 'x-ratelimit-reset': '1767225600' }, 'ok');
 * // { status: 'degraded', message: "ok; GitHub's API rate limit is nearly spent: 12 of 5000 requests left until 2026-01-01T00:00:00.000Z…" }
 */
export function readRateLimit(
  headers: Readonly<Record<string, string>>,
  registry: string,
): HealthCheckResult {
  const limit = Number(headers['x-ratelimit-limit']);
  const remaining = Number(headers['x-ratelimit-remaining']);
  if (
    headers['x-ratelimit-limit'] === undefined ||
    headers['x-ratelimit-remaining'] === undefined ||
    !Number.isFinite(limit) ||
    !Number.isFinite(remaining) ||
    limit <= 0
  )
    return { status: 'healthy', message: `${registry}; GitHub's API answers, and reports no rate limit` };
  if (remaining < limit * RATE_LIMIT_LOW_SHARE) {
    const reset = Number(headers['x-ratelimit-reset']);
    const when =
      headers['x-ratelimit-reset'] !== undefined && Number.isFinite(reset) && reset > 0
        ? `until ${new Date(reset * 1000).toISOString()}`
        : 'until the hour is over';
    return {
      status: 'degraded',
      message: `${registry}; GitHub's API rate limit is nearly spent: ${remaining} of ${limit} requests left ${when}, when it resets (package listings are refused once it runs out)`,
    };
  }
  return { status: 'healthy', message: `${registry}; GitHub's API: ${remaining} of ${limit} requests left` };
}

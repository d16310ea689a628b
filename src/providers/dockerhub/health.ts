import type { HealthCheckResult } from '../../plugins/contracts.js';
import { MEDIA_TYPES, type RegistrySession } from '../oci/index.js';
import type { DockerHubConfig } from './config.js';
import { registryRepositoryOf } from './endpoint.js';
import { pullLimitHealth, readPullLimit, tooManyRequests } from './rate-limit.js';

/** The repository Docker documents for reading the pull limit, when none is configured. */
export const RATE_LIMIT_PREVIEW = 'ratelimitpreview/test';

const MANIFEST_ACCEPT = Object.values(MEDIA_TYPES).join(', ');

/** Where the pull limit is read: the first configured repository's `latest`, else Docker's preview image. */
export function pullLimitProbeOf(config: Pick<DockerHubConfig, 'repositories'>): string {
  const first = config.repositories?.[0];
  return first === undefined ? RATE_LIMIT_PREVIEW : registryRepositoryOf(first);
}

/**
 * Health is the pull limit: `HEAD /v2/<repo>/manifests/latest` (a `HEAD` spends no pull),
 * authenticated as the reads are, and its rate-limit headers. Healthy with pulls to spare or no
 * limit; degraded under 10 % left, on the anti-abuse 429, or when the probe image has no `latest`;
 * unhealthy with no pull left. A refused credential or an unreachable registry throws (unhealthy).
 *
 * @example
 * await checkHealth(session, config); // { status: 'healthy', message: '76 of 100 pulls left in 6 h (counted against 203.0.113.7)' }
 */
export async function checkHealth(
  session: RegistrySession,
  config: DockerHubConfig,
): Promise<HealthCheckResult> {
  const repository = pullLimitProbeOf(config);
  const response = await session.send({
    method: 'HEAD',
    path: `${repository}/manifests/latest`,
    accept: MANIFEST_ACCEPT,
    scope: { type: 'repository', name: repository, actions: ['pull'] },
    okStatuses: [404, 429],
    operation: 'rate_limit',
  });
  if (response.status === 429) {
    const refused = tooManyRequests(response.headers, response.body);
    return { status: refused.kind === 'pull_limit' ? 'unhealthy' : 'degraded', message: refused.message };
  }
  const reading = readPullLimit(response.headers);
  if (response.status === 404 && reading.kind !== 'limited')
    return {
      status: 'degraded',
      message: `${repository}:latest was not found (HTTP 404), so the pull limit could not be read; put a repository with a latest tag first in config.repositories`,
    };
  return pullLimitHealth(reading);
}

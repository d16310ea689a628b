import type { HealthCheckResult } from '../../plugins/contracts.js';
import { CI_TOKEN_NEED } from './ci-connection.js';
import { readOnlineRunners } from './ci-reads.js';
import {
  DEGRADED_QUOTA_SHARE,
  MAX_TESTED_PROJECTS,
  quotaLeft,
  quotaMessage,
  tokenCheck,
} from './connection.js';
import { describeFailure, statusOf } from './errors.js';
import { parse, VersionSchema } from './responses.js';
import type { GitLabSession } from './session.js';

/**
 * Health of a `ci` integration: `GET /version` with the token (refused or unreachable: unhealthy, which
 * the caller's guard makes of the error), the token's scopes and expiry, then the online runners of each
 * configured project (up to MAX_TESTED_PROJECTS). Degraded when a project has no online runner that takes
 * jobs (where the token may list runners: Maintainer), a project cannot be read, the token lacks read_api
 * or expires soon, or less than DEGRADED_QUOTA_SHARE of the rate limit is left.
 *
 * @example
 * await checkCiHealth(createSession(context, shared), new Date());
 * // { status: 'degraded', message: 'no online runner for acme/app (0 online): its jobs will stay pending; …' }
 */
export async function checkCiHealth(session: GitLabSession, now: Date): Promise<HealthCheckResult> {
  const response = await session.call({ method: 'GET', path: '/version', operation: 'health' });
  const version = parse(VersionSchema, response.json(), 'GET /version').version;
  let quota = quotaLeft(response.headers);
  const problems: string[] = [];

  const token = await tokenCheck(session, now, CI_TOKEN_NEED);
  if (!token.ok || /expires/.test(token.message)) problems.push(`the token: ${token.message}`);

  const online: string[] = [];
  const idle: string[] = [];
  const hidden: string[] = [];
  for (const path of (session.config.repositories ?? []).slice(0, MAX_TESTED_PROJECTS)) {
    try {
      const runners = await readOnlineRunners(session, path);
      const seen = quotaLeft(runners.headers);
      if (seen && (!quota || seen.share < quota.share)) quota = seen;
      const paused = runners.paused > 0 ? `; ${runners.paused} paused` : '';
      if (runners.available === 0) idle.push(`${path} (0 online${paused})`);
      else online.push(`${path} ${runners.available}`);
    } catch (error) {
      const status = statusOf(error);
      // A refused token makes the whole check unhealthy, as on /version.
      if (status === 401) throw error;
      if (status === 403) hidden.push(path);
      else problems.push(`${path}: ${describeFailure(error).message}`);
    }
  }

  if (idle.length > 0)
    problems.unshift(
      `no online runner for ${idle.join(', ')}: its jobs will stay pending; register or resume a runner, or enable instance runners`,
    );
  if (quota && quota.share < DEGRADED_QUOTA_SHARE) problems.unshift(quotaMessage(quota));
  const notes = [
    ...(online.length > 0 ? [`online runners: ${online.join(', ')}`] : []),
    ...(hidden.length > 0
      ? [`runners not checked for ${hidden.join(', ')} (listing them needs the Maintainer role)`]
      : []),
  ];
  if (problems.length > 0) return { status: 'degraded', message: [...problems, ...notes].join('; ') };
  return {
    status: 'healthy',
    message: [`GitLab ${version} answers; the token is accepted`, ...notes].join('; '),
  };
}

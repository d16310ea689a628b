import type { HealthCheckResult } from '../../plugins/contracts.js';
import { listOrgRunners, notInstalledOn, type RateLimit, rateLimitOf, runnersRefusal } from './actions.js';
import { findCiInstallation } from './ci-connection.js';
import { DEGRADED_QUOTA_SHARE } from './connection.js';
import { describeFailure, statusOf } from './errors.js';
import type { GitHubResponse } from './octokit.js';
import type { GitHubSession } from './session.js';

/**
 * Health of a `ci` (GitHub Actions) integration: unhealthy when GitHub refuses the App or its installation
 * (or cannot be reached); degraded when every self-hosted runner of the organisation is offline (when it
 * has runners and the installation may read them), or when less than 10 % of the installation's rate
 * limit is left (`x-ratelimit-*` of the last answer); healthy otherwise. The message says how many
 * runners are online and how much of the rate limit is left.
 */

/** One part of the health message, and whether it makes health degraded. */
interface Finding {
  readonly text: string;
  readonly degraded: boolean;
}

/** What the runners read says (degraded when all are offline), and the answer that carried it. */
async function runnersReport(
  session: GitHubSession,
  org: string,
): Promise<Finding & { last?: GitHubResponse }> {
  const installationId = await session.orgInstallationId(org);
  if (installationId === undefined) return { text: notInstalledOn(org), degraded: false };
  let read: Awaited<ReturnType<typeof listOrgRunners>>;
  try {
    read = await listOrgRunners(session, installationId, org);
  } catch (error) {
    const refusal = runnersRefusal(error, org);
    if (refusal === undefined) throw error;
    return { text: refusal, degraded: false };
  }
  const { total, online, busy, last } = read;
  if (total === 0) return { text: `${org} has no self-hosted runners`, degraded: false, last };
  if (online > 0) {
    return {
      text: `${online} of ${total} self-hosted runners of ${org} online (${busy} busy)`,
      degraded: false,
      last,
    };
  }
  return {
    text: `every self-hosted runner of ${org} is offline (0 of ${total} online): its jobs wait until one is started`,
    degraded: true,
    last,
  };
}

/** `GET /rate_limit` (it does not count against the limit), for its headers; undefined where it is off. */
async function rateLimitAnswer(
  session: GitHubSession,
  installationId: number,
): Promise<GitHubResponse | undefined> {
  try {
    return await session.readAs(installationId, { route: 'GET /rate_limit', operation: 'get_rate_limit' });
  } catch (error) {
    // GitHub Enterprise Server answers 404 when rate limiting is off (its default).
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}

/** The rate limit left (degraded under 10 %), and when it resets. */
function rateReport(rate: RateLimit | undefined): Finding {
  if (rate === undefined) {
    return { text: 'no rate limit reported (rate limiting is off on this server)', degraded: false };
  }
  const resets = new Date(rate.reset * 1000).toISOString();
  if (rate.limit > 0 && rate.remaining / rate.limit < DEGRADED_QUOTA_SHARE) {
    return {
      text: `the installation's rate limit is nearly spent: ${rate.remaining} of ${rate.limit} requests left (under 10 %); it resets at ${resets}`,
      degraded: true,
    };
  }
  return { text: `${rate.remaining} of ${rate.limit} requests left until ${resets}`, degraded: false };
}

export async function checkCiHealth(session: GitHubSession): Promise<HealthCheckResult> {
  try {
    const installation = await findCiInstallation(session);
    if (!installation) {
      const app = await session.app();
      return {
        status: 'healthy',
        message: `the App '${app.slug}' authenticates; no installation to watch (list repositories or set organization)`,
      };
    }
    // A token proves the App and the installation are accepted (a suspended or removed one is refused).
    await session.installationToken(installation.id);
    const findings: Finding[] = [
      { text: `the App and installation ${installation.id} authenticate`, degraded: false },
    ];
    let last: GitHubResponse | undefined;
    const { organization } = session.config;
    if (organization !== undefined) {
      const runners = await runnersReport(session, organization);
      findings.push(runners);
      last = runners.last;
    }
    last ??= await rateLimitAnswer(session, installation.id);
    findings.push(rateReport(last === undefined ? undefined : rateLimitOf(last)));
    // What degrades health comes first, so it is what a reader sees first.
    const ordered = [...findings.filter((f) => f.degraded), ...findings.filter((f) => !f.degraded)];
    return {
      status: findings.some((f) => f.degraded) ? 'degraded' : 'healthy',
      message: ordered.map((f) => f.text).join('; '),
    };
  } catch (error) {
    return { status: 'unhealthy', message: describeFailure(error).message };
  }
}

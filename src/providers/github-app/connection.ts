import type { ConnectionCheck, HealthCheckResult, TestConnectionResult } from '../../plugins/contracts.js';
import { connectionResult } from '../../plugins/guarded.js';
import { describeFailure, statusOf } from './errors.js';
import { parse, RateLimitSchema, RepositorySchema } from './responses.js';
import { versionCheck } from './server-version.js';
import type { GitHubSession } from './session.js';

/**
 * The connection test, step by step (the App authenticates, an installation is found, a token can be
 * made, the installation has the permissions this provider needs, each configured repository is reachable,
 * which GitHub and, for GitHub Enterprise Server, which version),
 * and the health check from `GET /rate_limit`, which does not count against the limit.
 */

/** What the installation must grant, as `name:level`. */
export const REQUIRED_PERMISSIONS = ['checks:write', 'pull_requests:write', 'statuses:write'] as const;
/** Below this share of the core quota left, health is degraded. */
export const DEGRADED_QUOTA_SHARE = 0.1;
/** Repositories a connection test checks at most. */
const MAX_REPOSITORIES_CHECKED = 20;

function grants(permissions: Readonly<Record<string, string>>, needed: string): boolean {
  const [name = '', level = 'read'] = needed.split(':');
  const granted = permissions[name];
  return granted === 'write' || granted === 'admin' || (granted === 'read' && level === 'read');
}

function summary(checks: ConnectionCheck[]): TestConnectionResult {
  return connectionResult(checks, 'the GitHub App can post checks, statuses and comments');
}

/** The installation to test: configured, or the one on the first configured repository. */
async function findInstallation(session: GitHubSession): Promise<{ id: number; how: string } | undefined> {
  if (session.config.installationId !== undefined)
    return { id: session.config.installationId, how: 'configured' };
  const first = session.config.repositories?.[0];
  if (first === undefined) return undefined;
  const [owner = '', repo = ''] = first.split('/');
  return { id: await session.installationId({ owner, repo }), how: `installed on ${first}` };
}

export async function testConnection(session: GitHubSession): Promise<TestConnectionResult> {
  const checks: ConnectionCheck[] = [];
  const failed = (name: string, error: unknown) => {
    checks.push({ name, ok: false, message: describeFailure(error).message });
    return summary(checks);
  };

  let app: Awaited<ReturnType<GitHubSession['app']>>;
  try {
    app = await session.app();
  } catch (error) {
    return failed('app', error);
  }
  checks.push({
    name: 'app',
    ok: true,
    message: `authenticated as the App '${app.name}' (${app.slug}, id ${app.id})`,
  });

  let installation: { id: number; how: string } | undefined;
  try {
    installation = await findInstallation(session);
  } catch (error) {
    return failed('installation', error);
  }
  if (!installation) {
    checks.push({
      name: 'installation',
      ok: false,
      message: 'set installationId, or list repositories so the installation can be found',
    });
    return summary(checks);
  }
  checks.push({
    name: 'installation',
    ok: true,
    message: `installation ${installation.id} (${installation.how})`,
  });

  let permissions: Readonly<Record<string, string>>;
  try {
    permissions = (await session.installationToken(installation.id)).permissions;
  } catch (error) {
    return failed('installation_token', error);
  }
  checks.push({ name: 'installation_token', ok: true, message: 'an installation token was issued' });

  const missing = REQUIRED_PERMISSIONS.filter((needed) => !grants(permissions, needed));
  checks.push({
    name: 'permissions',
    ok: missing.length === 0,
    message:
      missing.length === 0
        ? `granted ${REQUIRED_PERMISSIONS.join(', ')}`
        : `missing ${missing.join(', ')}: add ${missing.length === 1 ? 'it' : 'them'} in the App's settings and accept the change on the installation`,
  });

  for (const fullName of (session.config.repositories ?? []).slice(0, MAX_REPOSITORIES_CHECKED)) {
    const [owner = '', repo = ''] = fullName.split('/');
    try {
      const response = await session.readAs(installation.id, {
        route: 'GET /repos/{owner}/{repo}',
        params: { owner, repo },
        operation: 'get_repository',
      });
      parse(RepositorySchema, response.data, 'GET repository');
      checks.push({ name: `repository ${fullName}`, ok: true, message: 'accessible to the installation' });
    } catch (error) {
      const message =
        statusOf(error) === 404
          ? `not accessible to installation ${installation.id}: add the repository to the installation`
          : describeFailure(error).message;
      checks.push({ name: `repository ${fullName}`, ok: false, message });
    }
  }
  checks.push(await versionCheck(session, installation.id));
  return summary(checks);
}

export async function checkHealth(session: GitHubSession): Promise<HealthCheckResult> {
  try {
    const installation = await findInstallation(session);
    if (!installation) {
      const app = await session.app();
      return {
        status: 'healthy',
        message: `the App '${app.slug}' authenticates; no installation to read the rate limit of`,
      };
    }
    let data: unknown;
    try {
      data = (
        await session.readAs(installation.id, { route: 'GET /rate_limit', operation: 'get_rate_limit' })
      ).data;
    } catch (error) {
      // GitHub Enterprise Server answers 404 when rate limiting is off (its default).
      if (statusOf(error) === 404)
        return { status: 'healthy', message: 'rate limiting is disabled on this server' };
      throw error;
    }
    const { limit, remaining, reset } = parse(RateLimitSchema, data, 'GET /rate_limit').resources.core;
    const resetAt = new Date(reset * 1000).toISOString();
    const left = `${remaining} of ${limit} core requests left until ${resetAt}`;
    if (limit > 0 && remaining / limit < DEGRADED_QUOTA_SHARE) {
      return { status: 'degraded', message: `less than 10% of the rate limit is left: ${left}` };
    }
    return { status: 'healthy', message: left };
  } catch (error) {
    return { status: 'unhealthy', message: describeFailure(error).message };
  }
}

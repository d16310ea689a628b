import type { ConnectionCheck, HealthCheckResult, TestConnectionResult } from '../../plugins/contracts.js';
import { connectionResult } from '../../plugins/guarded.js';
import { describeFailure, statusOf } from './errors.js';
import { parse, RateLimitSchema, RepositorySchema } from './responses.js';
import { versionCheck } from './server-version.js';
import type { GitHubSession } from './session.js';

/**
 * The `scm` connection test, step by step (the App authenticates, an installation is found, a token can
 * be made, the installation has the permissions this provider needs, each configured repository is
 * reachable, which GitHub and, for GitHub Enterprise Server, which version), and the `scm` health check
 * from `GET /rate_limit`, which does not count against the limit. The first three steps are shared with
 * the `ci` (GitHub Actions) test in `ci-connection.ts`.
 */

/** What the installation must grant, as `name:level`. */
export const REQUIRED_PERMISSIONS = ['checks:write', 'pull_requests:write', 'statuses:write'] as const;
/** Below this share of the core quota left, health is degraded. */
export const DEGRADED_QUOTA_SHARE = 0.1;
/** Repositories a connection test checks at most. */
export const MAX_REPOSITORIES_CHECKED = 20;

/** Whether `permissions` (as a token lists them) grant `needed` (`name:level`; write includes read). */
export function grants(permissions: Readonly<Record<string, string>>, needed: string): boolean {
  const [name = '', level = 'read'] = needed.split(':');
  const granted = permissions[name];
  return granted === 'write' || granted === 'admin' || (granted === 'read' && level === 'read');
}

function summary(checks: ConnectionCheck[]): TestConnectionResult {
  return connectionResult(checks, 'the GitHub App can post checks, statuses and comments');
}

/** An installation to act as, and how it was found (for the `installation` step's message). */
export interface FoundInstallation {
  readonly id: number;
  readonly how: string;
}

/** The installation to test: configured, or the one on the first configured repository. */
async function findInstallation(session: GitHubSession): Promise<FoundInstallation | undefined> {
  if (session.config.installationId !== undefined)
    return { id: session.config.installationId, how: 'configured' };
  const first = session.config.repositories?.[0];
  if (first === undefined) return undefined;
  const [owner = '', repo = ''] = first.split('/');
  return { id: await session.installationId({ owner, repo }), how: `installed on ${first}` };
}

/** How a connection test finds its installation, and what to tell the user when it cannot. */
export interface InstallationLookup {
  readonly find: (session: GitHubSession) => Promise<FoundInstallation | undefined>;
  /** The `installation` step's message when there is nothing to find it by. */
  readonly missing: string;
}

/**
 * The steps every connection test of this provider starts with, pushed onto `checks`: `app` (`GET /app`
 * with the App's JWT), `installation`, `installation_token`. Resolves to the installation and the
 * permissions its token carries, or undefined when a step failed (the failed step is the last in `checks`).
 *
 * @example
 * const auth = await authenticationSteps(session, checks, { find, missing: 'set installationId' });
 * if (!auth) return connectionResult(checks, '…');
 */
export async function authenticationSteps(
  session: GitHubSession,
  checks: ConnectionCheck[],
  lookup: InstallationLookup,
): Promise<{ id: number; permissions: Readonly<Record<string, string>> } | undefined> {
  const failed = (name: string, error: unknown) => {
    checks.push({ name, ok: false, message: describeFailure(error).message });
    return undefined;
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

  let installation: FoundInstallation | undefined;
  try {
    installation = await lookup.find(session);
  } catch (error) {
    return failed('installation', error);
  }
  if (!installation) {
    checks.push({ name: 'installation', ok: false, message: lookup.missing });
    return undefined;
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
  return { id: installation.id, permissions };
}

export async function testConnection(session: GitHubSession): Promise<TestConnectionResult> {
  const checks: ConnectionCheck[] = [];
  const auth = await authenticationSteps(session, checks, {
    find: findInstallation,
    missing: 'set installationId, or list repositories so the installation can be found',
  });
  if (!auth) return summary(checks);
  const { id: installationId, permissions } = auth;

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
      const response = await session.readAs(installationId, {
        route: 'GET /repos/{owner}/{repo}',
        params: { owner, repo },
        operation: 'get_repository',
      });
      parse(RepositorySchema, response.data, 'GET repository');
      checks.push({ name: `repository ${fullName}`, ok: true, message: 'accessible to the installation' });
    } catch (error) {
      const message =
        statusOf(error) === 404
          ? `not accessible to installation ${installationId}: add the repository to the installation`
          : describeFailure(error).message;
      checks.push({ name: `repository ${fullName}`, ok: false, message });
    }
  }
  checks.push(await versionCheck(session, installationId));
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

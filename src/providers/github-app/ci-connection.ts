import type { ConnectionCheck, TestConnectionResult } from '../../plugins/contracts.js';
import { connectionResult } from '../../plugins/guarded.js';
import {
  ACTIONS_PERMISSION,
  countWorkflows,
  describeRun,
  GRANT_ACTIONS,
  latestRun,
  listOrgRunners,
  notInstalledOn,
  runnersRefusal,
} from './actions.js';
import {
  authenticationSteps,
  type FoundInstallation,
  grants,
  MAX_REPOSITORIES_CHECKED,
} from './connection.js';
import { describeFailure, GitHubAppError, statusOf } from './errors.js';
import { versionCheck } from './server-version.js';
import type { GitHubSession } from './session.js';

/**
 * The connection test of a `ci` integration (GitHub Actions through the same App): the App authenticates
 * and an installation issues a token (the steps the `scm` test starts with), the installation has
 * `actions: read`, each configured repository's workflows can be counted and its latest run read, and,
 * when `organization` is set, the organisation's self-hosted runners can be listed. Every step runs, so a
 * user sees everything to fix at once; the result names the first that failed.
 */

/** The installation a `ci` integration acts as: configured, on its first repository, or on its organisation. */
export async function findCiInstallation(session: GitHubSession): Promise<FoundInstallation | undefined> {
  const { installationId, repositories, organization } = session.config;
  if (installationId !== undefined) return { id: installationId, how: 'configured' };
  const first = repositories?.[0];
  if (first !== undefined) {
    const [owner = '', repo = ''] = first.split('/');
    return { id: await session.installationId({ owner, repo }), how: `installed on ${first}` };
  }
  if (organization !== undefined) {
    const id = await session.orgInstallationId(organization);
    if (id === undefined) throw new GitHubAppError(notInstalledOn(organization));
    return { id, how: `installed on ${organization}` };
  }
  return undefined;
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/** Why a read of Actions failed, in words that say what to fix. */
function actionsFailure(error: unknown, installationId: number, what: string): string {
  const status = statusOf(error);
  if (status === 403 && !describeFailure(error).isTransient) {
    return `the installation cannot read ${what} (GitHub: Resource not accessible by integration): ${GRANT_ACTIONS}`;
  }
  if (status === 404) {
    return `not accessible to installation ${installationId}: add the repository to the installation, or correct its name`;
  }
  return describeFailure(error).message;
}

/** The `workflows o/r` and `latest run o/r` steps of one repository. */
async function repositorySteps(
  session: GitHubSession,
  installationId: number,
  fullName: string,
): Promise<ConnectionCheck[]> {
  const [owner = '', repo = ''] = fullName.split('/');
  const target = { owner, repo };
  let count: Awaited<ReturnType<typeof countWorkflows>>;
  try {
    count = await countWorkflows(session, installationId, target);
  } catch (error) {
    return [
      {
        name: `workflows ${fullName}`,
        ok: false,
        message: actionsFailure(error, installationId, 'workflows'),
      },
    ];
  }
  if (count.total === 0) {
    return [
      {
        name: `workflows ${fullName}`,
        ok: false,
        message:
          'no GitHub Actions workflows: add one under .github/workflows, or leave the repository out of repositories',
      },
    ];
  }
  const steps: ConnectionCheck[] = [
    {
      name: `workflows ${fullName}`,
      ok: true,
      message: `${plural(count.total, 'workflow')} (first: '${count.first ?? 'unnamed'}')`,
    },
  ];
  try {
    const run = await latestRun(session, installationId, target);
    steps.push({
      name: `latest run ${fullName}`,
      ok: true,
      message: run ? `latest ${describeRun(run)}` : 'no workflow run yet',
    });
  } catch (error) {
    steps.push({
      name: `latest run ${fullName}`,
      ok: false,
      message: actionsFailure(error, installationId, 'workflow runs'),
    });
  }
  return steps;
}

/** The `runners <org>` step: the organisation's installation lists its self-hosted runners. */
async function runnersStep(session: GitHubSession, org: string): Promise<ConnectionCheck> {
  const name = `runners ${org}`;
  try {
    const installationId = await session.orgInstallationId(org);
    if (installationId === undefined) return { name, ok: false, message: notInstalledOn(org) };
    const { total, online } = await listOrgRunners(session, installationId, org);
    if (total === 0) return { name, ok: true, message: 'no self-hosted runners are registered' };
    const count = `${online} of ${plural(total, 'self-hosted runner')} online`;
    return {
      name,
      ok: true,
      message: online === 0 ? `${count}: start one (health is degraded while none is online)` : count,
    };
  } catch (error) {
    return { name, ok: false, message: runnersRefusal(error, org) ?? describeFailure(error).message };
  }
}

export async function testCiConnection(session: GitHubSession): Promise<TestConnectionResult> {
  const { repositories = [], organization } = session.config;
  const checks: ConnectionCheck[] = [];
  const summary = () =>
    connectionResult(
      checks,
      `the GitHub App can read GitHub Actions workflows and runs${organization ? ` and ${organization}'s self-hosted runners` : ''}`,
    );
  const auth = await authenticationSteps(session, checks, {
    find: findCiInstallation,
    missing:
      'list repositories (owner/name) whose workflows to watch, set organization, or set installationId',
  });
  if (!auth) return summary();

  const hasActions = grants(auth.permissions, ACTIONS_PERMISSION);
  checks.push({
    name: 'permissions',
    ok: hasActions,
    message: hasActions ? `granted ${ACTIONS_PERMISSION}` : `missing ${ACTIONS_PERMISSION}: ${GRANT_ACTIONS}`,
  });
  if (repositories.length === 0 && organization === undefined) {
    checks.push({
      name: 'watched',
      ok: false,
      message:
        'nothing to watch: list repositories (owner/name) whose workflows to watch, or set organization',
    });
  }
  for (const fullName of repositories.slice(0, MAX_REPOSITORIES_CHECKED)) {
    checks.push(...(await repositorySteps(session, auth.id, fullName)));
  }
  if (organization !== undefined) checks.push(await runnersStep(session, organization));
  checks.push(await versionCheck(session, auth.id));
  return summary();
}

import { describeFailure, statusOf } from './errors.js';
import type { GitHubResponse } from './octokit.js';
import {
  parse,
  RunnerListSchema,
  WorkflowListSchema,
  type WorkflowRun,
  WorkflowRunListSchema,
} from './responses.js';
import type { GitHubSession, RepoTarget } from './session.js';

/**
 * What a `ci` (GitHub Actions) integration reads, as an installation: how many workflows a repository
 * has, its latest workflow run, an organisation's self-hosted runners, and the rate limit GitHub reports
 * on every answer. Each read has a fixed operation label for metrics and logs.
 */

/** What the installation must grant to read workflows and runs (GitHub: "Actions" repository permission). */
export const ACTIONS_PERMISSION = 'actions:read';
/** What it must grant to list an organisation's self-hosted runners. */
export const RUNNERS_PERMISSION = 'organization_self_hosted_runners:read';

/** Where each permission is granted in the App's settings, for messages that say what to fix. */
export const GRANT_ACTIONS =
  "in the App's settings grant Repository permissions → Actions: Read-only (actions: read), then accept the change on the installation";
export const GRANT_RUNNERS =
  "in the App's settings grant Organization permissions → Self-hosted runners: Read-only (organization_self_hosted_runners: read), then accept the change on the installation";

/** The number of workflows of a repository (`total_count` of one page of one). */
export async function countWorkflows(
  session: GitHubSession,
  installationId: number,
  { owner, repo }: RepoTarget,
): Promise<{ total: number; first: string | undefined }> {
  const response = await session.readAs(installationId, {
    route: 'GET /repos/{owner}/{repo}/actions/workflows',
    params: { owner, repo, per_page: 1 },
    operation: 'list_workflows',
  });
  const data = parse(WorkflowListSchema, response.data, 'GET /repos/{owner}/{repo}/actions/workflows');
  return { total: data.total_count, first: data.workflows[0]?.name };
}

/** The newest workflow run of a repository, if it has one. */
export async function latestRun(
  session: GitHubSession,
  installationId: number,
  { owner, repo }: RepoTarget,
): Promise<WorkflowRun | undefined> {
  const response = await session.readAs(installationId, {
    route: 'GET /repos/{owner}/{repo}/actions/runs',
    params: { owner, repo, per_page: 1 },
    operation: 'list_workflow_runs',
  });
  return parse(WorkflowRunListSchema, response.data, 'GET /repos/{owner}/{repo}/actions/runs')
    .workflow_runs[0];
}

/** "run #12 of 'CI' on main: completed, failure" */
export function describeRun(run: WorkflowRun): string {
  const name = run.name ? ` of '${run.name}'` : '';
  const branch = run.head_branch ? ` on ${run.head_branch}` : '';
  const state = [run.status ?? 'unknown status', run.conclusion].filter(Boolean).join(', ');
  return `run #${run.run_number}${name}${branch}: ${state}`;
}

export interface OrgRunners {
  readonly total: number;
  readonly online: number;
  readonly busy: number;
  /** The last page's answer: its headers carry the rate limit. */
  readonly last: GitHubResponse;
}

/** Every self-hosted runner of `org`, 100 a page, counted. */
export async function listOrgRunners(
  session: GitHubSession,
  installationId: number,
  org: string,
): Promise<OrgRunners> {
  let total = 0;
  let online = 0;
  let busy = 0;
  let last: GitHubResponse | undefined;
  for await (const page of session.pagesAs(installationId, {
    route: 'GET /orgs/{org}/actions/runners',
    params: { org, per_page: 100 },
    operation: 'list_org_runners',
  })) {
    const data = parse(RunnerListSchema, page.data, 'GET /orgs/{org}/actions/runners');
    total = data.total_count;
    online += data.runners.filter((runner) => runner.status === 'online').length;
    busy += data.runners.filter((runner) => runner.busy).length;
    last = page;
  }
  // pagesAs yields at least the first page or throws.
  return { total, online, busy, last: last as GitHubResponse };
}

/** What to fix when the App has no installation on the organisation. */
export const notInstalledOn = (org: string) =>
  `the App is not installed on the organisation ${org} (or it does not exist): install it there`;

/**
 * What to fix when an organisation's runners cannot be read: a permission (403 "Resource not accessible
 * by integration") or an installation that is not on the organisation (404); undefined for any other
 * failure, which the caller reports as it is.
 */
export function runnersRefusal(error: unknown, org: string): string | undefined {
  const status = statusOf(error);
  if (status === 403 && !describeFailure(error).isTransient) {
    return `the installation cannot list the self-hosted runners of ${org} (GitHub: Resource not accessible by integration): ${GRANT_RUNNERS}`;
  }
  if (status === 404) {
    return `the organisation ${org} does not exist or the installation is not on it: install the App on ${org}`;
  }
  return undefined;
}

/** The rate limit GitHub reports on an answer (`x-ratelimit-*`); undefined when it sends none (GHES off). */
export interface RateLimit {
  readonly limit: number;
  readonly remaining: number;
  /** Epoch seconds. */
  readonly reset: number;
}

export function rateLimitOf(response: GitHubResponse): RateLimit | undefined {
  const read = (name: string) => {
    const value = response.headers[`x-ratelimit-${name}`];
    const number = typeof value === 'number' ? value : Number.parseInt(String(value ?? ''), 10);
    return Number.isSafeInteger(number) && number >= 0 ? number : undefined;
  };
  const limit = read('limit');
  const remaining = read('remaining');
  const reset = read('reset');
  if (limit === undefined || remaining === undefined || reset === undefined) return undefined;
  return { limit, remaining, reset };
}

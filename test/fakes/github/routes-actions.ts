import type { FakeRequest } from '../openapi/contract-server.js';
import { paginate, type Route, type RouteContext } from './route-context.js';
import { type FakeRunner, type FakeWorkflow, type FakeWorkflowRun, repoKey, userJson } from './state.js';

/**
 * GitHub Actions as an App's installation reads it: a repository's workflows and workflow runs (newest
 * first, with the filters GitHub documents for `branch`, `event`, `status` and `head_sha`) and an
 * organisation's self-hosted runners (by `name` too). Each list carries
 * `total_count` and GitHub's `Link` paging. Which installation may call what (`actions: read`,
 * `organization_self_hosted_runners: read`, the repository or organisation being the installation's)
 * is the guard's.
 */

/** Filters of `GET /repos/{owner}/{repo}/actions/runs` the fake does not model: using one is a violation. */
export const UNMODELLED_RUN_FILTERS = ['actor', 'created', 'check_suite_id'] as const;

/** Statuses a run's `status` filter matches on `status` itself; the others are conclusions. */
const RUN_STATUSES = new Set(['queued', 'in_progress', 'completed', 'waiting', 'requested', 'pending']);

function repositoryJson(repository: string, context: RouteContext): Record<string, unknown> {
  const [owner = '', name = ''] = repository.split('/');
  return {
    id: 500,
    name,
    full_name: repository,
    owner: userJson({ login: owner, id: 1, type: 'Organization' }, context.apiUrl),
    private: true,
    html_url: `https://github.example.invalid/${repository}`,
    url: `${context.apiUrl}/repos/${repository}`,
  };
}

function workflowJson(workflow: FakeWorkflow, context: RouteContext): Record<string, unknown> {
  const url = `${context.apiUrl}/repos/${workflow.repository}/actions/workflows/${workflow.id}`;
  return {
    id: workflow.id,
    node_id: `W_${workflow.id}`,
    name: workflow.name,
    path: workflow.path,
    state: workflow.state,
    created_at: workflow.createdAt,
    updated_at: workflow.createdAt,
    url,
    html_url: `https://github.example.invalid/${workflow.repository}/blob/main/${workflow.path}`,
    badge_url: `https://github.example.invalid/${workflow.repository}/workflows/${encodeURIComponent(workflow.name)}/badge.svg`,
  };
}

function runJson(run: FakeWorkflowRun, context: RouteContext): Record<string, unknown> {
  const repoUrl = `${context.apiUrl}/repos/${run.repository}`;
  const url = `${repoUrl}/actions/runs/${run.id}`;
  const workflow = context.state.workflows.find((candidate) => candidate.id === run.workflowId);
  return {
    id: run.id,
    name: run.name,
    node_id: `WFR_${run.id}`,
    head_branch: run.headBranch,
    head_sha: run.headSha,
    path: workflow?.path ?? '.github/workflows/ci.yml',
    display_title: run.name,
    run_number: run.runNumber,
    run_attempt: 1,
    event: run.event,
    status: run.status,
    conclusion: run.conclusion,
    workflow_id: run.workflowId,
    url,
    html_url: `https://github.example.invalid/${run.repository}/actions/runs/${run.id}`,
    pull_requests: [],
    created_at: run.createdAt,
    updated_at: run.createdAt,
    jobs_url: `${url}/jobs`,
    logs_url: `${url}/logs`,
    check_suite_url: `${repoUrl}/check-suites/${run.id}`,
    artifacts_url: `${url}/artifacts`,
    cancel_url: `${url}/cancel`,
    rerun_url: `${url}/rerun`,
    workflow_url: `${repoUrl}/actions/workflows/${run.workflowId}`,
    head_commit: null,
    repository: repositoryJson(run.repository, context),
    head_repository: repositoryJson(run.repository, context),
  };
}

function runnerJson(runner: FakeRunner): Record<string, unknown> {
  const defaults = new Set(['self-hosted', runner.os.toLowerCase()]);
  return {
    id: runner.id,
    runner_group_id: 1,
    name: runner.name,
    os: runner.os,
    status: runner.status,
    busy: runner.busy,
    ephemeral: false,
    labels: runner.labels.map((name, index) => ({
      id: index + 1,
      name,
      type: defaults.has(name.toLowerCase()) ? 'read-only' : 'custom',
    })),
  };
}

/** Whether a run passes the request's filters. */
function matches(run: FakeWorkflowRun, request: FakeRequest): boolean {
  const branch = request.query.get('branch');
  const event = request.query.get('event');
  const status = request.query.get('status');
  const headSha = request.query.get('head_sha');
  if (branch !== null && run.headBranch !== branch) return false;
  if (event !== null && run.event !== event) return false;
  if (headSha !== null && run.headSha !== headSha) return false;
  if (status !== null) return RUN_STATUSES.has(status) ? run.status === status : run.conclusion === status;
  return true;
}

export const actionsRoutes: Readonly<Record<string, Route>> = {
  'actions/list-repo-workflows': (request, context) => {
    const { owner = '', repo = '' } = request.operation.params;
    const all = context.state.workflows.filter((workflow) => workflow.repository === repoKey(owner, repo));
    const { items, headers } = paginate(all, request, context);
    return context.respond(
      200,
      { total_count: all.length, workflows: items.map((workflow) => workflowJson(workflow, context)) },
      headers,
    );
  },

  'actions/list-workflow-runs-for-repo': (request, context) => {
    const { owner = '', repo = '' } = request.operation.params;
    const all = context.state.workflowRuns
      .filter((run) => run.repository === repoKey(owner, repo) && matches(run, request))
      .reverse();
    const { items, headers } = paginate(all, request, context);
    return context.respond(
      200,
      { total_count: all.length, workflow_runs: items.map((run) => runJson(run, context)) },
      headers,
    );
  },

  'actions/list-self-hosted-runners-for-org': (request, context) => {
    const org = (request.operation.params.org ?? '').toLowerCase();
    const name = request.query.get('name');
    const all = context.state.runners.filter(
      (runner) => runner.org === org && (name === null || runner.name === name),
    );
    const { items, headers } = paginate(all, request, context);
    return context.respond(200, { total_count: all.length, runners: items.map(runnerJson) }, headers);
  },
};

import type { FakeRequest } from '../openapi/contract-server.js';
import { paginate, projectOf, type Route, type RouteContext } from './route-context.js';
import { pipelineJson } from './routes-commits.js';
import { ACCESS, type FakePipeline, type FakeProject, type FakeRunner } from './state.js';

/**
 * CI/CD reads: a project's pipelines and the runners that may take its jobs, with GitLab's permission
 * rules (`ProjectPolicy`) and paging.
 * https://docs.gitlab.com/ee/api/pipelines.html#list-project-pipelines,
 * https://docs.gitlab.com/ee/api/runners.html#list-projects-runners
 */

/** `Ci::HasStatus::COMPLETED_STATUSES`: what `scope=finished` lists. */
const FINISHED = new Set(['success', 'failed', 'canceled', 'skipped']);

/** Pipeline list parameters the fake does not model; a request using one is reported as unimplemented. */
const UNMODELLED_PIPELINE_FILTERS = ['yaml_errors', 'username', 'updated_before', 'updated_after', 'name'];

const forbidden = (context: RouteContext) => context.reject(403, { message: '403 Forbidden' });

/**
 * Whether the caller may list pipelines: GitLab's API asks for both `read_pipeline` and `read_build`.
 * Reporters read both; Guests (and, in public or internal projects, everyone signed in) only while
 * "Public pipelines" is on. CI/CD `disabled` takes `read_build` away; `private` (members only) takes
 * both from non-members.
 */
function mayReadPipelines(project: FakeProject, access: number): boolean {
  const level = project.buildsAccessLevel;
  if (level === 'disabled' || (level === 'private' && access === 0)) return false;
  if (access >= ACCESS.reporter) return true;
  const publicAccess = access === 0 && project.visibility !== 'private';
  return project.publicBuilds && (access >= ACCESS.guest || publicAccess);
}

const MODELLED_ORDERS = ['id', 'status', 'ref'] as const;
const isModelledOrder = (value: string): value is (typeof MODELLED_ORDERS)[number] =>
  (MODELLED_ORDERS as readonly string[]).includes(value);

function filterPipelines(all: readonly FakePipeline[], query: URLSearchParams): FakePipeline[] | undefined {
  const scope = query.get('scope');
  // `branches` and `tags` list the latest pipeline of each branch or tag, which the fake does not track.
  if (scope === 'branches' || scope === 'tags') return undefined;
  if (UNMODELLED_PIPELINE_FILTERS.some((name) => query.has(name))) return undefined;
  const orderBy = query.get('order_by') ?? 'id';
  // `updated_at` and `user_id` orders need fields the fake's pipelines do not have.
  if (!isModelledOrder(orderBy)) return undefined;
  const createdBefore = query.get('created_before');
  const createdAfter = query.get('created_after');
  const direction = query.get('sort') === 'asc' ? 1 : -1;
  const key = (pipeline: FakePipeline) => (orderBy === 'id' ? pipeline.id : pipeline[orderBy]);
  return all
    .filter((p) => scope === null || (scope === 'finished' ? FINISHED.has(p.status) : p.status === scope))
    .filter((p) => !query.get('status') || p.status === query.get('status'))
    .filter((p) => !query.get('ref') || p.ref === query.get('ref'))
    .filter((p) => !query.get('sha') || p.sha === query.get('sha'))
    .filter((p) => !query.get('source') || p.source === query.get('source'))
    .filter((p) => !createdBefore || Date.parse(p.createdAt) < Date.parse(createdBefore))
    .filter((p) => !createdAfter || Date.parse(p.createdAt) > Date.parse(createdAfter))
    .sort((a, b) => {
      const [x, y] = [key(a), key(b)];
      return direction * (x < y ? -1 : x > y ? 1 : a.id - b.id);
    });
}

/** `Ci::Runner.owned_or_instance_wide`: the project's own runners, its groups' and, if allowed, the instance's. */
function runnersOf(context: RouteContext, project: FakeProject): FakeRunner[] {
  return context.store.runners.filter((runner) => {
    if (runner.runnerType === 'instance_type') return project.sharedRunnersEnabled;
    if (runner.runnerType === 'group_type') return project.path.startsWith(`${runner.group}/`);
    return runner.projectIds.includes(project.id);
  });
}

/** The deprecated `scope` and the current filters (`type`, `status`, `paused`, `tag_list`, `version_prefix`). */
function runnerMatches(runner: FakeRunner, request: FakeRequest): boolean {
  const query = request.query;
  const scope = query.get('scope');
  const status = query.get('status');
  const paused = query.get('paused');
  const tags = (query.get('tag_list') ?? '').split(',').filter(Boolean);
  const prefix = query.get('version_prefix');
  const byWord = (word: string | null) => {
    if (word === null) return true;
    if (word === 'specific') return runner.runnerType !== 'instance_type';
    if (word === 'shared') return runner.runnerType === 'instance_type';
    if (word.endsWith('_type')) return runner.runnerType === word;
    if (word === 'active') return !runner.paused;
    if (word === 'paused') return runner.paused;
    return runner.status === word;
  };
  return (
    byWord(scope) &&
    byWord(status) &&
    (!query.get('type') || runner.runnerType === query.get('type')) &&
    (paused === null || runner.paused === (paused === 'true')) &&
    tags.every((tag) => runner.tags.includes(tag)) &&
    (!prefix || runner.version.startsWith(prefix))
  );
}

/** GitLab's `APIEntitiesCiRunner`. */
function runnerJson(runner: FakeRunner): Record<string, unknown> {
  return {
    id: runner.id,
    description: runner.description,
    active: !runner.paused,
    paused: runner.paused,
    is_shared: runner.runnerType === 'instance_type',
    runner_type: runner.runnerType,
    name: 'gitlab-runner',
    online: runner.status === 'online',
    created_at: runner.createdAt,
    status: runner.status,
    job_execution_status: 'idle',
  };
}

/** Routes by `operationId`. */
export const ciRoutes: Readonly<Record<string, Route>> = {
  getApiV4ProjectsIdPipelines: (request, context) => {
    const project = projectOf(context);
    if (!mayReadPipelines(project, context.grant.access)) return forbidden(context);
    const listed = filterPipelines(context.store.pipelines.get(project.id) ?? [], request.query);
    if (!listed) return undefined;
    const { items, headers } = paginate(listed, request, context);
    return context.respond(
      200,
      items.map((pipeline) => pipelineJson(pipeline, context)),
      headers,
    );
  },

  // The guard let only Maintainers (`read_project_runners`) through.
  getApiV4ProjectsIdRunners: (request, context) => {
    const runners = runnersOf(context, projectOf(context))
      .filter((runner) => runnerMatches(runner, request))
      .sort((a, b) => a.id - b.id);
    const { items, headers } = paginate(runners, request, context);
    return context.respond(200, items.map(runnerJson), headers);
  },
};

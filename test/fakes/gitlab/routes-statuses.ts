import {
  caller,
  notFound,
  paginate,
  projectOf,
  type Route,
  type RouteContext,
  userJson,
} from './route-context.js';
import type { FakeGitLabStore, FakePipeline, FakeProject, FakeStatus, StatusState } from './state.js';
import { iso } from './state.js';

/**
 * Commit statuses (GitLab's "external" jobs, what an outside CI reports). A status lives in a pipeline for
 * its SHA and ref, made when none exists; posting again updates the pending or running status of the same
 * name, ref and user through GitLab's state machine, so re-posting `pending` on `pending` or `running` on
 * `running` is a 400, while a finished status is followed by a new one (the old one is retried).
 * `ref`, `target_url` and `description` hold at most 255 characters.
 * https://docs.gitlab.com/ee/api/commits.html#set-the-pipeline-status-of-a-commit
 */

/** GitLab's `validates :ref, :target_url, :description, length: { maximum: 255 }`. */
export const STATUS_FIELD_LIMIT = 255;

/** The state machine event each posted state fires, and the states it leaves from (`CommitStatus`). */
const EVENTS: Readonly<Record<string, { readonly event: string; readonly from: readonly StatusState[] }>> = {
  pending: { event: 'enqueue', from: ['created'] },
  running: { event: 'run', from: ['created', 'pending'] },
  success: { event: 'success', from: ['created', 'pending', 'running'] },
  failed: { event: 'drop', from: ['created', 'pending', 'running'] },
  canceled: { event: 'cancel', from: ['created', 'pending', 'running'] },
  skipped: { event: 'skip', from: ['created', 'pending'] },
};

interface StatusInput {
  state: Exclude<StatusState, 'created'>;
  ref?: string | null;
  name?: string | null;
  context?: string | null;
  target_url?: string | null;
  description?: string | null;
  coverage?: number | null;
  pipeline_id?: number | null;
}

/** The pipelines of a commit, newest first (`last_pipeline` is the first). */
export function pipelinesOf(store: FakeGitLabStore, project: FakeProject, sha: string): FakePipeline[] {
  return (store.pipelines.get(project.id) ?? []).filter((p) => p.sha === sha).sort((a, b) => b.id - a.id);
}

function statusJson(status: FakeStatus, context: RouteContext): Record<string, unknown> {
  return {
    id: status.id,
    sha: status.sha,
    ref: status.ref,
    status: status.status,
    name: status.name,
    target_url: status.targetUrl,
    description: status.description,
    created_at: status.createdAt,
    started_at: status.startedAt,
    finished_at: status.finishedAt,
    allow_failure: false,
    coverage: status.coverage,
    pipeline_id: status.pipelineId,
    author: userJson(status.author, context),
  };
}

function invalid(input: StatusInput): Record<string, string[]> | undefined {
  const errors: Record<string, string[]> = {};
  for (const field of ['ref', 'target_url', 'description'] as const) {
    if ((input[field] ?? '').length > STATUS_FIELD_LIMIT) {
      errors[field] = [`is too long (maximum is ${STATUS_FIELD_LIMIT} characters)`];
    }
  }
  if (input.target_url && !/^https?:\/\//i.test(input.target_url)) {
    errors.target_url = [...(errors.target_url ?? []), 'is blocked: Only allowed schemes are http, https'];
  }
  return Object.keys(errors).length > 0 ? errors : undefined;
}

/** Routes by `operationId`. */
export const statusRoutes: Readonly<Record<string, Route>> = {
  postApiV4ProjectsIdStatusesSha: (request, context) => {
    const { store } = context;
    const project = projectOf(context);
    const sha = request.operation.params.sha ?? '';
    const commit = store.commits.get(project.id)?.get(sha);
    if (!commit) return notFound(context, 'Commit');
    const input = request.body as StatusInput;
    const matching = pipelinesOf(store, project, sha).filter(
      (p) =>
        (input.ref == null || p.ref === input.ref) &&
        (input.pipeline_id == null || p.id === input.pipeline_id),
    );
    if (input.pipeline_id != null && matching.length === 0) {
      return notFound(context, 'Pipeline for pipeline_id, sha and ref');
    }
    const ref = input.ref ?? matching[0]?.ref ?? commit.ref;
    const name = input.name ?? input.context ?? 'default';
    const now = iso(context.now());
    let pipeline = matching[0];
    if (!pipeline) {
      const list = store.pipelines.get(project.id) ?? [];
      store.pipelines.set(project.id, list);
      pipeline = {
        id: store.nextId++,
        iid: list.length + 1,
        sha,
        ref,
        source: 'external',
        status: 'created',
        createdAt: now,
      };
      list.push(pipeline);
    }
    const errors = invalid(input);
    if (errors) return context.reject(400, { message: errors });

    const user = caller(context);
    const inPipeline = store.statuses.filter((s) => s.pipelineId === pipeline.id && s.name === name);
    const current = inPipeline.find(
      (s) => s.ref === ref && s.author.id === user.id && (s.status === 'pending' || s.status === 'running'),
    );
    const from: StatusState = current?.status ?? 'created';
    const { event, from: allowed } = EVENTS[input.state] ?? { event: input.state, from: [] };
    if (!allowed.includes(from)) {
      const message = `Cannot transition status via :${event} from :${from} (Reason(s): Status cannot transition via "${event}")`;
      return context.reject(400, { message });
    }
    const status: FakeStatus = current ?? {
      id: store.nextId++,
      projectId: project.id,
      sha,
      ref,
      name,
      pipelineId: pipeline.id,
      author: user,
      status: 'created',
      targetUrl: null,
      description: null,
      coverage: null,
      retried: false,
      createdAt: now,
      startedAt: null,
      finishedAt: null,
    };
    if (!current) {
      for (const older of inPipeline) older.retried = true;
      store.statuses.push(status);
    }
    if (input.target_url != null) status.targetUrl = input.target_url;
    if (input.description != null) status.description = input.description;
    if (input.coverage != null) status.coverage = input.coverage;
    status.status = input.state;
    if (input.state === 'running') status.startedAt ??= now;
    if (['success', 'failed', 'canceled'].includes(input.state)) status.finishedAt = now;
    pipeline.status = input.state;
    return context.respond(201, statusJson(status, context));
  },

  getApiV4ProjectsIdRepositoryCommitsShaStatuses: (request, context) => {
    const project = projectOf(context);
    const sha = request.operation.params.sha ?? '';
    if (!context.store.commits.get(project.id)?.get(sha)) return notFound(context, 'Commit');
    const query = request.query;
    const all = query.get('all') === 'true';
    const stage = query.get('stage');
    const key = query.get('order_by') === 'pipeline_id' ? 'pipelineId' : 'id';
    const direction = query.get('sort') === 'desc' ? -1 : 1;
    const statuses = context.store.statuses
      .filter((s) => s.projectId === project.id && s.sha === sha && (all || !s.retried))
      .filter((s) => !query.get('ref') || s.ref === query.get('ref'))
      .filter((s) => !query.get('name') || s.name === query.get('name'))
      .filter((s) => !query.get('pipeline_id') || s.pipelineId === Number(query.get('pipeline_id')))
      .filter(() => !stage || stage === 'external')
      .sort((a, b) => direction * (a[key] - b[key] || a.id - b.id));
    const { items, headers } = paginate(statuses, request, context);
    return context.respond(
      200,
      items.map((status) => statusJson(status, context)),
      headers,
    );
  },
};

import type { FakeRequest, FakeResponse } from '../openapi/contract-server.js';
import { iso, notFound, paginate, type Route, type RouteContext, reject } from './route-context.js';
import { type FakeAnnotation, type FakeCheckRun, repoKey, userJson } from './state.js';

/**
 * Check runs with GitHub's rules: at most 50 annotations per request, appended on every update; columns
 * only on one-line annotations; a conclusion whenever the run is completed; `action_required` needs a
 * `details_url`.
 */

export const ANNOTATIONS_PER_REQUEST = 50;

interface CheckRunBody {
  name?: string;
  head_sha?: string;
  status?: string;
  conclusion?: string;
  external_id?: string;
  details_url?: string;
  started_at?: string;
  completed_at?: string;
  output?: { title?: string; summary?: string; text?: string; annotations?: FakeAnnotation[] };
}

export function appJson(context: RouteContext): Record<string, unknown> {
  const { app } = context.state;
  return {
    id: app.id,
    slug: app.slug,
    client_id: app.clientId,
    node_id: `A_${app.id}`,
    name: app.name,
    owner: userJson({ login: 'acme', id: 1, type: 'User' }, context.apiUrl),
    description: null,
    external_url: 'https://example.invalid/',
    html_url: `https://github.example.invalid/apps/${app.slug}`,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    permissions: {},
    events: [],
  };
}

function runJson(run: FakeCheckRun, context: RouteContext): Record<string, unknown> {
  const url = `${context.apiUrl}/repos/${run.repository}/check-runs/${run.id}`;
  return {
    id: run.id,
    head_sha: run.headSha,
    node_id: `CR_${run.id}`,
    external_id: run.externalId,
    url,
    html_url: `https://github.example.invalid/${run.repository}/runs/${run.id}`,
    details_url: null,
    status: run.status,
    conclusion: run.conclusion,
    started_at: run.startedAt,
    completed_at: run.completedAt,
    output: {
      title: run.output.title,
      summary: run.output.summary,
      text: run.output.text,
      annotations_count: run.annotations.length,
      annotations_url: `${url}/annotations`,
    },
    name: run.name,
    check_suite: { id: 77 },
    app: appJson(context),
    pull_requests: [],
  };
}

/** The rules GitHub applies to a create or update body; a message when one is broken. */
function broken(body: CheckRunBody, run: FakeCheckRun | undefined): string | undefined {
  const annotations = body.output?.annotations ?? [];
  if (annotations.length > ANNOTATIONS_PER_REQUEST) return 'No more than 50 items are allowed';
  for (const annotation of annotations) {
    if (annotation.end_line < annotation.start_line)
      return 'end_line must be greater than or equal to start_line';
    const columns = annotation.start_column !== undefined || annotation.end_column !== undefined;
    if (columns && annotation.start_line !== annotation.end_line) {
      return 'start_column and end_column are only supported on single-line annotations';
    }
  }
  const status = body.status ?? (body.conclusion !== undefined ? 'completed' : run?.status);
  if (status === 'completed' && (body.conclusion ?? run?.conclusion) == null) {
    return 'conclusion is required when the status is completed';
  }
  if (body.conclusion === 'action_required' && !body.details_url) {
    return 'details_url is required for action_required';
  }
  return undefined;
}

function apply(run: FakeCheckRun, body: CheckRunBody, context: RouteContext): void {
  if (body.name !== undefined) run.name = body.name;
  if (body.external_id !== undefined) run.externalId = body.external_id;
  if (body.conclusion !== undefined) {
    run.conclusion = body.conclusion;
    run.status = 'completed';
  }
  if (body.status !== undefined) run.status = body.status;
  if (run.status === 'completed') run.completedAt = body.completed_at ?? iso(context.now());
  if (body.output) {
    run.output = {
      title: body.output.title ?? run.output.title,
      summary: body.output.summary ?? run.output.summary,
      text: body.output.text ?? run.output.text,
    };
    // Annotations are appended on every call ("Update a check run").
    run.annotations.push(...(body.output.annotations ?? []));
  }
}

function findRun(request: FakeRequest, context: RouteContext): FakeCheckRun | undefined {
  const { owner = '', repo = '', check_run_id: id = '0' } = request.operation.params;
  return context.state.checkRuns.find((r) => r.id === Number(id) && r.repository === repoKey(owner, repo));
}

function annotationsPage(request: FakeRequest, context: RouteContext, run: FakeCheckRun): FakeResponse {
  const all = run.annotations.map((annotation) => ({
    path: annotation.path,
    start_line: annotation.start_line,
    end_line: annotation.end_line,
    start_column: annotation.start_column ?? null,
    end_column: annotation.end_column ?? null,
    annotation_level: annotation.annotation_level,
    title: annotation.title ?? null,
    message: annotation.message,
    raw_details: null,
    blob_href: 'https://example.invalid/blob',
  }));
  const { items, headers } = paginate(all, request, context);
  return context.respond(200, items, headers);
}

export const checkRoutes: Readonly<Record<string, Route>> = {
  'checks/create': (request, context) => {
    const { owner = '', repo = '' } = request.operation.params;
    const body = request.body as CheckRunBody;
    const problem = broken(body, undefined);
    if (problem) return reject(context, problem, 'output');
    const run: FakeCheckRun = {
      id: context.state.nextId++,
      repository: repoKey(owner, repo),
      headSha: body.head_sha ?? '',
      name: body.name ?? '',
      status: 'queued',
      conclusion: null,
      externalId: null,
      output: { title: null, summary: null, text: null },
      annotations: [],
      startedAt: body.started_at ?? iso(context.now()),
      completedAt: null,
    };
    apply(run, body, context);
    context.state.checkRuns.push(run);
    return context.respond(201, runJson(run, context));
  },

  'checks/update': (request, context) => {
    const run = findRun(request, context);
    if (!run) return notFound();
    const body = request.body as CheckRunBody;
    const problem = broken(body, run);
    if (problem) return reject(context, problem, 'output');
    apply(run, body, context);
    return context.respond(200, runJson(run, context));
  },

  'checks/get': (request, context) => {
    const run = findRun(request, context);
    return run ? context.respond(200, runJson(run, context)) : notFound();
  },

  'checks/list-annotations': (request, context) => {
    const run = findRun(request, context);
    return run ? annotationsPage(request, context, run) : notFound();
  },

  'checks/list-for-ref': (request, context) => {
    const { owner = '', repo = '', ref = '' } = request.operation.params;
    const name = request.query.get('check_name');
    let all = context.state.checkRuns.filter(
      (run) => run.repository === repoKey(owner, repo) && run.headSha === ref && (!name || run.name === name),
    );
    if ((request.query.get('filter') ?? 'latest') === 'latest') {
      const latest = new Map<string, FakeCheckRun>();
      for (const run of all) latest.set(run.name, run);
      all = [...latest.values()];
    }
    all = [...all].reverse();
    const { items, headers } = paginate(all, request, context);
    return context.respond(
      200,
      { total_count: all.length, check_runs: items.map((run) => runJson(run, context)) },
      headers,
    );
  },
};

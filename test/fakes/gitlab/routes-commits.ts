import { diffLines } from './diff-lines.js';
import {
  caller,
  notFound,
  paginate,
  projectOf,
  type Route,
  type RouteContext,
  userJson,
} from './route-context.js';
import { bodyProblem, inspectErrors } from './routes-notes.js';
import { pipelinesOf } from './routes-statuses.js';
import { type FakeCommit, type FakeCommitComment, type FakePipeline, iso } from './state.js';

/**
 * A commit (with its last pipeline, which a status should name) and comments on it. A comment given a
 * `path` and `line` sits on that line only when the commit's diff has a line of that `line_type` there
 * (`new`: an added line, `old`: a removed one, by new-side position); otherwise GitLab keeps it as a
 * comment on the whole commit and answers `path`, `line` and `line_type` as null.
 * https://docs.gitlab.com/ee/api/commits.html#post-comment-to-commit
 */

function commitOf(context: RouteContext, sha: string | undefined): FakeCommit | undefined {
  return context.store.commits.get(projectOf(context).id)?.get(sha ?? '');
}

/** GitLab's `APIEntitiesCiPipelineBasic`. */
export function pipelineJson(pipeline: FakePipeline, context: RouteContext): Record<string, unknown> {
  const project = projectOf(context);
  return {
    id: pipeline.id,
    iid: pipeline.iid,
    project_id: project.id,
    sha: pipeline.sha,
    ref: pipeline.ref,
    status: pipeline.status,
    source: pipeline.source,
    created_at: pipeline.createdAt,
    updated_at: pipeline.createdAt,
    web_url: `${context.webUrl}/${project.path}/-/pipelines/${pipeline.id}`,
  };
}

function commentJson(comment: FakeCommitComment, context: RouteContext): Record<string, unknown> {
  return {
    note: comment.note,
    path: comment.path,
    line: comment.line,
    line_type: comment.lineType,
    author: userJson(comment.author, context),
    created_at: comment.createdAt,
  };
}

/** The line a commit comment lands on, GitLab's way (`line.new_pos == line && line.type == line_type`). */
function placed(commit: FakeCommit, path: string, line: number, lineType: 'new' | 'old'): boolean {
  const file = commit.files.find((candidate) => candidate.path === path);
  return diffLines(file?.diff ?? '').some((l) => l.newPos === line && l.type === lineType);
}

/** Routes by `operationId`. */
export const commitRoutes: Readonly<Record<string, Route>> = {
  getApiV4ProjectsIdRepositoryCommitsSha: (request, context) => {
    const commit = commitOf(context, request.operation.params.sha);
    if (!commit) return notFound(context, 'Commit');
    const project = projectOf(context);
    const last = pipelinesOf(context.store, project, commit.sha)[0];
    return context.respond(200, {
      id: commit.sha,
      short_id: commit.sha.slice(0, 8),
      created_at: commit.createdAt,
      parent_ids: [],
      title: commit.title,
      message: `${commit.title}\n`,
      author_name: 'Fake Author',
      author_email: 'author@example.invalid',
      authored_date: commit.createdAt,
      committer_name: 'Fake Author',
      committer_email: 'author@example.invalid',
      committed_date: commit.createdAt,
      trailers: {},
      extended_trailers: {},
      web_url: `${context.webUrl}/${project.path}/-/commit/${commit.sha}`,
      stats: { additions: 0, deletions: 0, total: 0 },
      status: last?.status ?? null,
      project_id: project.id,
      last_pipeline: last ? pipelineJson(last, context) : null,
    });
  },

  getApiV4ProjectsIdRepositoryCommitsShaComments: (request, context) => {
    const commit = commitOf(context, request.operation.params.sha);
    if (!commit) return notFound(context, 'Commit');
    const projectId = projectOf(context).id;
    const all = context.store.commitComments.filter((c) => c.projectId === projectId && c.sha === commit.sha);
    const { items, headers } = paginate(all, request, context);
    return context.respond(
      200,
      items.map((comment) => commentJson(comment, context)),
      headers,
    );
  },

  postApiV4ProjectsIdRepositoryCommitsShaComments: (request, context) => {
    const commit = commitOf(context, request.operation.params.sha);
    if (!commit) return notFound(context, 'Commit');
    const input = request.body as {
      note: string;
      path?: string | null;
      line?: number | null;
      line_type?: string;
    };
    // `requires :line` sits in a `given :path` block.
    if (input.path != null && input.line == null) return context.reject(400, { error: 'line is missing' });
    const problem = bodyProblem(input.note);
    if (problem) return context.reject(400, { message: `Failed to save note ${inspectErrors(problem)}` });
    const lineType = input.line_type === 'old' ? 'old' : 'new';
    const onLine =
      input.path != null && input.line != null && placed(commit, input.path, input.line, lineType);
    const comment: FakeCommitComment = {
      id: context.store.nextId++,
      projectId: projectOf(context).id,
      sha: commit.sha,
      note: input.note,
      path: onLine ? (input.path ?? null) : null,
      line: onLine ? (input.line ?? null) : null,
      lineType: onLine ? lineType : null,
      author: caller(context),
      createdAt: iso(context.now()),
    };
    context.store.commitComments.push(comment);
    return context.respond(201, commentJson(comment, context));
  },
};

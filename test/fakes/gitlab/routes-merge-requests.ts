import { createHash } from 'node:crypto';
import { paginate, projectOf, type Route, type RouteContext, userJson } from './route-context.js';
import { mergeRequestOf } from './routes-notes.js';
import { type FakeDiffFile, type FakeMergeRequest, latestVersion } from './state.js';

/**
 * A merge request, its diff and its versions: where a client gets `diff_refs` and the lines it may
 * comment on. https://docs.gitlab.com/ee/api/merge_requests.html
 */

function mergeRequestJson(mergeRequest: FakeMergeRequest, context: RouteContext): Record<string, unknown> {
  const project = projectOf(context);
  const version = latestVersion(mergeRequest);
  return {
    id: mergeRequest.id,
    iid: mergeRequest.iid,
    project_id: project.id,
    title: mergeRequest.title,
    description: '',
    state: 'opened',
    created_at: mergeRequest.createdAt,
    updated_at: version.createdAt,
    target_branch: mergeRequest.targetBranch,
    source_branch: mergeRequest.sourceBranch,
    author: userJson(mergeRequest.author, context),
    assignees: [],
    reviewers: [],
    source_project_id: project.id,
    target_project_id: project.id,
    labels: [],
    draft: false,
    work_in_progress: false,
    merge_status: 'can_be_merged',
    detailed_merge_status: 'mergeable',
    sha: version.headSha,
    diff_refs: { base_sha: version.baseSha, head_sha: version.headSha, start_sha: version.startSha },
    references: {
      short: `!${mergeRequest.iid}`,
      relative: `!${mergeRequest.iid}`,
      full: `${project.path}!${mergeRequest.iid}`,
    },
    web_url: `${context.webUrl}/${project.path}/-/merge_requests/${mergeRequest.iid}`,
    has_conflicts: false,
    blocking_discussions_resolved: true,
    changes_count: String(version.files.length),
    user: { can_merge: context.grant.access >= 30 },
  };
}

function diffJson(file: FakeDiffFile): Record<string, unknown> {
  const oldPath = file.oldPath ?? file.path;
  return {
    old_path: oldPath,
    new_path: file.path,
    a_mode: file.newFile ? '0' : '100644',
    b_mode: file.deletedFile ? '0' : '100644',
    new_file: file.newFile ?? false,
    renamed_file: oldPath !== file.path,
    deleted_file: file.deletedFile ?? false,
    generated_file: false,
    too_large: false,
    collapsed: false,
    diff: file.diff,
  };
}

const notFound = (context: RouteContext) => context.reject(404, { message: '404 Not found' });

/** Routes by `operationId`. */
export const mergeRequestRoutes: Readonly<Record<string, Route>> = {
  /** The merge requests a commit has been the head of (the fake keeps no other commits of a branch). */
  getApiV4ProjectsIdRepositoryCommitsShaMergeRequests: (request, context) => {
    const sha = request.operation.params.sha;
    const projectId = projectOf(context).id;
    const state = request.query.get('state');
    // Every merge request of the fake is open.
    const found =
      state && state !== 'opened'
        ? []
        : context.store.mergeRequests.filter(
            (mergeRequest) =>
              mergeRequest.projectId === projectId &&
              mergeRequest.versions.some((version) => version.headSha === sha),
          );
    const { items, headers } = paginate(
      found.map((mergeRequest) => mergeRequestJson(mergeRequest, context)),
      request,
      context,
    );
    return context.respond(200, items, headers);
  },

  getApiV4ProjectsIdMergeRequestsMergeRequestIid: (request, context) => {
    const mergeRequest = mergeRequestOf(request, context);
    return mergeRequest ? context.respond(200, mergeRequestJson(mergeRequest, context)) : notFound(context);
  },

  getApiV4ProjectsIdMergeRequestsMergeRequestIidDiffs: (request, context) => {
    const mergeRequest = mergeRequestOf(request, context);
    if (!mergeRequest) return notFound(context);
    const { items, headers } = paginate(latestVersion(mergeRequest).files.map(diffJson), request, context);
    return context.respond(200, items, headers);
  },

  getApiV4ProjectsIdMergeRequestsMergeRequestIidVersions: (request, context) => {
    const mergeRequest = mergeRequestOf(request, context);
    if (!mergeRequest) return notFound(context);
    const versions = [...mergeRequest.versions].reverse().map((version) => ({
      id: version.id,
      head_commit_sha: version.headSha,
      base_commit_sha: version.baseSha,
      start_commit_sha: version.startSha,
      created_at: version.createdAt,
      merge_request_id: mergeRequest.id,
      state: 'collected',
      real_size: String(version.files.length),
      patch_id_sha: createHash('sha1').update(`${version.baseSha}..${version.headSha}`).digest('hex'),
    }));
    const { items, headers } = paginate(versions, request, context);
    return context.respond(200, items, headers);
  },
};

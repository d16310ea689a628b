import { HttpError } from '../../net/index.js';
import type { ScmStatusRequest, ScmStatusResponse, ScmStatusState } from '../../plugins/contracts.js';
import { projectId } from './base-url.js';
import { gitlabMessage, statusOf } from './errors.js';
import {
  CommitSchema,
  CommitStatusListSchema,
  CommitStatusSchema,
  type GitLabCommitStatus,
} from './responses.js';
import type { GitLabSession } from './session.js';

/**
 * Commit statuses as an `ensure` (reference scm-platforms.md §2.6): the latest status of that name on the
 * commit is read first and nothing is written when state, description and link are already those asked
 * for. The status goes to the commit's latest pipeline (`pipeline_id`), as GitLab attaches a status to
 * only one pipeline of a commit. GitLab's "Cannot transition status" answer to a state the status
 * already has counts as unchanged.
 */

/** GitLab's states a status can be set to. */
export type GitLabStatusState = 'pending' | 'running' | 'success' | 'failed' | 'canceled' | 'skipped';

/** GitLab keeps at most 255 characters of a description. */
export const STATUS_DESCRIPTION_LIMIT = 255;

const STATE: Readonly<Record<ScmStatusState, GitLabStatusState>> = {
  pending: 'pending',
  success: 'success',
  failure: 'failed',
  error: 'failed',
};

export interface GitLabStatusRequest {
  readonly owner: string;
  readonly repository: string;
  readonly commitSha: string;
  readonly state: GitLabStatusState;
  readonly name: string;
  readonly description?: string;
  readonly targetUrl?: string;
}

export function ensureStatus(session: GitLabSession, request: ScmStatusRequest): Promise<ScmStatusResponse> {
  const { context, description, targetUrl, ...rest } = request;
  return setStatus(session, {
    ...rest,
    state: STATE[request.state],
    name: context,
    ...(description === undefined ? {} : { description }),
    ...(targetUrl === undefined ? {} : { targetUrl }),
  });
}

/** Sets the status `name` of a commit to `state`, unless it already is exactly that. */
export async function setStatus(
  session: GitLabSession,
  request: GitLabStatusRequest,
): Promise<ScmStatusResponse> {
  const project = projectId(request.owner, request.repository);
  const sha = encodeURIComponent(request.commitSha);
  const description = cut(request.description ?? '', STATUS_DESCRIPTION_LIMIT);
  const targetUrl = request.targetUrl ?? '';
  const urlOf = () => `${session.urls.web}/${decodeURIComponent(project)}/-/commit/${request.commitSha}`;

  const latest = await latestStatus(session, project, sha, request.name);
  const same = (status: GitLabCommitStatus) =>
    status.status === request.state &&
    (status.description ?? '') === description &&
    (status.target_url ?? '') === targetUrl;
  if (latest && same(latest)) return { statusId: String(latest.id), url: urlOf(), action: 'unchanged' };

  const commit = await session.read(CommitSchema, {
    method: 'GET',
    path: `/projects/${project}/repository/commits/${sha}`,
    operation: 'get_commit',
  });
  try {
    const created = await session.read(CommitStatusSchema, {
      method: 'POST',
      path: `/projects/${project}/statuses/${sha}`,
      json: {
        state: request.state,
        name: request.name,
        ...(description ? { description } : {}),
        ...(targetUrl ? { target_url: targetUrl } : {}),
        ...(commit.last_pipeline ? { pipeline_id: commit.last_pipeline.id } : {}),
      },
      operation: 'create_status',
      // The same state twice is refused, never doubled (below).
      retryable: true,
    });
    return { statusId: String(created.id), url: urlOf(), action: latest ? 'updated' : 'created' };
  } catch (error) {
    // A state the status already has: GitLab refuses the transition, the status stands as asked.
    if (
      statusOf(error) === 400 &&
      error instanceof HttpError &&
      /cannot transition status/i.test(gitlabMessage(error) ?? '')
    ) {
      return { statusId: latest ? String(latest.id) : null, url: urlOf(), action: 'unchanged' };
    }
    throw error;
  }
}

async function latestStatus(session: GitLabSession, project: string, sha: string, name: string) {
  const statuses = await session.read(CommitStatusListSchema, {
    method: 'GET',
    path: `/projects/${project}/repository/commits/${sha}/statuses`,
    query: { name, per_page: 100 },
    operation: 'list_statuses',
  });
  // Newest first is GitLab's order; the highest id is the newest whatever the order.
  return statuses.filter((status) => status.name === name).sort((a, b) => b.id - a.id)[0];
}

function cut(text: string, limit: number): string {
  const chars = [...text];
  return chars.length <= limit ? text : `${chars.slice(0, limit - 1).join('')}…`;
}

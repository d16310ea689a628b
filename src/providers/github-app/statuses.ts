import { PLATFORM_LIMITS } from '../../annotations/limits.js';
import { cutText } from '../../annotations/text.js';
import type { ScmStatusRequest, ScmStatusResponse } from '../../plugins/contracts.js';
import { CombinedStatusSchema, type CommitStatus, parse, StatusSchema } from './responses.js';
import type { GitHubSession } from './session.js';

/**
 * A commit status as an `ensure`: the latest status of the same context is read from the combined status
 * (`GET /repos/{owner}/{repo}/commits/{ref}/status`, which holds the latest per context) and nothing is
 * written when it already has the same state, description (and target URL, when one is given). Reference
 * scm-platforms.md §1.6: the description is cut to 140 characters.
 */

const DESCRIPTION_LIMIT = { chars: PLATFORM_LIMITS.github.statusDescriptionLength };

export async function ensureStatus(
  session: GitHubSession,
  request: ScmStatusRequest,
): Promise<ScmStatusResponse> {
  const { owner, repository: repo, commitSha, context } = request;
  const target = { owner, repo };
  const description =
    request.description === undefined
      ? undefined
      : cutText(request.description.replace(/\s+/g, ' ').trim(), DESCRIPTION_LIMIT);

  return session.exclusive(`status:${owner}/${repo}@${commitSha}:${context}`, async () => {
    const latest = await latestFor(session, target, commitSha, context);
    const unchanged =
      latest !== undefined &&
      latest.state === request.state &&
      (latest.description ?? '') === (description ?? '') &&
      (request.targetUrl === undefined || (latest.target_url ?? '') === request.targetUrl);
    if (latest && unchanged) return { statusId: String(latest.id), url: latest.url, action: 'unchanged' };

    const response = await session.write(target, {
      route: 'POST /repos/{owner}/{repo}/statuses/{sha}',
      params: {
        owner,
        repo,
        sha: commitSha,
        state: request.state,
        context,
        ...(description === undefined ? {} : { description }),
        ...(request.targetUrl === undefined ? {} : { target_url: request.targetUrl }),
      },
      operation: 'create_status',
      // A repeated status with the same state changes nothing a reader sees.
      retryable: true,
    });
    const created = parse(StatusSchema, response.data, 'POST commit status');
    return { statusId: String(created.id), url: created.url, action: latest ? 'updated' : 'created' };
  });
}

async function latestFor(
  session: GitHubSession,
  target: { owner: string; repo: string },
  ref: string,
  context: string,
): Promise<CommitStatus | undefined> {
  const pages = session.pages(target, {
    route: 'GET /repos/{owner}/{repo}/commits/{ref}/status',
    params: { ...target, ref, per_page: 100 },
    operation: 'get_combined_status',
  });
  for await (const page of pages) {
    const found = parse(CombinedStatusSchema, page, 'GET combined status').statuses.find(
      (s) => s.context === context,
    );
    if (found) return found;
  }
  return undefined;
}

import { createHash } from 'node:crypto';
import { fitMarkdown } from '../../annotations/fit-markdown.js';
import { PLATFORM_LIMITS } from '../../annotations/limits.js';
import {
  commentMarker,
  hasCommentMarker,
  inlineText,
  link,
  tableHeader,
  tableRow,
} from '../../annotations/markdown.js';
import { sameCommentText } from '../../annotations/marked-comment.js';
import type { ScmCheckRunRequest, ScmCheckRunResponse } from '../../plugins/contracts.js';
import { projectId } from './base-url.js';
import { ensureNote } from './comments.js';
import { CommitCommentListSchema, CommitCommentSchema, CommitMergeRequestListSchema } from './responses.js';
import type { GitLabSession } from './session.js';
import { type GitLabStatusState, setStatus } from './statuses.js';

/**
 * GitLab has no checks API, so a check run is emulated (reference scm-platforms.md §7.1): its gate is a
 * commit status named after the check run, its state from the run's status and conclusion; its output
 * (title, summary, text and every annotation, each linked to its line in the commit) is written where
 * it can be kept up to date, marked with the run's name. When the commit is the head of open merge
 * requests, that is a note on each (changed in place when the output changes, like the summary note).
 * Otherwise it is a comment on the commit: GitLab cannot edit those, so a run whose output is already
 * there, word for word and by the token's user, writes none, and a changed output adds a new one.
 */

const COMMENT_LIMIT = PLATFORM_LIMITS.gitlab.commentLength;
/** Open merge requests of one commit that get the report; more is a branch shared far and wide. */
const MAX_MERGE_REQUESTS = 5;
const TITLE_CHARS = 300;
const MESSAGE_CHARS = 1000;

/** The gate's state: a conclusion decides when there is one, else the run's status. */
export function checkRunState(status: string | undefined, conclusion: string | undefined): GitLabStatusState {
  if (conclusion === undefined) return status === 'in_progress' ? 'running' : 'pending';
  return CONCLUSION_STATES.get(conclusion) ?? 'failed';
}

/** Conclusions that do not fail the gate; every other one (failure, timed_out, stale…) is `failed`. */
const CONCLUSION_STATES: ReadonlyMap<string, GitLabStatusState> = new Map([
  ['success', 'success'],
  ['neutral', 'success'],
  ['skipped', 'skipped'],
  ['cancelled', 'canceled'],
]);

/** The marker of a check run's comment: its name hashed, as names may hold any character. */
export function checkRunMarkerKey(name: string): string {
  return `check-run:${createHash('sha256').update(name).digest('hex').slice(0, 24)}`;
}

export async function ensureCheckRun(
  session: GitLabSession,
  request: ScmCheckRunRequest,
): Promise<ScmCheckRunResponse> {
  const project = projectId(request.owner, request.repository);
  const sha = encodeURIComponent(request.headSha);
  const state = checkRunState(request.status, request.conclusion);
  const annotations = request.annotations ?? [];
  const firstLine = (request.summary ?? '').split('\n').find((line) => line.trim() !== '') ?? '';
  const description =
    inlineText(firstLine.replace(/[#*_`>]/g, ''), { asciiOnly: false, maxChars: 200 }) ||
    `${annotations.length} annotation${annotations.length === 1 ? '' : 's'}`;
  const status = await setStatus(session, {
    owner: request.owner,
    repository: request.repository,
    commitSha: request.headSha,
    state,
    name: request.name,
    description,
  });

  const key = checkRunMarkerKey(request.name);
  const body = reportBody(session, decodeURIComponent(project), request, state, key);
  const mergeRequests = await openMergeRequestsAt(session, project, sha, request.headSha);
  const present =
    mergeRequests.length > 0
      ? await noteOnMergeRequests(session, request, mergeRequests, body)
      : await commentOnCommit(session, project, sha, key, body);
  return {
    checkRunId: status.statusId ?? `${request.headSha}:${request.name}`,
    url: status.url,
    annotationsPosted: annotations.length,
    action:
      present && status.action === 'unchanged'
        ? 'unchanged'
        : status.action === 'created'
          ? 'created'
          : 'updated',
  };
}

/** The open merge requests whose head is the commit, at most MAX_MERGE_REQUESTS. */
async function openMergeRequestsAt(
  session: GitLabSession,
  project: string,
  sha: string,
  headSha: string,
): Promise<number[]> {
  const found: number[] = [];
  for await (const page of session.pages(CommitMergeRequestListSchema, {
    method: 'GET',
    path: `/projects/${project}/repository/commits/${sha}/merge_requests`,
    query: { state: 'opened' },
    operation: 'list_commit_merge_requests',
  })) {
    for (const mergeRequest of page) {
      // Older GitLab ignores `state`; a merge request that has moved on shows another head.
      if (mergeRequest.state === 'opened' && mergeRequest.sha === headSha) found.push(mergeRequest.iid);
      if (found.length >= MAX_MERGE_REQUESTS) return found;
    }
  }
  return found;
}

/** The report as a note on each merge request, kept in place; whether every one was already there. */
async function noteOnMergeRequests(
  session: GitLabSession,
  request: ScmCheckRunRequest,
  mergeRequests: readonly number[],
  body: string,
): Promise<boolean> {
  let unchanged = true;
  for (const iid of mergeRequests) {
    const note = await ensureNote(session, {
      owner: request.owner,
      repository: request.repository,
      pullRequestNumber: iid,
      body,
    });
    if (note.action !== 'unchanged') unchanged = false;
  }
  return unchanged;
}

/** The report as a commit comment unless ours is there word for word; whether it was. */
async function commentOnCommit(
  session: GitLabSession,
  project: string,
  sha: string,
  key: string,
  body: string,
): Promise<boolean> {
  const comments = `/projects/${project}/repository/commits/${sha}/comments`;
  const me = await session.me();
  for await (const page of session.pages(CommitCommentListSchema, {
    method: 'GET',
    path: comments,
    operation: 'list_commit_comments',
  })) {
    if (
      page.some(
        (comment) =>
          comment.author?.id === me.id &&
          hasCommentMarker(comment.note ?? '', key) &&
          sameCommentText(comment.note, body),
      )
    )
      return true;
  }
  await session.read(CommitCommentSchema, {
    method: 'POST',
    path: comments,
    json: { note: body },
    operation: 'create_commit_comment',
  });
  return false;
}

function reportBody(
  session: GitLabSession,
  project: string,
  request: ScmCheckRunRequest,
  state: GitLabStatusState,
  key: string,
): string {
  const text = (raw: string, maxChars: number) => inlineText(raw, { asciiOnly: false, maxChars });
  const blob = (path: string, line: number) =>
    `${session.urls.web}/${project}/-/blob/${request.headSha}/${path.split('/').map(encodeURIComponent).join('/')}#L${line}`;
  const parts = [commentMarker(key), `### ${text(request.name, TITLE_CHARS)}: ${state}`, ''];
  if (request.summary) parts.push(request.summary, '');
  if (request.text) parts.push(request.text, '');
  const annotations = request.annotations ?? [];
  if (annotations.length > 0) {
    let table = tableHeader(['Level', 'Location', 'Finding']);
    for (const annotation of annotations) {
      const where =
        annotation.startLine === annotation.endLine
          ? `${annotation.startLine}`
          : `${annotation.startLine}-${annotation.endLine}`;
      const title = annotation.title ? `**${text(annotation.title, TITLE_CHARS)}**: ` : '';
      table += tableRow([
        annotation.annotationLevel,
        link(text(`${annotation.path}:${where}`, TITLE_CHARS), blob(annotation.path, annotation.startLine)),
        `${title}${text(annotation.message, MESSAGE_CHARS)}`,
      ]);
    }
    parts.push(table);
  }
  return fitMarkdown(
    parts.join('\n'),
    { chars: COMMENT_LIMIT, bytes: COMMENT_LIMIT },
    "GitLab's limit of 1,000,000 characters for a comment",
  );
}

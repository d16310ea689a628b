import { PLATFORM_LIMITS } from '../../annotations/limits.js';
import { hasCommentMarker } from '../../annotations/markdown.js';
import { markedComment, sameCommentText } from '../../annotations/marked-comment.js';
import type { ScmCommentRequest, ScmCommentResponse } from '../../plugins/contracts.js';
import { projectId } from './base-url.js';
import { GitLabError, statusOf } from './errors.js';
import { type GitLabNote, NoteListSchema, NoteSchema } from './responses.js';
import type { GitLabSession } from './session.js';

/**
 * The merge request's summary note as an `ensure` (reference scm-platforms.md §2.4, §7.3): our note is
 * the one whose first line is the hidden marker AND whose author is the token's user, and is not a system
 * note or a diff note; it is changed only when the body differs, otherwise one is added. A note by anyone
 * else is never touched, even when it carries our marker.
 */

const NOTE_LIMIT = PLATFORM_LIMITS.gitlab.commentLength;

/** The body as it will be sent: marker first, cut to GitLab's limit of 1,000,000 characters. */
export function noteBody(body: string): { readonly key: string; readonly body: string } {
  return markedComment(
    body,
    { chars: NOTE_LIMIT, bytes: NOTE_LIMIT },
    "GitLab's limit of 1,000,000 characters for a note",
  );
}

export async function ensureNote(
  session: GitLabSession,
  request: ScmCommentRequest,
): Promise<ScmCommentResponse> {
  const project = projectId(request.owner, request.repository);
  const iid = request.pullRequestNumber;
  const notes = `/projects/${project}/merge_requests/${iid}/notes`;
  const { key, body } = noteBody(request.body);
  const urlOf = (id: number) =>
    `${session.urls.web}/${decodeURIComponent(project)}/-/merge_requests/${iid}#note_${id}`;

  const update = async (existing: GitLabNote): Promise<ScmCommentResponse> => {
    if (sameCommentText(existing.body, body))
      return { commentId: String(existing.id), url: urlOf(existing.id), action: 'unchanged' };
    const updated = await session.read(NoteSchema, {
      method: 'PUT',
      path: `${notes}/${existing.id}`,
      json: { body },
      operation: 'update_note',
      // Setting the same body twice changes nothing.
      retryable: true,
    });
    return { commentId: String(updated.id), url: urlOf(updated.id), action: 'updated' };
  };

  const me = await session.me();
  if (request.commentId !== undefined) {
    const id = Number(request.commentId);
    if (!Number.isSafeInteger(id) || id <= 0) throw new GitLabError('commentId must be a GitLab note id');
    let existing: GitLabNote;
    try {
      existing = await session.read(NoteSchema, {
        method: 'GET',
        path: `${notes}/${id}`,
        operation: 'get_note',
      });
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
      throw new GitLabError(`note ${id} is not on merge request !${iid} of ${decodeURIComponent(project)}`, {
        cause: error,
      });
    }
    if (existing.author?.id !== me.id)
      throw new GitLabError(`note ${id} was written by someone else; only the token's own notes are changed`);
    return update(existing);
  }

  if (request.updateExisting !== false) {
    for await (const page of session.pages(NoteListSchema, {
      method: 'GET',
      path: notes,
      query: { sort: 'asc', order_by: 'created_at' },
      operation: 'list_notes',
    })) {
      const ours = page.find(
        (note) =>
          note.author?.id === me.id &&
          note.system !== true &&
          !note.type &&
          hasCommentMarker(note.body ?? '', key),
      );
      if (ours) return update(ours);
    }
  }

  const created = await session.read(NoteSchema, {
    method: 'POST',
    path: notes,
    json: { body },
    operation: 'create_note',
  });
  return { commentId: String(created.id), url: urlOf(created.id), action: 'created' };
}

import type { FakeRequest, FakeResponse } from '../openapi/contract-server.js';
import {
  caller,
  notFound,
  paginate,
  projectOf,
  type Route,
  type RouteContext,
  userJson,
} from './route-context.js';
import { discussionId } from './seed.js';
import { ACCESS, type FakeMergeRequest, type FakeNote, findMergeRequest, iso } from './state.js';

/**
 * Merge request notes (the summary comment): list, create, read, edit, delete. GitLab's limit on a note
 * is 1,000,000 characters; only the author (or a maintainer) may change or delete one, never a system
 * note. https://docs.gitlab.com/ee/api/notes.html#merge-requests
 */

/** GitLab's `Note::MAX_NOTE_LENGTH`. */
export const NOTE_LENGTH_LIMIT = 1_000_000;

/** Validation errors as GitLab puts them into a message: Ruby's `Hash#inspect` of `errors.messages`. */
export function inspectErrors(errors: Readonly<Record<string, readonly string[]>>): string {
  const entries = Object.entries(errors).map(
    ([name, list]) => `:${name}=>[${list.map((item) => JSON.stringify(item)).join(', ')}]`,
  );
  return `{${entries.join(', ')}}`;
}

/** A validation failure the way the notes and discussions endpoints report it (`bad_request!("Note …")`). */
export function noteError(prefix: string, errors: Readonly<Record<string, readonly string[]>>): unknown {
  return { message: `400 Bad request - ${prefix} ${inspectErrors(errors)}` };
}

/** Why GitLab would refuse this body, in its words, if it would. */
export function bodyProblem(body: string): Record<string, string[]> | undefined {
  if (body.trim() === '') return { note: ["can't be blank"] };
  // Ruby counts characters, not UTF-16 units.
  if ([...body].length > NOTE_LENGTH_LIMIT) {
    return { note: [`is too long (maximum is ${NOTE_LENGTH_LIMIT} characters)`] };
  }
  return undefined;
}

/** The merge request of `{noteable_id}` or `{merge_request_iid}`. */
export function mergeRequestOf(request: FakeRequest, context: RouteContext): FakeMergeRequest | undefined {
  const { noteable_id: noteable, merge_request_iid: iid } = request.operation.params;
  return findMergeRequest(context.store, projectOf(context).id, Number(noteable ?? iid));
}

/** GitLab's `APIEntitiesNote`: `type` null for a plain comment, `position` only on a diff note. */
export function noteJson(note: FakeNote, mergeRequest: FakeMergeRequest, context: RouteContext) {
  const resolvable = note.type !== null && !note.system;
  return {
    id: note.id,
    type: note.type,
    body: note.body,
    attachment: null,
    author: userJson(note.author, context),
    created_at: note.createdAt,
    updated_at: note.updatedAt,
    system: note.system,
    noteable_id: mergeRequest.id,
    noteable_type: 'MergeRequest',
    project_id: note.projectId,
    ...(note.position ? { position: { line_range: null, ...note.position } } : {}),
    resolvable,
    ...(resolvable
      ? {
          resolved: note.resolved,
          resolved_by: note.resolvedBy ? userJson(note.resolvedBy, context) : null,
          resolved_at: note.resolvedAt,
        }
      : {}),
    confidential: false,
    internal: false,
    imported: false,
    imported_from: 'none',
    noteable_iid: mergeRequest.iid,
    commands_changes: {},
  };
}

/** Every note of a merge request, oldest first. */
export function notesOf(context: RouteContext, mergeRequest: FakeMergeRequest): FakeNote[] {
  return context.store.notes.filter(
    (note) => note.projectId === mergeRequest.projectId && note.mergeRequestIid === mergeRequest.iid,
  );
}

/** A note the caller may change: theirs, or any but a system note for a maintainer (`admin_note`). */
function editable(request: FakeRequest, context: RouteContext): FakeNote | FakeResponse {
  const mergeRequest = mergeRequestOf(request, context);
  if (!mergeRequest) return notFound(context, 'MergeRequest');
  const note = notesOf(context, mergeRequest).find((n) => n.id === Number(request.operation.params.note_id));
  if (!note) return context.reject(404, { message: '404 Not found' });
  const mayAdmin = note.author.id === caller(context).id || context.grant.access >= ACCESS.maintainer;
  if (note.system || !mayAdmin) return context.reject(403, { message: '403 Forbidden' });
  return note;
}

/** Routes by `operationId`. */
export const noteRoutes: Readonly<Record<string, Route>> = {
  getApiV4ProjectsIdMergeRequestsNoteableIdNotes: (request, context) => {
    const mergeRequest = mergeRequestOf(request, context);
    if (!mergeRequest) return notFound(context, 'MergeRequest');
    const filter = request.query.get('activity_filter') ?? 'all_notes';
    const key = request.query.get('order_by') === 'updated_at' ? 'updatedAt' : 'createdAt';
    const direction = request.query.get('sort') === 'asc' ? 1 : -1;
    const all = notesOf(context, mergeRequest)
      .filter((note) => filter === 'all_notes' || note.system === (filter === 'only_activity'))
      .sort((a, b) => direction * (a[key].localeCompare(b[key]) || a.id - b.id));
    const { items, headers } = paginate(all, request, context);
    return context.respond(
      200,
      items.map((note) => noteJson(note, mergeRequest, context)),
      headers,
    );
  },

  postApiV4ProjectsIdMergeRequestsNoteableIdNotes: (request, context) => {
    const mergeRequest = mergeRequestOf(request, context);
    if (!mergeRequest) return notFound(context, 'MergeRequest');
    const { body } = request.body as { body: string };
    const problem = bodyProblem(body);
    if (problem) return context.reject(400, noteError('Note', problem));
    const id = context.store.nextId++;
    const at = iso(context.now());
    const note: FakeNote = {
      id,
      projectId: mergeRequest.projectId,
      mergeRequestIid: mergeRequest.iid,
      discussionId: discussionId(id),
      individual: true,
      type: null,
      body,
      author: caller(context),
      system: false,
      position: null,
      resolved: false,
      resolvedBy: null,
      resolvedAt: null,
      createdAt: at,
      updatedAt: at,
    };
    context.store.notes.push(note);
    return context.respond(201, noteJson(note, mergeRequest, context));
  },

  getApiV4ProjectsIdMergeRequestsNoteableIdNotesNoteId: (request, context) => {
    const mergeRequest = mergeRequestOf(request, context);
    if (!mergeRequest) return notFound(context, 'MergeRequest');
    const note = notesOf(context, mergeRequest).find(
      (n) => n.id === Number(request.operation.params.note_id),
    );
    return note
      ? context.respond(200, noteJson(note, mergeRequest, context))
      : context.reject(404, { message: '404 Not found' });
  },

  putApiV4ProjectsIdMergeRequestsNoteableIdNotesNoteId: (request, context) => {
    const note = editable(request, context);
    if (!('id' in note)) return note;
    const { body } = (request.body ?? {}) as { body?: string | null };
    if (body === undefined || body === null) {
      const error = 'body, confidential are missing, at least one parameter must be provided';
      return context.reject(400, { error });
    }
    const problem = bodyProblem(body);
    if (problem) return context.reject(400, noteError('Failed to save note', problem));
    note.body = body;
    note.updatedAt = iso(context.now());
    const mergeRequest = mergeRequestOf(request, context) as FakeMergeRequest;
    return context.respond(200, noteJson(note, mergeRequest, context));
  },

  deleteApiV4ProjectsIdMergeRequestsNoteableIdNotesNoteId: (request, context) => {
    const note = editable(request, context);
    if (!('id' in note)) return note;
    const notes = context.store.notes;
    notes.splice(notes.indexOf(note), 1);
    return context.respond(204);
  },
};

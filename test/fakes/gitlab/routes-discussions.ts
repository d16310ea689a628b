import { lineAt } from './diff-lines.js';
import { caller, notFound, paginate, type Route, type RouteContext } from './route-context.js';
import { bodyProblem, mergeRequestOf, noteError, noteJson, notesOf } from './routes-notes.js';
import { discussionId } from './seed.js';
import { ACCESS, type FakeMergeRequest, type FakeNote, type FakePosition, iso } from './state.js';

/**
 * Merge request threads: list, start (optionally on a line of the diff), resolve. A positioned thread is
 * checked as GitLab checks a diff note: the SHAs are the `diff_refs` of a version of the MR, the path a
 * file of that version's diff, and `old_line`/`new_line` exactly one line of it (added: new only;
 * removed: old only; context: both). Anything else has no line code, and GitLab answers 400.
 * https://docs.gitlab.com/ee/api/discussions.html#create-a-new-thread-in-the-merge-request-diff
 */

const NO_LINE_CODE = { line_code: ["can't be blank", 'must be a valid line code'] };

/** Whether GitLab could not place this position on a line (it then has no line code). */
export function misplaced(mergeRequest: FakeMergeRequest, position: FakePosition): boolean {
  const version = mergeRequest.versions.find(
    (v) =>
      v.baseSha === position.base_sha && v.startSha === position.start_sha && v.headSha === position.head_sha,
  );
  const file = version?.files.find((f) => f.path === (position.new_path ?? position.old_path));
  if (!file) return true;
  const oldPath = file.oldPath ?? file.path;
  if (position.old_path !== undefined && position.old_path !== null && position.old_path !== oldPath)
    return true;
  if (position.position_type !== 'text') return false;
  return lineAt(file.diff, position.old_line, position.new_line) === undefined;
}

/** Threads in the order they were started; a note of the notes API is a thread of its own. */
function discussionsOf(context: RouteContext, mergeRequest: FakeMergeRequest): FakeNote[][] {
  const threads = new Map<string, FakeNote[]>();
  for (const note of notesOf(context, mergeRequest)) {
    const thread = threads.get(note.discussionId) ?? [];
    thread.push(note);
    threads.set(note.discussionId, thread);
  }
  return [...threads.values()];
}

function discussionJson(notes: readonly FakeNote[], mergeRequest: FakeMergeRequest, context: RouteContext) {
  return {
    id: notes[0]?.discussionId,
    individual_note: notes[0]?.individual ?? false,
    notes: notes.map((note) => noteJson(note, mergeRequest, context)),
  };
}

/** Routes by `operationId`. */
export const discussionRoutes: Readonly<Record<string, Route>> = {
  getApiV4ProjectsIdMergeRequestsNoteableIdDiscussions: (request, context) => {
    const mergeRequest = mergeRequestOf(request, context);
    if (!mergeRequest) return notFound(context, 'MergeRequest');
    const { items, headers } = paginate(discussionsOf(context, mergeRequest), request, context);
    return context.respond(
      200,
      items.map((notes) => discussionJson(notes, mergeRequest, context)),
      headers,
    );
  },

  postApiV4ProjectsIdMergeRequestsNoteableIdDiscussions: (request, context) => {
    const mergeRequest = mergeRequestOf(request, context);
    if (!mergeRequest) return notFound(context, 'MergeRequest');
    const { body, position } = request.body as { body: string; position?: FakePosition | null };
    const problem = bodyProblem(body);
    if (problem) return context.reject(400, noteError('Note', problem));
    if (position && misplaced(mergeRequest, position)) {
      return context.reject(400, noteError('Note', NO_LINE_CODE));
    }
    const id = context.store.nextId++;
    const at = iso(context.now());
    const note: FakeNote = {
      id,
      projectId: mergeRequest.projectId,
      mergeRequestIid: mergeRequest.iid,
      discussionId: discussionId(id),
      individual: false,
      type: position ? 'DiffNote' : 'DiscussionNote',
      body,
      author: caller(context),
      system: false,
      position: position ? keepPosition(position) : null,
      resolved: false,
      resolvedBy: null,
      resolvedAt: null,
      createdAt: at,
      updatedAt: at,
    };
    context.store.notes.push(note);
    return context.respond(201, discussionJson([note], mergeRequest, context));
  },

  putApiV4ProjectsIdMergeRequestsNoteableIdDiscussionsDiscussionId: (request, context) => {
    const mergeRequest = mergeRequestOf(request, context);
    if (!mergeRequest) return notFound(context, 'MergeRequest');
    const id = request.operation.params.discussion_id;
    const notes = notesOf(context, mergeRequest).filter((note) => note.discussionId === id);
    if (notes.length === 0) return notFound(context, 'Discussion');
    // `Discussion#can_resolve?`: a resolvable thread, and the MR's author or a developer (`resolve_note`).
    const resolvable = notes.some((note) => note.type !== null && !note.system);
    const user = caller(context);
    const allowed = mergeRequest.author.id === user.id || context.grant.access >= ACCESS.developer;
    if (!resolvable || !allowed) return context.reject(403, { message: '403 Forbidden' });
    const { resolved } = request.body as { resolved: boolean };
    for (const note of notes) {
      if (note.type === null || note.system) continue;
      note.resolved = resolved;
      note.resolvedBy = resolved ? user : null;
      note.resolvedAt = resolved ? iso(context.now()) : null;
    }
    return context.respond(200, discussionJson(notes, mergeRequest, context));
  },
};

function keepPosition(position: FakePosition): FakePosition {
  return {
    base_sha: position.base_sha,
    start_sha: position.start_sha,
    head_sha: position.head_sha,
    old_path: position.old_path ?? null,
    new_path: position.new_path ?? null,
    position_type: position.position_type,
    old_line: position.old_line ?? null,
    new_line: position.new_line ?? null,
  };
}

import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { GitLabError } from './errors.js';

/** GitLab's answers, parsed where they enter: each schema declares only the fields this provider reads. */

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const UserSchema = Type.Object({ id: Type.Integer(), username: Type.String() });
export type GitLabUser = Static<typeof UserSchema>;

export const VersionSchema = Type.Object({ version: Type.String() });

export const TokenSelfSchema = Type.Object({
  scopes: Type.Array(Type.String()),
  expires_at: Type.Optional(Nullable(Type.String())),
  active: Type.Optional(Type.Boolean()),
});

const Access = Nullable(Type.Object({ access_level: Type.Integer() }));
export const ProjectSchema = Type.Object({
  id: Type.Integer(),
  path_with_namespace: Type.String(),
  permissions: Type.Optional(
    Nullable(Type.Object({ project_access: Type.Optional(Access), group_access: Type.Optional(Access) })),
  ),
});

/** The project as a `ci` integration reads it: whether CI/CD is on for the token's user. */
export const CiProjectSchema = Type.Object({
  id: Type.Integer(),
  path_with_namespace: Type.String(),
  jobs_enabled: Type.Optional(Nullable(Type.Boolean())),
  builds_access_level: Type.Optional(Nullable(Type.String())),
});

export const PipelineListSchema = Type.Array(
  Type.Object({
    id: Type.Integer(),
    status: Type.String(),
    ref: Type.Optional(Nullable(Type.String())),
    created_at: Type.Optional(Nullable(Type.String())),
  }),
);

export const RunnerListSchema = Type.Array(
  Type.Object({
    id: Type.Integer(),
    paused: Type.Optional(Nullable(Type.Boolean())),
    active: Type.Optional(Nullable(Type.Boolean())),
  }),
);

export const NoteSchema = Type.Object({
  id: Type.Integer(),
  body: Nullable(Type.String()),
  author: Nullable(Type.Object({ id: Type.Integer() })),
  system: Type.Optional(Type.Boolean()),
  type: Type.Optional(Nullable(Type.String())),
});
export type GitLabNote = Static<typeof NoteSchema>;
export const NoteListSchema = Type.Array(NoteSchema);

/** A merge request as `GET …/repository/commits/:sha/merge_requests` lists it. */
export const CommitMergeRequestListSchema = Type.Array(
  Type.Object({
    iid: Type.Integer(),
    state: Type.Optional(Nullable(Type.String())),
    sha: Type.Optional(Nullable(Type.String())),
  }),
);

export const MergeRequestSchema = Type.Object({
  iid: Type.Integer(),
  web_url: Type.Optional(Type.String()),
  diff_refs: Nullable(
    Type.Object({
      base_sha: Nullable(Type.String()),
      start_sha: Nullable(Type.String()),
      head_sha: Nullable(Type.String()),
    }),
  ),
});

export const DiffFileSchema = Type.Object({
  old_path: Type.String(),
  new_path: Type.String(),
  deleted_file: Type.Optional(Type.Boolean()),
  diff: Type.Optional(Nullable(Type.String())),
});
export type GitLabDiffFile = Static<typeof DiffFileSchema>;
export const DiffFileListSchema = Type.Array(DiffFileSchema);

const DiffNoteSchema = Type.Object({
  id: Type.Integer(),
  body: Nullable(Type.String()),
  author: Nullable(Type.Object({ id: Type.Integer() })),
  resolvable: Type.Optional(Nullable(Type.Boolean())),
  resolved: Type.Optional(Nullable(Type.Boolean())),
  position: Type.Optional(
    Nullable(
      Type.Object({
        new_path: Type.Optional(Nullable(Type.String())),
        new_line: Type.Optional(Nullable(Type.Integer())),
      }),
    ),
  ),
});
export const DiscussionListSchema = Type.Array(
  Type.Object({ id: Type.String(), notes: Type.Optional(Nullable(Type.Array(DiffNoteSchema))) }),
);
export const DiscussionSchema = Type.Object({ id: Type.String() });

export const CommitStatusSchema = Type.Object({
  id: Type.Integer(),
  status: Type.String(),
  name: Nullable(Type.String()),
  description: Type.Optional(Nullable(Type.String())),
  target_url: Type.Optional(Nullable(Type.String())),
});
export type GitLabCommitStatus = Static<typeof CommitStatusSchema>;
export const CommitStatusListSchema = Type.Array(CommitStatusSchema);

export const CommitSchema = Type.Object({
  id: Type.String(),
  web_url: Type.Optional(Type.String()),
  last_pipeline: Type.Optional(Nullable(Type.Object({ id: Type.Integer() }))),
});

export const CommitCommentSchema = Type.Object({
  note: Nullable(Type.String()),
  author: Nullable(Type.Object({ id: Type.Integer() })),
});
export const CommitCommentListSchema = Type.Array(CommitCommentSchema);

/** `data` checked against `schema`, or a permanent error naming the answer and the first problem. */
export function parse<T extends TSchema>(schema: T, data: unknown, what: string): Static<T> {
  if (Value.Check(schema, data)) return data;
  const first = Value.Errors(schema, data).First();
  const where = first ? ` at ${first.path || '/'}: ${first.message}` : '';
  throw new GitLabError(`GitLab answered ${what} with an unexpected shape${where}`);
}

import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { GitHubAppError } from './errors.js';

/**
 * GitHub's answers, parsed where they enter: each schema declares only the fields this provider reads.
 */

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const AppSchema = Type.Object({ id: Type.Integer(), slug: Type.String(), name: Type.String() });
export type GitHubApp = Static<typeof AppSchema>;

export const InstallationSchema = Type.Object({ id: Type.Integer() });

export const AccessTokenSchema = Type.Object({
  token: Type.String({ minLength: 1 }),
  expires_at: Type.String(),
  permissions: Type.Optional(Type.Record(Type.String(), Type.String())),
});

const UserSchema = Type.Object({ login: Type.String(), type: Type.Optional(Type.String()) });

export const IssueCommentSchema = Type.Object({
  id: Type.Integer(),
  body: Type.Optional(Type.String()),
  html_url: Type.Optional(Type.String()),
  issue_url: Type.Optional(Type.String()),
  user: Nullable(UserSchema),
});
export type IssueComment = Static<typeof IssueCommentSchema>;
export const IssueCommentListSchema = Type.Array(IssueCommentSchema);

export const StatusSchema = Type.Object({
  id: Type.Integer(),
  url: Type.String(),
  state: Type.String(),
  context: Type.String(),
  description: Nullable(Type.String()),
  target_url: Nullable(Type.String()),
});
export type CommitStatus = Static<typeof StatusSchema>;
export const CombinedStatusSchema = Type.Object({ statuses: Type.Array(StatusSchema) });

export const CheckRunSchema = Type.Object({
  id: Type.Integer(),
  html_url: Nullable(Type.String()),
  status: Type.String(),
  conclusion: Nullable(Type.String()),
  external_id: Nullable(Type.String()),
  output: Type.Object({ annotations_count: Type.Integer() }),
  app: Nullable(Type.Object({ slug: Type.Optional(Type.String()) })),
});
export type CheckRun = Static<typeof CheckRunSchema>;
export const CheckRunListSchema = Type.Object({ check_runs: Type.Array(CheckRunSchema) });

export const PullFileSchema = Type.Object({
  filename: Type.String(),
  status: Type.String(),
  patch: Type.Optional(Type.String()),
});
export const PullFileListSchema = Type.Array(PullFileSchema);

export const ReviewCommentSchema = Type.Object({
  id: Type.Integer(),
  path: Type.String(),
  body: Type.String(),
  line: Type.Optional(Nullable(Type.Integer())),
  start_line: Type.Optional(Nullable(Type.Integer())),
  user: Nullable(UserSchema),
});
export type ReviewComment = Static<typeof ReviewCommentSchema>;
export const ReviewCommentListSchema = Type.Array(ReviewCommentSchema);

export const ReviewSchema = Type.Object({ id: Type.Integer() });

export const RateLimitSchema = Type.Object({
  resources: Type.Object({
    core: Type.Object({ limit: Type.Integer(), remaining: Type.Integer(), reset: Type.Integer() }),
  }),
});

export const RepositorySchema = Type.Object({ full_name: Type.String() });

/** `GET /repos/{owner}/{repo}/actions/workflows`: how many, and the first one's name. */
export const WorkflowListSchema = Type.Object({
  total_count: Type.Integer({ minimum: 0 }),
  workflows: Type.Array(Type.Object({ name: Type.String(), path: Type.String(), state: Type.String() })),
});

/** `GET /repos/{owner}/{repo}/actions/runs`: the runs, newest first. */
export const WorkflowRunListSchema = Type.Object({
  total_count: Type.Integer({ minimum: 0 }),
  workflow_runs: Type.Array(
    Type.Object({
      name: Type.Optional(Nullable(Type.String())),
      run_number: Type.Integer(),
      status: Nullable(Type.String()),
      conclusion: Nullable(Type.String()),
      head_branch: Nullable(Type.String()),
    }),
  ),
});
export type WorkflowRun = Static<typeof WorkflowRunListSchema>['workflow_runs'][number];

/** `GET /orgs/{org}/actions/runners`: an organisation's self-hosted runners. */
export const RunnerListSchema = Type.Object({
  total_count: Type.Integer({ minimum: 0 }),
  runners: Type.Array(Type.Object({ name: Type.String(), status: Type.String(), busy: Type.Boolean() })),
});

/** `GET /meta`: GitHub Enterprise Server says its version there. */
export const MetaSchema = Type.Object({ installed_version: Type.Optional(Type.String()) });

/**
 * Checks `data` against `schema`; an unexpected shape is a permanent failure naming what was read.
 *
 * @example
 * const app = parse(AppSchema, response.data, 'GET /app');
 */
export function parse<T extends TSchema>(schema: T, data: unknown, what: string): Static<T> {
  if (Value.Check(schema, data)) return data;
  const first = Value.Errors(schema, data).First();
  const where = first ? ` at ${first.path || '/'}: ${first.message}` : '';
  throw new GitHubAppError(`GitHub answered ${what} with an unexpected shape${where}`);
}

/** What the fake GitLab holds: users and their tokens, projects with members, commits, merge requests. */

/** GitLab's member roles (`Gitlab::Access`). */
export const ACCESS = { guest: 10, reporter: 20, developer: 30, maintainer: 40, owner: 50 } as const;
export type AccessLevel = (typeof ACCESS)[keyof typeof ACCESS];

/** A GitLab account. */
export interface FakeUser {
  readonly id: number;
  readonly username: string;
  readonly name: string;
  /** A project or group access token's bot user. */
  readonly bot: boolean;
}

/** A personal access token, a project access token (its bot user), or a CI job token. */
export type TokenKind = 'personal' | 'project' | 'job';

/** An access token and what it may do. */
export interface FakeToken {
  readonly id: number;
  readonly value: string;
  readonly kind: TokenKind;
  readonly name: string;
  readonly user: FakeUser;
  readonly scopes: readonly string[];
  /** `YYYY-MM-DD`; the token stops working at 00:00 UTC that day. */
  readonly expiresAt: string | null;
  revoked: boolean;
  readonly createdAt: string;
  lastUsedAt: string | null;
}

/** Who may see a project without being a member. */
export type Visibility = 'private' | 'internal' | 'public';

/** A project feature's setting (`builds_access_level` for CI/CD): on, members only, or off. */
export type FeatureAccessLevel = 'enabled' | 'private' | 'disabled';

/** A project, its members by user id with their roles. */
export interface FakeProject {
  readonly id: number;
  /** `group/sub/name` as given. */
  readonly path: string;
  readonly visibility: Visibility;
  readonly defaultBranch: string;
  readonly members: Map<number, AccessLevel>;
  /** CI/CD (Settings → General → Visibility): `disabled` turns pipelines and jobs off. Mutable for tests. */
  buildsAccessLevel: FeatureAccessLevel;
  /** "Public pipelines" (`public_jobs`): Guests and, in public projects, everyone may see pipelines. */
  publicBuilds: boolean;
  /** Instance runners may take this project's jobs (`shared_runners_enabled`). */
  sharedRunnersEnabled: boolean;
}

/** How GitLab reports a runner: by when it last asked for jobs. */
export type RunnerStatus = 'online' | 'offline' | 'never_contacted' | 'stale';
/** Which jobs a runner may take: every project's, a group's projects', or chosen projects'. */
export type RunnerType = 'instance_type' | 'group_type' | 'project_type';

/** A CI runner. `status` and `paused` are mutable: a test takes runners offline. */
export interface FakeRunner {
  readonly id: number;
  readonly description: string;
  readonly runnerType: RunnerType;
  /** A group runner's group (`acme` serves `acme/…` projects). */
  readonly group: string | null;
  /** A project runner's projects, by id. */
  readonly projectIds: readonly number[];
  readonly tags: readonly string[];
  readonly version: string;
  status: RunnerStatus;
  paused: boolean;
  readonly createdAt: string;
}

/** A CI pipeline of one commit and ref. */
export interface FakePipeline {
  readonly id: number;
  readonly iid: number;
  readonly sha: string;
  readonly ref: string;
  readonly source: string;
  status: string;
  readonly createdAt: string;
}

/** One file of a diff. */
export interface FakeDiffFile {
  readonly path: string;
  /** Default `path`; differs for a renamed file. */
  readonly oldPath?: string;
  readonly newFile?: boolean;
  readonly deletedFile?: boolean;
  /** Unified diff text from the first `@@` on, without the `diff --git` header. */
  readonly diff: string;
}

/** A commit of a project. */
export interface FakeCommit {
  readonly sha: string;
  /** The branch a status lands on when the client names none. */
  readonly ref: string;
  readonly title: string;
  /** The commit's own diff, for comments on its lines. */
  readonly files: readonly FakeDiffFile[];
  readonly createdAt: string;
}

/** One version (push) of a merge request: its `diff_refs` and diff. */
export interface FakeMergeRequestVersion {
  readonly id: number;
  readonly headSha: string;
  readonly baseSha: string;
  readonly startSha: string;
  readonly files: readonly FakeDiffFile[];
  readonly createdAt: string;
}

/** A merge request and its versions. */
export interface FakeMergeRequest {
  readonly id: number;
  readonly iid: number;
  readonly projectId: number;
  readonly title: string;
  readonly sourceBranch: string;
  readonly targetBranch: string;
  readonly author: FakeUser;
  /** Latest last. */
  readonly versions: FakeMergeRequestVersion[];
  readonly createdAt: string;
}

/** A diff note's `position`, as the client sent it. */
export interface FakePosition {
  readonly position_type: string;
  readonly base_sha: string;
  readonly start_sha: string;
  readonly head_sha: string;
  readonly old_path?: string | null;
  readonly new_path?: string | null;
  readonly old_line?: number | null;
  readonly new_line?: number | null;
}

/** A note on a merge request: a comment, a thread note, a diff note or a system note. */
export interface FakeNote {
  readonly id: number;
  readonly projectId: number;
  readonly mergeRequestIid: number;
  readonly discussionId: string;
  /** A thread started with the notes API (`individual_note: true`). */
  readonly individual: boolean;
  readonly type: null | 'DiscussionNote' | 'DiffNote';
  body: string;
  readonly author: FakeUser;
  readonly system: boolean;
  readonly position: FakePosition | null;
  resolved: boolean;
  resolvedBy: FakeUser | null;
  resolvedAt: string | null;
  readonly createdAt: string;
  updatedAt: string;
}

/** A commit status's state; `created` only before its first transition. */
export type StatusState = 'created' | 'pending' | 'running' | 'success' | 'failed' | 'canceled' | 'skipped';

/** A commit status (an external job). */
export interface FakeStatus {
  readonly id: number;
  readonly projectId: number;
  readonly sha: string;
  readonly ref: string;
  readonly name: string;
  readonly pipelineId: number;
  readonly author: FakeUser;
  status: StatusState;
  targetUrl: string | null;
  description: string | null;
  coverage: number | null;
  /** A newer status of the same name replaced it in its pipeline. */
  retried: boolean;
  readonly createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** A comment on a commit, on a line of its diff or on the whole commit. */
export interface FakeCommitComment {
  readonly id: number;
  readonly projectId: number;
  readonly sha: string;
  readonly note: string;
  readonly path: string | null;
  readonly line: number | null;
  readonly lineType: 'new' | 'old' | null;
  readonly author: FakeUser;
  readonly createdAt: string;
}

/** A business rule GitLab enforced with a 4xx that the description cannot express. */
export interface Rejection {
  readonly operationId: string;
  readonly status: number;
  readonly message: string;
}

/** Everything the fake holds. */
export interface FakeGitLabStore {
  readonly users: FakeUser[];
  readonly tokens: Map<string, FakeToken>;
  readonly projects: FakeProject[];
  readonly commits: Map<number, Map<string, FakeCommit>>;
  readonly pipelines: Map<number, FakePipeline[]>;
  readonly mergeRequests: FakeMergeRequest[];
  readonly notes: FakeNote[];
  readonly statuses: FakeStatus[];
  readonly commitComments: FakeCommitComment[];
  readonly runners: FakeRunner[];
  readonly rejections: Rejection[];
  nextId: number;
}

/** An empty store. */
export function createStore(): FakeGitLabStore {
  return {
    users: [],
    tokens: new Map(),
    projects: [],
    commits: new Map(),
    pipelines: new Map(),
    mergeRequests: [],
    notes: [],
    statuses: [],
    commitComments: [],
    runners: [],
    rejections: [],
    nextId: 1,
  };
}

/** A project by numeric id or full path (either case), as GitLab finds `:id`. */
export function findProject(store: FakeGitLabStore, idOrPath: string | number): FakeProject | undefined {
  const key = String(idOrPath);
  if (/^\d+$/.test(key)) return store.projects.find((project) => project.id === Number(key));
  return store.projects.find((project) => project.path.toLowerCase() === key.toLowerCase());
}

/** A merge request by project and `iid`. */
export function findMergeRequest(
  store: FakeGitLabStore,
  projectId: number,
  iid: number,
): FakeMergeRequest | undefined {
  return store.mergeRequests.find((mr) => mr.projectId === projectId && mr.iid === iid);
}

/** The version GitLab diffs against now: its `diff_refs`. */
export function latestVersion(mergeRequest: FakeMergeRequest): FakeMergeRequestVersion {
  const version = mergeRequest.versions.at(-1);
  if (!version) throw new Error(`merge request !${mergeRequest.iid} has no version`);
  return version;
}

/** GitLab's timestamps: ISO 8601 with milliseconds, UTC. */
export const iso = (ms: number): string => new Date(ms).toISOString();

import { createHash, randomBytes } from 'node:crypto';
import {
  type AccessLevel,
  type FakeCommit,
  type FakeDiffFile,
  type FakeGitLabStore,
  type FakeMergeRequest,
  type FakeNote,
  type FakePipeline,
  type FakeProject,
  type FakeRunner,
  type FakeToken,
  type FakeUser,
  type FeatureAccessLevel,
  findMergeRequest,
  findProject,
  iso,
  type RunnerStatus,
  type RunnerType,
  type TokenKind,
  type Visibility,
} from './state.js';

/** Putting users, tokens, projects, commits and merge requests into the fake before a test runs. */

/** A project object or its numeric id. */
export type ProjectRef = FakeProject | number;

/** A merge request, or a new version of one, as `addMergeRequest` takes it. */
export interface MergeRequestSeed {
  readonly iid: number;
  readonly headSha: string;
  readonly baseSha: string;
  /** Default `baseSha`; differs once the target branch moved on after the MR was opened. */
  readonly startSha?: string;
  readonly files: readonly FakeDiffFile[];
  readonly title?: string;
  readonly author?: FakeUser;
  readonly sourceBranch?: string;
  readonly targetBranch?: string;
}

/**
 * The seeding helpers of one fake, bound to its store and clock.
 *
 * @example
 * const { addUser, addProject } = createSeeding(store, Date.now);
 */
export function createSeeding(store: FakeGitLabStore, now: () => number) {
  const project = (ref: ProjectRef): FakeProject => {
    const found = findProject(store, typeof ref === 'number' ? ref : ref.id);
    if (!found) throw new Error(`no project ${typeof ref === 'number' ? ref : ref.path} in the fake`);
    return found;
  };
  const commitsOf = (projectId: number) => {
    const commits = store.commits.get(projectId) ?? new Map<string, FakeCommit>();
    store.commits.set(projectId, commits);
    return commits;
  };

  function addUser(options: { username: string; name?: string; bot?: boolean }): FakeUser {
    const user = {
      id: store.nextId++,
      username: options.username,
      name: options.name ?? options.username,
      bot: options.bot ?? false,
    };
    store.users.push(user);
    return user;
  }

  function addToken(
    user: FakeUser,
    options: { scopes: readonly string[]; expiresAt?: string | null; kind?: TokenKind; name?: string },
  ): string {
    const kind = options.kind ?? 'personal';
    const value = `${kind === 'job' ? 'glcbt-' : 'glpat-'}${randomBytes(15).toString('base64url')}`;
    const token: FakeToken = {
      id: store.nextId++,
      value,
      kind,
      name: options.name ?? `${kind}-token`,
      user,
      scopes: [...options.scopes],
      expiresAt: options.expiresAt ?? null,
      revoked: false,
      createdAt: iso(now()),
      lastUsedAt: null,
    };
    store.tokens.set(value, token);
    return value;
  }

  function addProject(options: {
    path: string;
    visibility?: Visibility;
    defaultBranch?: string;
    /** CI/CD: `enabled` (default), `private` (members only) or `disabled`. */
    buildsAccessLevel?: FeatureAccessLevel;
    /** "Public pipelines", on by default as in GitLab. */
    publicBuilds?: boolean;
    /** Instance runners allowed, on by default as in GitLab. */
    sharedRunnersEnabled?: boolean;
  }) {
    if (findProject(store, options.path)) throw new Error(`project ${options.path} exists`);
    const created: FakeProject = {
      id: store.nextId++,
      path: options.path,
      visibility: options.visibility ?? 'private',
      defaultBranch: options.defaultBranch ?? 'main',
      members: new Map(),
      buildsAccessLevel: options.buildsAccessLevel ?? 'enabled',
      publicBuilds: options.publicBuilds ?? true,
      sharedRunnersEnabled: options.sharedRunnersEnabled ?? true,
    };
    store.projects.push(created);
    return created;
  }

  function addMember(ref: ProjectRef, user: FakeUser, accessLevel: AccessLevel): void {
    project(ref).members.set(user.id, accessLevel);
  }

  function addCommit(
    ref: ProjectRef,
    sha: string,
    options: { ref?: string; title?: string; files?: readonly FakeDiffFile[] } = {},
  ): FakeCommit {
    const target = project(ref);
    const commit: FakeCommit = {
      sha,
      ref: options.ref ?? target.defaultBranch,
      title: options.title ?? `Commit ${sha.slice(0, 8)}`,
      files: [...(options.files ?? [])],
      createdAt: iso(now()),
    };
    commitsOf(target.id).set(sha, commit);
    return commit;
  }

  /** A CI pipeline for a commit (the commit is added when missing). */
  function addPipeline(
    ref: ProjectRef,
    sha: string,
    options: { ref?: string; status?: string; source?: string } = {},
  ): FakePipeline {
    const target = project(ref);
    const commit = commitsOf(target.id).get(sha) ?? addCommit(target, sha, { ref: options.ref });
    const pipelines = store.pipelines.get(target.id) ?? [];
    store.pipelines.set(target.id, pipelines);
    const pipeline: FakePipeline = {
      id: store.nextId++,
      iid: pipelines.length + 1,
      sha,
      ref: options.ref ?? commit.ref,
      source: options.source ?? 'push',
      status: options.status ?? 'running',
      createdAt: iso(now()),
    };
    pipelines.push(pipeline);
    return pipeline;
  }

  /**
   * A CI runner: an instance runner (every project that allows instance runners), a group runner (`group`
   * and its subgroups' projects) or a project runner (`projects`). Online and not paused unless told.
   */
  function addRunner(options: {
    type: RunnerType;
    projects?: readonly ProjectRef[];
    group?: string;
    status?: RunnerStatus;
    paused?: boolean;
    description?: string;
    tags?: readonly string[];
    version?: string;
  }): FakeRunner {
    if (options.type === 'project_type' && (options.projects ?? []).length === 0)
      throw new Error('a project runner needs at least one project');
    if (options.type === 'group_type' && !options.group) throw new Error('a group runner needs its group');
    const id = store.nextId++;
    const runner: FakeRunner = {
      id,
      description: options.description ?? `runner-${id}`,
      runnerType: options.type,
      group: options.type === 'group_type' ? (options.group ?? null) : null,
      projectIds:
        options.type === 'project_type' ? (options.projects ?? []).map((ref) => project(ref).id) : [],
      tags: [...(options.tags ?? [])],
      version: options.version ?? '17.5.0',
      status: options.status ?? 'online',
      paused: options.paused ?? false,
      createdAt: iso(now()),
    };
    store.runners.push(runner);
    return runner;
  }

  /**
   * Opens a merge request, or pushes a new version to it when one with this `iid` exists (a push or a
   * force-push: new `diff_refs`, new diff). Its commits are added to the project; the head commit's own
   * diff is taken to be the MR's.
   */
  function addMergeRequest(ref: ProjectRef, seed: MergeRequestSeed): FakeMergeRequest {
    const target = project(ref);
    const version = {
      id: store.nextId++,
      headSha: seed.headSha,
      baseSha: seed.baseSha,
      startSha: seed.startSha ?? seed.baseSha,
      files: [...seed.files],
      createdAt: iso(now()),
    };
    let mergeRequest = findMergeRequest(store, target.id, seed.iid);
    if (!mergeRequest) {
      mergeRequest = {
        id: store.nextId++,
        iid: seed.iid,
        projectId: target.id,
        title: seed.title ?? `Merge request !${seed.iid}`,
        sourceBranch: seed.sourceBranch ?? `feature-${seed.iid}`,
        targetBranch: seed.targetBranch ?? target.defaultBranch,
        author: seed.author ?? addUser({ username: `author-of-${target.id}-${seed.iid}` }),
        versions: [],
        createdAt: iso(now()),
      };
      store.mergeRequests.push(mergeRequest);
    }
    mergeRequest.versions.push(version);
    const commits = commitsOf(target.id);
    for (const sha of [version.baseSha, version.startSha]) {
      if (!commits.has(sha)) addCommit(target, sha, { ref: mergeRequest.targetBranch });
    }
    addCommit(target, version.headSha, { ref: mergeRequest.sourceBranch, files: version.files });
    return mergeRequest;
  }

  /** A comment by someone (another user, or a system note with `system: true`) on a merge request. */
  function addNote(
    ref: ProjectRef,
    iid: number,
    author: FakeUser,
    body: string,
    options: { system?: boolean } = {},
  ): FakeNote {
    const target = project(ref);
    if (!findMergeRequest(store, target.id, iid)) throw new Error(`no merge request !${iid}`);
    const id = store.nextId++;
    const at = iso(now());
    const note: FakeNote = {
      id,
      projectId: target.id,
      mergeRequestIid: iid,
      discussionId: discussionId(id),
      individual: true,
      type: null,
      body,
      author,
      system: options.system ?? false,
      position: null,
      resolved: false,
      resolvedBy: null,
      resolvedAt: null,
      createdAt: at,
      updatedAt: at,
    };
    store.notes.push(note);
    return note;
  }

  return {
    addUser,
    addToken,
    addProject,
    addMember,
    addCommit,
    addPipeline,
    addRunner,
    addMergeRequest,
    addNote,
  };
}

/** What `createSeeding` returns; `FakeGitLab` has all of it. */
export type Seeding = ReturnType<typeof createSeeding>;

/** GitLab's discussion ids are 40 hex digits. */
export function discussionId(noteId: number): string {
  return createHash('sha1').update(`discussion-${noteId}`).digest('hex');
}

import type { FaultTally } from '../github/fake-github.js';
import {
  type ContractServer,
  type Exchange,
  type FakeRequest,
  type FakeResponse,
  type Fault,
  startContractServer,
  type Violation,
} from '../openapi/contract-server.js';
import { shape } from '../openapi/shape.js';
import { gitlabValidator } from './description.js';
import { type GitLabRandomFaultOptions, randomFaults } from './faults.js';
import { authorize, type Grant } from './guard.js';
import { createRateLimiter, type RateLimitState } from './rate-limit.js';
import type { Route, RouteContext } from './route-context.js';
import { ciRoutes } from './routes-ci.js';
import { commitRoutes } from './routes-commits.js';
import { discussionRoutes } from './routes-discussions.js';
import { mergeRequestRoutes } from './routes-merge-requests.js';
import { metaRoutes } from './routes-meta.js';
import { noteRoutes } from './routes-notes.js';
import { statusRoutes } from './routes-statuses.js';
import { createSeeding, type ProjectRef, type Seeding } from './seed.js';
import {
  createStore,
  type FakeCommitComment,
  type FakeGitLabStore,
  type FakeNote,
  type FakePipeline,
  type FakeStatus,
  findProject,
  type Rejection,
} from './state.js';

export { GITLAB_DESCRIPTION_FILE, gitlabValidator } from './description.js';
export { type GitLabRandomFault, type GitLabRandomFaultOptions, TRANSIENT_FAULTS } from './faults.js';
export type { MergeRequestSeed, ProjectRef } from './seed.js';
export {
  ACCESS,
  type AccessLevel,
  type FakeDiffFile,
  type FakeMergeRequest,
  type FakePipeline,
  type FakeProject,
  type FakeRunner,
  type FakeToken,
  type FakeUser,
  type FeatureAccessLevel,
  type Rejection,
  type RunnerStatus,
  type RunnerType,
} from './state.js';

/**
 * A small GitLab on loopback for the `gitlab` provider's tests, every request (and every answer of its
 * own) held to GitLab's OpenAPI description (see ../README.md and description.ts for where GitLab and its
 * description part). State lives in the returned object.
 */

/** How to start the fake; every field has a default. */
export interface FakeGitLabOptions {
  /** A relative root such as `/gitlab` (self-managed under a path); default '' (the API at `/api/v4`). */
  readonly basePath?: string;
  /**
   * The origin written into `web_url`s and `Link`s (default: the loopback origin). With `aliasHost` a
   * client can use e.g. `https://gitlab.example.com/gitlab/api/v4` throughout.
   */
  readonly publicOrigin?: string;
  /** What `/version` and `/metadata` say (default `17.5.1-ee`). */
  readonly version?: string;
  /** The throttle's budget per minute (default 2000, all of it left). */
  readonly rateLimit?: { readonly limit?: number; readonly remaining?: number };
  readonly latencyMs?: number;
  /** The fake's clock (token expiry, timestamps, rate-limit windows), epoch ms. Default `Date.now`. */
  readonly now?: () => number;
}

/** What was written, for assertions. */
export interface FakeGitLabState {
  /** Every note of a merge request (summary notes, thread notes, system notes), oldest first. */
  notes(project: ProjectRef, iid: number): FakeNote[];
  /** Threads of a merge request, each its notes. */
  discussions(project: ProjectRef, iid: number): FakeNote[][];
  /** Every status posted for a commit (retried ones too), oldest first. */
  statuses(project: ProjectRef, sha: string): FakeStatus[];
  commitComments(project: ProjectRef, sha: string): FakeCommitComment[];
  pipelines(project: ProjectRef, sha: string): FakePipeline[];
}

/** The running fake: addresses, seeding helpers, what was written and what was refused. */
export interface FakeGitLab extends Seeding {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** origin + relative root: what a user would paste as the GitLab URL. */
  readonly url: string;
  /** `publicOrigin` (or `origin`) + relative root: the root of the URLs the fake writes. */
  readonly publicUrl: string;
  readonly state: FakeGitLabState;
  readonly violations: Violation[];
  /** GitLab's business-rule refusals (4xx from a route), which are not contract violations. */
  readonly rejections: Rejection[];
  readonly exchanges: Exchange[];
  /** Mutable: set `remaining` to test a client that watches the budget; 0 makes every request a 429. */
  readonly rateLimit: RateLimitState;
  inject(fault: Fault): void;
  /** Fails a seeded-random share of requests with GitLab's transient faults; the tally grows as they fire. */
  injectRandomFaults(options: GitLabRandomFaultOptions): FaultTally;
  clearFaults(): void;
  /** Requests answered, optionally of one operation (`postApiV4ProjectsIdStatusesSha`). */
  requests(operationId?: string): Exchange[];
  /** Requests that would change something (not GET), answered or refused, optionally of one operation. */
  writes(operationId?: string): Exchange[];
  /** Makes a token fail with GitLab's "Token was revoked" 401. */
  revokeToken(token: string): void;
  close(): Promise<void>;
}

const ROUTES: Readonly<Record<string, Route>> = {
  ...metaRoutes,
  ...noteRoutes,
  ...discussionRoutes,
  ...mergeRequestRoutes,
  ...statusRoutes,
  ...commitRoutes,
  ...ciRoutes,
};

/**
 * @example
 * const gitlab = await startFakeGitLab();
 * const bot = gitlab.addUser({ username: 'scanner-bot' });
 * const token = gitlab.addToken(bot, { scopes: ['api'] });
 * const project = gitlab.addProject({ path: 'acme/platform/app' });
 * gitlab.addMember(project, bot, 30);
 * // endpoint: gitlab.url; header: { 'private-token': token }
 */
export async function startFakeGitLab(options: FakeGitLabOptions = {}): Promise<FakeGitLab> {
  const validator = gitlabValidator();
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  const now = options.now ?? (() => Date.now());
  const version = options.version ?? '17.5.1-ee';
  const store: FakeGitLabStore = createStore();
  const limiter = createRateLimiter(
    { limit: options.rateLimit?.limit ?? 2000, remaining: options.rateLimit?.remaining ?? 2000 },
    now,
  );
  const grants = new WeakMap<FakeRequest, Grant>();
  let webUrl = '';

  const server: ContractServer = await startContractServer({
    validator,
    basePath,
    latencyMs: options.latencyMs,
    guard: (request) => {
      const { guarded, grant } = authorize(store, limiter, request, now());
      if (grant) grants.set(request, grant);
      return guarded;
    },
    handle: (request) => {
      const route = ROUTES[request.operation.operationId];
      const grant = grants.get(request);
      if (!route || !grant) return undefined;
      const respond = (status: number, overlay?: unknown, headers?: Readonly<Record<string, string>>) => {
        const at = validator.responseSchema(request.operation, status);
        const body = at === undefined ? overlay : shape(validator.document, at, overlay);
        return { status, body, headers: { ...grant.rateHeaders, ...(headers ?? {}) } } satisfies FakeResponse;
      };
      const context: RouteContext = {
        store,
        grant,
        webUrl,
        version,
        now,
        respond,
        reject(status, body) {
          const message = typeof body === 'object' && body !== null ? JSON.stringify(body) : String(body);
          store.rejections.push({ operationId: request.operation.operationId, status, message });
          return { status, body, headers: grant.rateHeaders };
        },
      };
      return route(request, context);
    },
  });
  const publicOrigin = options.publicOrigin ? new URL(options.publicOrigin).origin : server.origin;
  webUrl = `${publicOrigin}${basePath}`;

  const project = (ref: ProjectRef) => {
    const found = findProject(store, typeof ref === 'number' ? ref : ref.id);
    if (!found) throw new Error(`no project ${String(typeof ref === 'number' ? ref : ref.path)}`);
    return found;
  };
  const notes = (ref: ProjectRef, iid: number) =>
    store.notes.filter((note) => note.projectId === project(ref).id && note.mergeRequestIid === iid);
  const state: FakeGitLabState = {
    notes,
    discussions(ref, iid) {
      const threads = new Map<string, FakeNote[]>();
      for (const note of notes(ref, iid))
        threads.set(note.discussionId, [...(threads.get(note.discussionId) ?? []), note]);
      return [...threads.values()];
    },
    statuses: (ref, sha) => store.statuses.filter((s) => s.projectId === project(ref).id && s.sha === sha),
    commitComments: (ref, sha) =>
      store.commitComments.filter((c) => c.projectId === project(ref).id && c.sha === sha),
    pipelines: (ref, sha) => (store.pipelines.get(project(ref).id) ?? []).filter((p) => p.sha === sha),
  };
  const requests = (operationId?: string) =>
    server.exchanges.filter((e) => operationId === undefined || e.operationId === operationId);

  return {
    ...createSeeding(store, now),
    origin: server.origin,
    url: `${server.origin}${basePath}`,
    publicUrl: webUrl,
    state,
    violations: server.violations,
    rejections: store.rejections,
    exchanges: server.exchanges,
    rateLimit: limiter.state,
    inject: server.inject,
    injectRandomFaults(faultOptions) {
      const { fault, tally } = randomFaults(faultOptions, now);
      server.inject(fault);
      return tally;
    },
    clearFaults: server.clearFaults,
    requests,
    writes: (operationId) => requests(operationId).filter((e) => e.method !== 'GET'),
    revokeToken(token) {
      const found = store.tokens.get(token);
      if (!found) throw new Error('no such token in the fake');
      found.revoked = true;
    },
    close: server.close,
  };
}

import type { AppKeys } from './app-jwt.js';

/**
 * What the fake GitHub holds: one App, its installations, and the repositories' comments, statuses, runs;
 * GitHub Actions workflows, workflow runs and organisations' self-hosted runners; personal access tokens,
 * the users and organisations they see, and their container packages.
 */

export type Permissions = Readonly<Record<string, 'read' | 'write'>>;

export interface FakeApp {
  readonly id: number;
  readonly slug: string;
  readonly clientId: string;
  readonly name: string;
}

export interface FakeInstallation {
  readonly id: number;
  readonly account: string;
  /** `owner/name`, lower case. */
  readonly repositories: string[];
  permissions: Permissions;
  suspended: boolean;
}

export interface FakeUser {
  readonly login: string;
  readonly id: number;
  readonly type: 'User' | 'Bot' | 'Organization';
}

export interface FakeComment {
  readonly id: number;
  readonly repository: string;
  readonly issue: number;
  body: string;
  readonly user: FakeUser;
  readonly createdAt: string;
  updatedAt: string;
}

export interface FakeStatus {
  readonly id: number;
  readonly repository: string;
  readonly sha: string;
  readonly state: string;
  readonly context: string;
  readonly description: string | null;
  readonly targetUrl: string | null;
  readonly createdAt: string;
}

export interface FakeAnnotation {
  readonly path: string;
  readonly start_line: number;
  readonly end_line: number;
  readonly start_column?: number;
  readonly end_column?: number;
  readonly annotation_level: string;
  readonly message: string;
  readonly title?: string;
}

export interface FakeCheckRun {
  readonly id: number;
  readonly repository: string;
  readonly headSha: string;
  name: string;
  status: string;
  conclusion: string | null;
  externalId: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
  readonly annotations: FakeAnnotation[];
  startedAt: string | null;
  completedAt: string | null;
}

export interface FakePullFile {
  readonly filename: string;
  readonly patch?: string;
  readonly status?: 'added' | 'removed' | 'modified' | 'renamed';
}

export interface FakePull {
  readonly repository: string;
  readonly number: number;
  readonly headSha: string;
  readonly files: FakePullFile[];
}

export interface FakeReviewComment {
  readonly id: number;
  readonly repository: string;
  readonly pull: number;
  readonly reviewId: number | null;
  readonly path: string;
  readonly line: number;
  readonly startLine: number | null;
  readonly body: string;
  readonly commitId: string;
  readonly user: FakeUser;
}

export interface FakeToken {
  readonly installationId: number;
  readonly expiresAt: number;
  revoked: boolean;
}

/**
 * A personal access token. A classic one carries OAuth scopes (answered in `X-OAuth-Scopes`); a
 * fine-grained one has none and cannot use the packages API.
 */
export interface FakePersonalToken {
  readonly login: string;
  readonly userId: number;
  readonly kind: 'classic' | 'fine_grained';
  readonly scopes: readonly string[];
  /** Organisations (lower case) whose private packages the token's user may read. */
  readonly orgs: readonly string[];
  revoked: boolean;
}

/** A user or an organisation: packages belong to one. */
export interface FakeOwner {
  readonly login: string;
  readonly id: number;
  readonly type: 'org' | 'user';
}

/** A container package (an image on ghcr.io), `name` as GitHub shows it (`app`, `team/app`). */
export interface FakePackage {
  readonly id: number;
  /** Lower case owner login. */
  readonly owner: string;
  readonly name: string;
  readonly visibility: 'public' | 'private';
  readonly createdAt: string;
}

/** A GitHub Actions workflow of a repository (a file under `.github/workflows`). */
export interface FakeWorkflow {
  readonly id: number;
  /** `owner/name`, lower case. */
  readonly repository: string;
  readonly name: string;
  readonly path: string;
  state: 'active' | 'disabled_manually' | 'disabled_inactivity';
  readonly createdAt: string;
}

/** One run of a workflow. */
export interface FakeWorkflowRun {
  readonly id: number;
  /** `owner/name`, lower case. */
  readonly repository: string;
  readonly workflowId: number;
  readonly name: string;
  readonly runNumber: number;
  readonly headBranch: string;
  readonly headSha: string;
  readonly event: string;
  status: 'queued' | 'in_progress' | 'completed' | 'waiting' | 'requested' | 'pending';
  conclusion: string | null;
  readonly createdAt: string;
}

/** A self-hosted runner registered with an organisation. */
export interface FakeRunner {
  readonly id: number;
  /** Organisation login, lower case. */
  readonly org: string;
  readonly name: string;
  readonly os: string;
  status: 'online' | 'offline';
  busy: boolean;
  readonly labels: readonly string[];
}

export interface FakeGitHubState {
  readonly app: FakeApp;
  readonly keys: AppKeys;
  readonly installations: FakeInstallation[];
  readonly tokens: Map<string, FakeToken>;
  readonly jwts: string[];
  readonly comments: FakeComment[];
  readonly statuses: FakeStatus[];
  readonly checkRuns: FakeCheckRun[];
  readonly pulls: FakePull[];
  readonly reviewComments: FakeReviewComment[];
  readonly reviews: { id: number; repository: string; pull: number; body: string }[];
  /** Business-rule refusals (422s GitHub gives that the description cannot express). */
  readonly rejections: string[];
  readonly rateLimit: { limit: number; remaining: number; reset: number };
  /** How long an installation token lives (GitHub: one hour). */
  readonly tokenLifetimeMs: number;
  /** Personal access tokens by value. */
  readonly personalTokens: Map<string, FakePersonalToken>;
  /** Users and organisations by lower-case login. */
  readonly owners: Map<string, FakeOwner>;
  /** Container packages, in the order they were added (GitHub lists them so). */
  readonly packages: FakePackage[];
  readonly workflows: FakeWorkflow[];
  /** Workflow runs in the order they were started (GitHub lists the newest first). */
  readonly workflowRuns: FakeWorkflowRun[];
  readonly runners: FakeRunner[];
  nextId: number;
}

/** Whether a classic token's scopes hold `scope`; `write:packages` includes `read:packages`, as GitHub grants it. */
export function hasScope(token: FakePersonalToken, scope: string): boolean {
  if (token.kind !== 'classic') return false;
  if (token.scopes.includes(scope)) return true;
  return scope === 'read:packages' && token.scopes.includes('write:packages');
}

/** The App's bot account, as GitHub shows it on what the App writes. */
export function botUser(app: FakeApp): FakeUser {
  return { login: `${app.slug}[bot]`, id: 41_000_000 + app.id, type: 'Bot' };
}

/** Permissions the provider needs, plus metadata and contents. */
export const FULL_PERMISSIONS: Permissions = {
  checks: 'write',
  pull_requests: 'write',
  statuses: 'write',
  issues: 'write',
  metadata: 'read',
  contents: 'read',
};

/**
 * `FULL_PERMISSIONS` and what a GitHub Actions (`ci`) integration reads: `actions: read` (workflows and
 * their runs) and `organization_self_hosted_runners: read` (an organisation's runners).
 */
export const CI_PERMISSIONS: Permissions = {
  ...FULL_PERMISSIONS,
  actions: 'read',
  organization_self_hosted_runners: 'read',
};

export function repoKey(owner: string, repo: string): string {
  return `${owner}/${repo}`.toLowerCase();
}

/** A GitHub-style user object with every field the description requires. */
export function userJson(user: FakeUser, apiUrl: string): Record<string, unknown> {
  const url = `${apiUrl}/users/${encodeURIComponent(user.login)}`;
  return {
    login: user.login,
    id: user.id,
    node_id: `U_${user.id}`,
    avatar_url: `https://avatars.example.invalid/u/${user.id}`,
    gravatar_id: '',
    url,
    html_url: `https://github.example.invalid/${encodeURIComponent(user.login)}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type: user.type,
    site_admin: false,
  };
}

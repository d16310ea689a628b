import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { type FakeGitLab, startFakeGitLab } from '../../../test/fakes/gitlab/fake-gitlab.js';
import type { FakeProject, FakeUser } from '../../../test/fakes/gitlab/state.js';
import { silentLogger } from '../../core/logger.js';
import { createEgressPolicy, createHttpClient, type HttpClient } from '../../net/index.js';
import type { IntegrationConfig, PluginContext, ScmAnnotationClient } from '../../plugins/contracts.js';
import { type CredentialsAccessor, createInlineCredentialsAccessor } from '../../secrets/index.js';
import type { GitLabConfig } from './config.js';
import { createGitLabPlugin } from './plugin.js';

/** The provider against the fake GitLab: one project, merge request !7, a bot with the Developer role. */

export const BASE = 'b'.repeat(40);
export const START = 'c'.repeat(40);
export const HEAD = 'd'.repeat(40);
/** Context (1,1), removed (2,–), added (–,2), added (–,3), context (3,4). */
export const APP_DIFF =
  '@@ -1,3 +1,4 @@\n import a\n-const x = 1;\n+const x = 2;\n+const y = 3;\n export {}\n';
export const TARGET = {
  owner: 'acme/platform',
  repository: 'app',
  pullRequestNumber: 7,
  commitSha: HEAD,
} as const;

export interface GitLabHarness {
  readonly gitlab: FakeGitLab;
  readonly project: FakeProject;
  readonly bot: FakeUser;
  /** `api`-scoped token of the bot (Developer). */
  readonly token: string;
  readonly plugin: ReturnType<typeof createGitLabPlugin>;
  readonly http: HttpClient;
  context(options?: {
    token?: string;
    credentials?: CredentialsAccessor;
    config?: Partial<GitLabConfig>;
    endpoint?: string;
    integration?: Partial<IntegrationConfig>;
    http?: HttpClient;
  }): PluginContext<GitLabConfig>;
  client(options?: Parameters<GitLabHarness['context']>[0]): Required<ScmAnnotationClient>;
}

/**
 * Project `acme/platform/app` with commit HEAD and merge request !7 (a changed file and a renamed one),
 * a bot with the Developer role and the merge request's author, a Maintainer.
 */
export function seedGitLab(gitlab: FakeGitLab): { project: FakeProject; bot: FakeUser } {
  const bot = gitlab.addUser({ username: 'scanner-bot', bot: true });
  const author = gitlab.addUser({ username: 'alice' });
  const project = gitlab.addProject({ path: 'acme/platform/app' });
  gitlab.addMember(project, bot, 30);
  gitlab.addMember(project, author, 40);
  gitlab.addCommit(project, HEAD);
  gitlab.addMergeRequest(project, {
    iid: 7,
    baseSha: BASE,
    startSha: START,
    headSha: HEAD,
    author,
    files: [
      { path: 'src/app.ts', diff: APP_DIFF },
      { path: 'src/new-name.ts', oldPath: 'src/old-name.ts', diff: '@@ -10,2 +10,2 @@\n a\n-b\n+c\n' },
    ],
  });
  return { project, bot };
}

/**
 * Starts the fake once per file (its description loads in seconds), a fresh plugin per test, and checks
 * after each test that no request broke GitLab's description.
 */
export function useGitLab(): GitLabHarness {
  const harness = {} as { -readonly [K in keyof GitLabHarness]: GitLabHarness[K] };
  beforeAll(async () => {
    const gitlab = await startFakeGitLab();
    const { project, bot } = seedGitLab(gitlab);
    const http = createHttpClient({
      policy: createEgressPolicy({ allowPrivateNetworks: true, allowlist: [], allowAnyPort: true }),
      retry: { baseDelayMs: 1, maxDelayMs: 5 },
    });
    Object.assign(harness, {
      gitlab,
      project,
      bot,
      token: gitlab.addToken(bot, { scopes: ['api'] }),
      plugin: createGitLabPlugin(),
      http,
      context(options: Parameters<GitLabHarness['context']>[0] = {}) {
        return {
          integration: {
            id: 'gitlab-1',
            tenantId: 'tenant-a',
            name: 'gitlab',
            type: 'scm',
            endpoint: options.endpoint ?? gitlab.url,
            authRef: 'authref://local/gitlab',
            config: { ...options.config },
            ...options.integration,
          },
          http: options.http ?? http,
          credentials: options.credentials ?? createInlineCredentialsAccessor(options.token ?? harness.token),
          logger: silentLogger,
          signal: AbortSignal.timeout(20_000),
          now: () => new Date(),
        } satisfies PluginContext<GitLabConfig>;
      },
      client(options: Parameters<GitLabHarness['context']>[0] = {}) {
        return harness.plugin.scm!(harness.context(options)) as Required<ScmAnnotationClient>;
      },
    });
  }, 60_000);
  afterEach(() => {
    expect(harness.gitlab.violations).toEqual([]);
    harness.plugin = createGitLabPlugin();
  });
  afterAll(async () => {
    await harness.http?.close();
    await harness.gitlab?.close();
  });
  return harness;
}

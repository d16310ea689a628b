import { BoundedMap } from '../../core/bounded-map.js';
import { type ConnectorPlugin, type PluginContext, SCM_CAPABILITIES } from '../../plugins/contracts.js';
import { guardedHealth, guardedTest } from '../../plugins/guarded.js';
import { testCiConnection } from './ci-connection.js';
import { checkCiHealth } from './ci-health.js';
import { type GitHubAppConfig, GitHubAppConfigSchema } from './config.js';
import { checkHealth, testConnection } from './connection.js';
import { describeFailure } from './errors.js';
import { createGitHubScmClient, type GitHubScmClient } from './scm-client.js';
import { createKeyedMutex, createWriteQueues, type Sleep } from './serial.js';
import { createSession, type SharedState } from './session.js';
import { createInstallationTokenCache } from './token-cache.js';

/** The GitHub App provider: its SCM client has `postInlineComments` besides the contract's three. */
export interface GitHubAppPlugin extends ConnectorPlugin<GitHubAppConfig> {
  scm(context: PluginContext<GitHubAppConfig>): GitHubScmClient;
}

export interface GitHubAppPluginOptions {
  /**
   * Epoch milliseconds (JWT times, token expiry, write spacing). Default `Date.now`. JWTs are signed on
   * GitHub's clock once GitHub refuses one by it (see `clock.ts`).
   */
  readonly now?: () => number;
  /** How the write queue waits (tests pass one that does not). */
  readonly sleep?: Sleep;
  /** Least time between two writes of one installation (default 1,000 ms, GitHub's advice). */
  readonly minWriteIntervalMs?: number;
  /** Stop using a token this long before it expires (default 5 minutes). */
  readonly tokenRefreshMarginMs?: number;
}

/**
 * Creates the `github_app` provider: integration type `scm` (comments, statuses, check runs, inline
 * review comments) and `ci` (GitHub Actions: connection test and health of workflows, runs and an
 * organisation's self-hosted runners), both as the same GitHub App. State (installation tokens, the
 * App's identity, installations per repository, write queues) lives in the returned instance, shared by
 * its operations.
 *
 * @example
 * const plugin = createGitHubAppPlugin();
 * // register an integration: { provider: 'github_app', type: 'scm', endpoint: 'https://github.com',
 * //   authRef: 'authref://local/<id>' (holding { appId, privateKey }), config: { repositories: ['acme/app'] } }
 */
export function createGitHubAppPlugin(options: GitHubAppPluginOptions = {}): GitHubAppPlugin {
  const now = options.now ?? Date.now;
  const shared: SharedState = {
    tokens: createInstallationTokenCache({
      now,
      ...(options.tokenRefreshMarginMs === undefined
        ? {}
        : { refreshMarginMs: options.tokenRefreshMarginMs }),
    }),
    writes: createWriteQueues({
      now,
      ...(options.sleep ? { sleep: options.sleep } : {}),
      ...(options.minWriteIntervalMs === undefined ? {} : { minIntervalMs: options.minWriteIntervalMs }),
    }),
    locks: createKeyedMutex(),
    apps: new BoundedMap(),
    installations: new BoundedMap(),
    clockOffsets: new BoundedMap(1_000),
    now,
  };

  return {
    provider: 'github_app',
    displayName: 'GitHub App (github.com and GitHub Enterprise Server; SCM and GitHub Actions)',
    // `ci` is GitHub Actions through the same App installation: connection test and health only.
    types: ['scm', 'ci'],
    configSchema: GitHubAppConfigSchema,
    capabilities: SCM_CAPABILITIES,
    checkAvailability: () => ({ available: true }),
    testConnection: (context) =>
      guardedTest(
        () => {
          const session = createSession(context, shared);
          return context.integration.type === 'ci' ? testCiConnection(session) : testConnection(session);
        },
        (error) => describeFailure(error).message,
      ),
    checkHealth: (context) =>
      guardedHealth(
        () => {
          const session = createSession(context, shared);
          return context.integration.type === 'ci' ? checkCiHealth(session) : checkHealth(session);
        },
        (error) => describeFailure(error).message,
      ),
    scm: (context) => createGitHubScmClient(context, shared),
  };
}

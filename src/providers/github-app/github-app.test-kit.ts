import { afterEach, beforeEach, expect } from 'vitest';
import {
  type FakeGitHub,
  type FakeGitHubOptions,
  startFakeGitHub,
} from '../../../test/fakes/github/fake-github.js';
import { aliasHost } from '../../../test/fakes/openapi/host-alias.js';
import type { Logger } from '../../core/logger.js';
import {
  createEgressPolicy,
  createHttpClient,
  type HttpClient,
  type HttpClientOptions,
  type RetryOptions,
} from '../../net/index.js';
import { asConnectorPlugin, type IntegrationConfig, type PluginContext } from '../../plugins/contracts.js';
import { loadPlugins } from '../../plugins/loader.js';
import type { PluginRegistry } from '../../plugins/registry.js';
import { type CredentialsAccessor, createInlineCredentialsAccessor } from '../../secrets/index.js';
import { normaliseGitHubBaseUrl } from './base-url.js';
import type { GitHubAppConfig } from './config.js';
import { createGitHubAppPlugin, type GitHubAppPlugin, type GitHubAppPluginOptions } from './plugin.js';
import type { GitHubScmClient } from './scm-client.js';

/**
 * A fake GitHub (held to GitHub's OpenAPI description), the plugin, and an outbound client that does not
 * wait between retries, wired together for the provider's tests.
 */

export interface LogEntry {
  readonly level: string;
  readonly fields: object;
  readonly message: string | undefined;
}

export interface Harness {
  readonly github: FakeGitHub;
  readonly plugin: GitHubAppPlugin;
  readonly http: HttpClient;
  readonly logs: LogEntry[];
  readonly logger: Logger;
  /** The App's credential as a bundle `{ appId, privateKey }`. */
  readonly credentials: CredentialsAccessor;
  /** A saved integration on the fake (id `int-1`, type `scm` unless told otherwise). */
  integration(
    config?: Record<string, unknown>,
    overrides?: Partial<IntegrationConfig>,
  ): IntegrationConfig<GitHubAppConfig>;
  context(
    config?: Record<string, unknown>,
    options?: {
      overrides?: Partial<IntegrationConfig>;
      credentials?: CredentialsAccessor;
      signal?: AbortSignal;
    },
  ): PluginContext<GitHubAppConfig>;
  client(config?: Record<string, unknown>, overrides?: Partial<IntegrationConfig>): GitHubScmClient;
  close(): Promise<void>;
}

/** A logger that keeps every entry (children included), for leak hunts. */
export function captureLogger(into: LogEntry[], bindings: object = {}): Logger {
  const log = (level: string) => (fields: object, message?: string) => {
    into.push({ level, fields: { ...bindings, ...fields }, message });
  };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: (more) => captureLogger(into, { ...bindings, ...more }),
  };
}

export const TARGET = {
  owner: 'acme',
  repository: 'app',
  pullRequestNumber: 7,
  commitSha: 'a'.repeat(40),
} as const;

export interface HarnessOptions {
  readonly fake?: FakeGitHubOptions;
  readonly plugin?: GitHubAppPluginOptions;
  readonly offline?: boolean;
  /** Retry attempts of the outbound client (default 3, as in production). */
  readonly attempts?: number;
  /** More retry settings of the outbound client (`maxWaitMs`, …). */
  readonly retry?: Partial<Omit<RetryOptions, 'attempts'>>;
  /** The outbound client's waits and clock (default: no wait at all, `Date.now`). */
  readonly sleep?: HttpClientOptions['sleep'];
  readonly now?: () => number;
  /**
   * The address the integration uses, as a user would paste it (`https://github.com`,
   * `https://ghe.example.com/api/v3/`): the fake serves the normalised API root (`https://api.github.com`,
   * `https://ghe.example.com/api/v3`) through `aliasHost` and writes that origin into its URLs and `Link`s.
   * Default: the fake's loopback origin (a GHES-style `/api/v3` root).
   */
  readonly endpoint?: string;
}

/**
 * A fresh harness for each test of the suite that calls it, closed after the test, which must also
 * leave the fake with no contract violation and no rejected request.
 */
export function useHarness(options?: HarnessOptions): () => Harness {
  let harness: Harness | undefined;
  beforeEach(async () => {
    harness = await startHarness(options);
  });
  afterEach(async () => {
    expect(harness?.github.violations).toEqual([]);
    expect(harness?.github.state.rejections).toEqual([]);
    await harness?.close();
    harness = undefined;
  });
  return () => {
    if (!harness) throw new Error('the harness exists only while a test runs');
    return harness;
  };
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  // The fake serves the API where the provider will look for it: the normalised endpoint's origin and path.
  const api =
    options.endpoint === undefined ? undefined : new URL(normaliseGitHubBaseUrl(options.endpoint).rest);
  const publicOrigin = api?.origin;
  const github = await startFakeGitHub({
    pulls: [{ repository: 'acme/app', number: 7, headSha: TARGET.commitSha, files: [] }],
    ...(api === undefined ? {} : { publicOrigin: api.origin, basePath: api.pathname.replace(/\/$/, '') }),
    ...options.fake,
  });
  const logs: LogEntry[] = [];
  const logger = captureLogger(logs);
  const outbound = createHttpClient({
    policy: createEgressPolicy({ allowPrivateNetworks: true, allowlist: [], allowAnyPort: true }),
    offline: options.offline,
    logger,
    sleep: options.sleep ?? (async () => {}),
    ...(options.now ? { now: options.now } : {}),
    retry: { ...options.retry, attempts: options.attempts ?? 3 },
    circuitBreaker: { threshold: 1_000 },
  });
  const http = publicOrigin === undefined ? outbound : aliasHost(outbound, publicOrigin, github.origin);
  const plugin = createGitHubAppPlugin({ minWriteIntervalMs: 0, ...options.plugin });
  const registry: PluginRegistry = await loadPlugins([asConnectorPlugin(plugin)], [], logger);
  const credentials = createInlineCredentialsAccessor({
    appId: String(github.state.app.id),
    privateKey: github.state.keys.privateKeyPem,
  });
  const integration = (config: Record<string, unknown> = {}, overrides: Partial<IntegrationConfig> = {}) => {
    const type = overrides.type ?? 'scm';
    const validated = registry.validateConfig('github_app', type, config) as GitHubAppConfig;
    return {
      id: 'int-1',
      tenantId: 'default',
      name: 'github',
      endpoint: options.endpoint ?? github.origin,
      authRef: 'authref://local/github-app',
      ...overrides,
      type,
      config: validated,
    };
  };
  const context: Harness['context'] = (config = {}, more = {}) => ({
    integration: integration(config, more.overrides),
    http,
    credentials: more.credentials ?? credentials,
    logger,
    signal: more.signal ?? AbortSignal.timeout(20_000),
    now: () => new Date(),
  });
  return {
    github,
    plugin,
    http,
    logs,
    logger,
    credentials,
    integration,
    context,
    client: (config, overrides) => plugin.scm(context(config, { ...(overrides ? { overrides } : {}) })),
    async close() {
      await http.close();
      await github.close();
    },
  };
}

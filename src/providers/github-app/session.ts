import type { BoundedMap } from '../../core/bounded-map.js';
import { caOf } from '../../plugins/ca-certificate.js';
import type { PluginContext } from '../../plugins/contracts.js';
import { Secret } from '../../secrets/index.js';
import { signAppJwt } from './app-jwt.js';
import { type GitHubApiUrls, normaliseGitHubBaseUrl } from './base-url.js';
import { createGitHubClock, isClockRefusal } from './clock.js';
import type { GitHubAppConfig } from './config.js';
import { GitHubAppError, statusOf } from './errors.js';
import { createGitHubRequest, type GitHubCall, type GitHubRequest, type GitHubResponse } from './octokit.js';
import { followPages } from './paging.js';
import { AccessTokenSchema, AppSchema, type GitHubApp, InstallationSchema, parse } from './responses.js';
import type { KeyedMutex, WriteQueues } from './serial.js';
import {
  createInstallationTokenCache,
  type InstallationToken,
  type InstallationTokenCache,
} from './token-cache.js';

/**
 * One operation's view of GitHub: the App's JWT for App endpoints, an installation token (cached in the
 * plugin instance, refreshed once when GitHub answers 401) for repository endpoints, writes through the
 * installation's queue, and pages followed by `Link` within the same API only.
 */

/** What the plugin instance keeps across operations. */
export interface SharedState {
  readonly tokens: InstallationTokenCache;
  readonly writes: WriteQueues;
  readonly locks: KeyedMutex;
  readonly apps: BoundedMap<GitHubApp>;
  readonly installations: BoundedMap<number>;
  /** GitHub's clock minus ours (ms) per API root, once a JWT was refused by it. */
  readonly clockOffsets: BoundedMap<number>;
  readonly now: () => number;
}

export interface RepoTarget {
  readonly owner: string;
  readonly repo: string;
}

export interface GitHubSession {
  readonly urls: GitHubApiUrls;
  readonly config: GitHubAppConfig;
  readonly context: PluginContext<GitHubAppConfig>;
  /** `x-github-enterprise-version` of the last answer this session received (GHES only). */
  enterpriseVersion(): string | undefined;
  /** The App itself (`GET /app`, as the App). */
  app(): Promise<GitHubApp>;
  /** `<slug>[bot]`: the author of everything this App writes. */
  botLogin(): Promise<string>;
  /** The configured installation, or the one installed on `owner/repo`. */
  installationId(target: RepoTarget): Promise<number>;
  /**
   * The configured installation, or the one on the organisation `org` (`GET /orgs/{org}/installation`);
   * undefined when the App is not installed there (or there is no such organisation).
   */
  orgInstallationId(org: string): Promise<number | undefined>;
  installationToken(installationId: number): Promise<InstallationToken>;
  /** A read as the installation that holds `target`. */
  read(target: RepoTarget, call: GitHubCall): Promise<GitHubResponse>;
  /** A read as a given installation (connection tests, the rate limit). */
  readAs(installationId: number, call: GitHubCall): Promise<GitHubResponse>;
  /** A write: serialised per installation, spaced per GitHub's advice. */
  write(target: RepoTarget, call: GitHubCall): Promise<GitHubResponse>;
  /** Every page of a list, following `Link: rel="next"` on the same API only (at most 100 pages). */
  pages(target: RepoTarget, call: GitHubCall): AsyncGenerator<unknown>;
  /** As `pages`, as a given installation, each page's whole answer (its rate-limit headers too). */
  pagesAs(installationId: number, call: GitHubCall): AsyncGenerator<GitHubResponse>;
  /**
   * Runs `fn` alone for `key` on this GitHub (its API root) within the plugin instance, whichever
   * integration asks: two integrations of one App on the same pull request wait for each other too. Keys
   * are compared without case (GitHub's owner and repository names are case-insensitive).
   */
  exclusive<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

export function createSession(context: PluginContext<GitHubAppConfig>, shared: SharedState): GitHubSession {
  const { integration, logger, signal } = context;
  const config = integration.config;
  const urls = normaliseGitHubBaseUrl(integration.endpoint);
  const ca = caOf(config);
  const request = createGitHubRequest({ http: context.http, baseUrl: urls.rest, signal, logger, ...ca });
  let enterpriseVersion: string | undefined;
  const send: GitHubRequest = async (call, authorization) => {
    const response = await request(call, authorization);
    const version = response.headers['x-github-enterprise-version'];
    if (typeof version === 'string' && version !== '') enterpriseVersion = version;
    return response;
  };
  const clock = createGitHubClock({
    http: context.http,
    rest: urls.rest,
    offsets: shared.clockOffsets,
    now: shared.now,
    logger,
    signal,
    ...ca,
  });
  // Unsaved integrations (a test before saving, inline credentials) share nothing with later operations.
  const scope =
    integration.id === null
      ? undefined
      : `${integration.tenantId}|${integration.id}|${urls.rest}|${integration.authRef ?? ''}`;
  const tokens = scope === undefined ? createInstallationTokenCache({ now: shared.now }) : shared.tokens;
  const local = { app: undefined as GitHubApp | undefined, installations: new Map<string, number>() };

  /**
   * Runs `fn` with a fresh App JWT signed on GitHub's clock. A JWT refused by GitHub's clock teaches the
   * offset and is signed again, once; any other refused JWT re-resolves the credential once (rotated key).
   */
  const asApp = <T>(fn: (authorization: string) => Promise<T>): Promise<T> => {
    let clockLearnt = false;
    return context.credentials.withRetry(
      async (credential) => {
        const jwt = async () => `bearer ${await signAppJwt(credential.value, clock.now())}`;
        try {
          return await fn(await jwt());
        } catch (error) {
          if (clockLearnt || !isClockRefusal(error)) throw error;
          clockLearnt = true;
          await clock.learn(error);
          return fn(await jwt());
        }
      },
      { isRejected: (error) => statusOf(error) === 401 && !isClockRefusal(error) },
    );
  };

  async function app(): Promise<GitHubApp> {
    const cached = scope === undefined ? local.app : shared.apps.get(scope);
    if (cached) return cached;
    const response = await asApp((authorization) =>
      send({ route: 'GET /app', operation: 'get_app' }, authorization),
    );
    const found = parse(AppSchema, response.data, 'GET /app');
    if (scope === undefined) local.app = found;
    else shared.apps.set(scope, found);
    return found;
  }

  /** Installation ids by repository or organisation: per integration when saved, per session otherwise. */
  const knownInstallation = (key: string) =>
    scope === undefined ? local.installations.get(key) : shared.installations.get(`${scope}|${key}`);
  const rememberInstallation = (key: string, id: number) => {
    if (scope === undefined) local.installations.set(key, id);
    else shared.installations.set(`${scope}|${key}`, id);
  };

  async function installationId({ owner, repo }: RepoTarget): Promise<number> {
    if (config.installationId !== undefined) return config.installationId;
    const key = `${owner}/${repo}`.toLowerCase();
    const cached = knownInstallation(key);
    if (cached !== undefined) return cached;
    let response: GitHubResponse;
    try {
      response = await asApp((authorization) =>
        send(
          {
            route: 'GET /repos/{owner}/{repo}/installation',
            params: { owner, repo },
            operation: 'get_repo_installation',
          },
          authorization,
        ),
      );
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
      throw new GitHubAppError(
        `the App is not installed on ${owner}/${repo} (or the repository does not exist)`,
        {
          cause: error,
        },
      );
    }
    const { id } = parse(InstallationSchema, response.data, 'GET /repos/{owner}/{repo}/installation');
    rememberInstallation(key, id);
    return id;
  }

  async function orgInstallationId(org: string): Promise<number | undefined> {
    if (config.installationId !== undefined) return config.installationId;
    const key = `org:${org}`.toLowerCase();
    const cached = knownInstallation(key);
    if (cached !== undefined) return cached;
    let response: GitHubResponse;
    try {
      response = await asApp((authorization) =>
        send(
          { route: 'GET /orgs/{org}/installation', params: { org }, operation: 'get_org_installation' },
          authorization,
        ),
      );
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
    const { id } = parse(InstallationSchema, response.data, 'GET /orgs/{org}/installation');
    rememberInstallation(key, id);
    return id;
  }

  async function mint(id: number): Promise<InstallationToken> {
    let response: GitHubResponse;
    try {
      response = await asApp((authorization) =>
        send(
          {
            route: 'POST /app/installations/{installation_id}/access_tokens',
            params: { installation_id: id },
            operation: 'create_installation_token',
            // A second token is harmless: repeating this cannot duplicate anything.
            retryable: true,
          },
          authorization,
        ),
      );
    } catch (error) {
      const status = statusOf(error);
      if (status === 404)
        throw new GitHubAppError(`installation ${id} does not exist for this App`, { cause: error });
      if (status === 403) {
        throw new GitHubAppError(`installation ${id} refused to issue a token (suspended?)`, {
          cause: error,
        });
      }
      throw error;
    }
    const data = parse(AccessTokenSchema, response.data, 'POST /app/installations/{id}/access_tokens');
    const obtainedAt = shared.now();
    // `expires_at` is on GitHub's clock; the cache compares on ours.
    const expires = Date.parse(data.expires_at) - clock.offset();
    logger.debug(
      { provider: 'github_app', installationId: id, expiresAt: data.expires_at },
      'installation token made',
    );
    return {
      token: Secret.from(data.token),
      obtainedAt,
      expiresAt: Number.isFinite(expires) ? expires : obtainedAt + 55 * 60_000,
      permissions: data.permissions ?? {},
    };
  }

  const tokenKey = (id: number) => `${scope ?? 'unsaved'}|${id}`;
  const installationToken = (id: number) => tokens.get(tokenKey(id), () => mint(id));

  /** Sends as the installation; on a 401 the token is dropped and a new one tried, once. */
  async function asInstallation(id: number, call: GitHubCall): Promise<GitHubResponse> {
    const token = await installationToken(id);
    try {
      return await send(call, `token ${token.token.reveal()}`);
    } catch (error) {
      if (statusOf(error) !== 401) throw error;
      tokens.invalidate(tokenKey(id), token);
      logger.info(
        { provider: 'github_app', installationId: id },
        'installation token refused; making a new one',
      );
      const fresh = await installationToken(id);
      return send(call, `token ${fresh.token.reveal()}`);
    }
  }

  const read = async (target: RepoTarget, call: GitHubCall) =>
    asInstallation(await installationId(target), call);

  async function write(target: RepoTarget, call: GitHubCall): Promise<GitHubResponse> {
    const id = await installationId(target);
    return shared.writes.run(`${urls.rest}#${id}`, () => asInstallation(id, call), signal);
  }

  async function* pages(target: RepoTarget, call: GitHubCall): AsyncGenerator<unknown> {
    for await (const response of followPages(urls.rest, logger, (page) => read(target, page), call))
      yield response.data;
  }

  return {
    urls,
    config,
    context,
    enterpriseVersion: () => enterpriseVersion,
    app,
    botLogin: async () => `${config.appSlug ?? (await app()).slug}[bot]`,
    installationId,
    orgInstallationId,
    installationToken,
    read,
    readAs: asInstallation,
    write,
    pages,
    pagesAs: (id, call) => followPages(urls.rest, logger, (page) => asInstallation(id, page), call),
    exclusive: (key, fn) => shared.locks.run(`${urls.rest}|${key}`.toLowerCase(), fn),
  };
}

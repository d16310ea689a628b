import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import {
  type ContractServer,
  type Exchange,
  type FakeRequest,
  type FakeResponse,
  type Fault,
  startContractServer,
  type Violation,
} from '../openapi/contract-server.js';
import { loadOpenApiDocument } from '../openapi/document.js';
import { shape } from '../openapi/shape.js';
import { createOpenApiValidator, type OpenApiValidator } from '../openapi/validator.js';
import { type ActionsSeeding, actionsSeeding } from './actions-seeding.js';
import { type AppKeys, generateAppKeys } from './app-jwt.js';
import { guard, identify, personalHeaders } from './guard.js';
import { type PersonalSeeding, personalSeeding } from './personal-seeding.js';
import type { Route } from './route-context.js';
import { actionsRoutes } from './routes-actions.js';
import { appRoutes } from './routes-app.js';
import { checkRoutes } from './routes-checks.js';
import { issueRoutes } from './routes-issues.js';
import { packageRoutes } from './routes-packages.js';
import { pullRoutes } from './routes-pulls.js';
import {
  type FakeApp,
  type FakeComment,
  type FakeGitHubState,
  type FakePullFile,
  type FakeUser,
  FULL_PERMISSIONS,
  type Permissions,
  repoKey,
} from './state.js';

/**
 * A small GitHub on loopback for the `github_app` (SCM and GitHub Actions) and `ghcr` providers' tests, every request held to
 * GitHub's own REST description from `@octokit/openapi` (see ../README.md). State lives in the
 * returned object.
 */

/**
 * GitHub's REST descriptions shipped by `@octokit/openapi` that the fake holds requests to: github.com and
 * the newest GitHub Enterprise Server in the package (a test fails when the package brings a newer one).
 */
export const GITHUB_DESCRIPTIONS = ['api.github.com', 'ghes-3.19'] as const;
export type GitHubDescription = (typeof GITHUB_DESCRIPTIONS)[number];
/** The GHES description the tests use. */
export const GHES_DESCRIPTION: GitHubDescription = 'ghes-3.19';

/** The newest `ghes-X.Y` description in the installed `@octokit/openapi` (by version, not by name). */
export function newestGhesInPackage(): string {
  const require = createRequire(import.meta.url);
  const folder = dirname(require.resolve('@octokit/openapi/generated/api.github.com.json'));
  const versions = readdirSync(folder)
    .map((name) => /^ghes-(\d+)\.(\d+)\.json$/.exec(name))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => [Number(match[1]), Number(match[2])] as const)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const newest = versions.at(-1);
  if (!newest) throw new Error(`no ghes-*.json in ${folder}`);
  return `ghes-${newest[0]}.${newest[1]}`;
}

/**
 * Transient failures GitHub gives, for `injectRandomFaults`: server errors (one after the write was made,
 * as when a gateway times out after the origin acted), a 429 with `Retry-After`, and secondary rate limits
 * with and without `Retry-After` (GitHub then means "wait at least a minute").
 */
export const TRANSIENT_FAULTS: readonly RandomFault[] = [
  { kind: '502', response: { status: 502, body: { message: 'Server Error' } } },
  { kind: '503', response: { status: 503, body: { message: 'Service Unavailable' } } },
  {
    kind: '500 after the write',
    response: { status: 500, body: { message: 'Server Error' } },
    afterHandling: true,
  },
  {
    kind: '429 Retry-After',
    response: {
      status: 429,
      headers: { 'retry-after': '2' },
      body: { message: 'Too Many Requests', documentation_url: 'https://docs.github.com/rest' },
    },
  },
  {
    kind: '403 secondary, Retry-After',
    response: {
      status: 403,
      headers: { 'retry-after': '3' },
      body: {
        message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
        documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
      },
    },
  },
  {
    kind: '403 secondary, no header',
    response: {
      status: 403,
      body: {
        message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
        documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
      },
    },
  },
];

/** One kind of failure `injectRandomFaults` picks from. */
export interface RandomFault {
  /** Label in the tally. */
  readonly kind: string;
  readonly response: FakeResponse;
  readonly afterHandling?: boolean;
}

export interface RandomFaultOptions {
  /** Share of the selected requests that fail, 0–1. */
  readonly rate: number;
  /** Seed of the generator: the same seed and the same requests give the same faults. */
  readonly seed: number;
  /** Default `TRANSIENT_FAULTS`, picked with equal chance. */
  readonly faults?: readonly RandomFault[];
  /** Which requests may fail (default: all). */
  readonly match?: (request: FakeRequest) => boolean;
}

/** Faults injected so far, per kind; `candidates` counts the requests that could have failed. */
export interface FaultTally {
  candidates: number;
  injected: number;
  readonly byKind: Record<string, number>;
}

/** Mulberry32: a small seeded generator in [0, 1), so a fault run is the same every time. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface FakeGitHubOptions {
  /** Which description to hold requests to (default `api.github.com`). */
  readonly description?: GitHubDescription;
  /** API root below the origin; `/api/v3` (the default) is where GHES serves it. */
  readonly basePath?: string;
  readonly app?: Partial<FakeApp>;
  /** Default: a fresh key pair. */
  readonly keys?: AppKeys;
  readonly installations?: readonly {
    readonly id: number;
    readonly account?: string;
    readonly repositories: readonly string[];
    readonly permissions?: Permissions;
    readonly suspended?: boolean;
  }[];
  readonly pulls?: readonly {
    readonly repository: string;
    readonly number: number;
    readonly headSha?: string;
    readonly files?: readonly FakePullFile[];
  }[];
  /** How long installation tokens live (default one hour). */
  readonly tokenLifetimeMs?: number;
  readonly rateLimit?: { readonly limit: number; readonly remaining: number };
  /**
   * The origin the fake says it is served at, in the URLs and `Link`s it writes (default: its loopback
   * origin). With `aliasHost` a client can then use e.g. `https://ghe.example.com/api/v3` throughout.
   */
  readonly publicOrigin?: string;
  /** Origin written into `Link` headers (default: `publicOrigin`). */
  readonly linkOrigin?: string;
  readonly latencyMs?: number;
  /**
   * The fake's clock (JWT checks, token expiry, every answer's `Date` header), epoch ms. Default
   * `Date.now`; one that runs ahead or behind plays a GitHub whose clock differs from the client's.
   */
  readonly now?: () => number;
  /**
   * GitHub Enterprise Server only: the version it reports in `x-github-enterprise-version` and
   * `GET /meta`'s `installed_version` (default: the description's, `3.19.0`).
   */
  readonly enterpriseVersion?: string;
  /** GitHub Enterprise Server only: send `x-github-enterprise-version` on every answer (default true). */
  readonly enterpriseVersionHeader?: boolean;
}

export interface FakeGitHub extends PersonalSeeding, ActionsSeeding {
  /** `http://127.0.0.1:<port>`: what a user would paste as the GHES endpoint. */
  readonly origin: string;
  /** origin + base path: where requests reach the fake. */
  readonly apiUrl: string;
  /** `publicOrigin` (or `origin`) + base path: the root of the URLs the fake writes into its answers. */
  readonly publicApiUrl: string;
  readonly state: FakeGitHubState;
  readonly violations: Violation[];
  readonly exchanges: Exchange[];
  inject(fault: Fault): void;
  /**
   * Fails a seeded-random share of requests with transient faults (GitHub's 5xx, 429 and secondary rate
   * limits); the returned tally grows as they are injected.
   */
  injectRandomFaults(options: RandomFaultOptions): FaultTally;
  clearFaults(): void;
  /** Requests answered, optionally of one operation (`issues/update-comment`). */
  requests(operationId?: string): Exchange[];
  /** Requests that change a repository (not GET, not the App's token requests), optionally of one operation. */
  writes(operationId?: string): Exchange[];
  /** Installation tokens handed out, for leak hunts. */
  issuedTokens(): string[];
  /** Makes every token issued so far fail with 401, as if it had expired. */
  revokeTokens(): void;
  /** A comment by someone else (or by the App's bot with `user` set so). */
  addComment(repository: string, issue: number, body: string, user: FakeUser): FakeComment;
  close(): Promise<void>;
}

const validators = new Map<GitHubDescription, OpenApiValidator>();

/** The validator of one description, loaded once per process (the documents are 11–13 MB). */
export function githubValidator(description: GitHubDescription = 'api.github.com'): OpenApiValidator {
  let validator = validators.get(description);
  if (!validator) {
    const require = createRequire(import.meta.url);
    const file = require.resolve(`@octokit/openapi/generated/${description}.json`);
    validator = createOpenApiValidator(loadOpenApiDocument(file), `github:${description}`);
    validators.set(description, validator);
  }
  return validator;
}

const ROUTES: Readonly<Record<string, Route>> = {
  ...appRoutes,
  ...issueRoutes,
  ...checkRoutes,
  ...pullRoutes,
  ...packageRoutes,
  ...actionsRoutes,
};

/**
 * @example
 * const github = await startFakeGitHub({ pulls: [{ repository: 'acme/app', number: 7 }] });
 * // endpoint: github.origin; credentials: { appId: String(github.state.app.id), privateKey: github.state.keys.privateKeyPem }
 */
export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const validator = githubValidator(options.description);
  const basePath = options.basePath ?? '/api/v3';
  const app: FakeApp = {
    id: options.app?.id ?? 4242,
    slug: options.app?.slug ?? 'scan-bot',
    clientId: options.app?.clientId ?? 'Iv23liFakeClient',
    name: options.app?.name ?? 'Scan Bot',
  };
  const now = options.now ?? (() => Date.now());
  const state: FakeGitHubState = {
    app,
    keys: options.keys ?? generateAppKeys(),
    installations: (options.installations ?? [{ id: 100, repositories: ['acme/app'] }]).map((i) => ({
      id: i.id,
      account: i.account ?? i.repositories[0]?.split('/')[0] ?? 'acme',
      repositories: i.repositories.map((r) => r.toLowerCase()),
      permissions: i.permissions ?? FULL_PERMISSIONS,
      suspended: i.suspended ?? false,
    })),
    tokens: new Map(),
    jwts: [],
    comments: [],
    statuses: [],
    checkRuns: [],
    pulls: (options.pulls ?? []).map((p) => ({
      repository: p.repository.toLowerCase(),
      number: p.number,
      headSha: p.headSha ?? 'a'.repeat(40),
      files: [...(p.files ?? [])],
    })),
    reviewComments: [],
    reviews: [],
    rejections: [],
    rateLimit: {
      limit: options.rateLimit?.limit ?? 5000,
      remaining: options.rateLimit?.remaining ?? 5000,
      reset: Math.floor(now() / 1000) + 3600,
    },
    tokenLifetimeMs: options.tokenLifetimeMs ?? 3_600_000,
    personalTokens: new Map(),
    owners: new Map(),
    packages: [],
    workflows: [],
    workflowRuns: [],
    runners: [],
    nextId: 1000,
  };
  let apiUrl = '';
  let linkRoot = '';
  const ghes = /^ghes-(\d+\.\d+)$/.exec(options.description ?? '');
  const enterpriseVersion = ghes ? (options.enterpriseVersion ?? `${ghes[1]}.0`) : undefined;
  const versionHeader: Record<string, string> =
    enterpriseVersion !== undefined && options.enterpriseVersionHeader !== false
      ? { 'x-github-enterprise-version': enterpriseVersion }
      : {};
  /** Headers GitHub puts on every answer: `Date` by the fake's clock, GHES's version. */
  const stamp = (response: FakeResponse): FakeResponse => ({
    ...response,
    headers: { date: new Date(now()).toUTCString(), ...versionHeader, ...(response.headers ?? {}) },
  });
  const stampFault = (fault: Fault): Fault => {
    const { response } = fault;
    return {
      ...fault,
      response: typeof response === 'function' ? (request) => stamp(response(request)) : stamp(response),
    };
  };

  const server: ContractServer = await startContractServer({
    validator,
    basePath,
    latencyMs: options.latencyMs,
    guard: (request) => {
      const guarded = guard(state, request, now());
      return guarded?.response ? { ...guarded, response: stamp(guarded.response) } : guarded;
    },
    handle: (request) => {
      const route = ROUTES[request.operation.operationId];
      if (!route) return undefined;
      const caller = identify(state, request, now());
      const installation = caller.kind === 'token' ? caller.installation : undefined;
      const personalToken = caller.kind === 'pat' ? caller.token : undefined;
      const counted = caller.kind === 'token' || caller.kind === 'pat';
      if (counted && request.operation.operationId !== 'rate-limit/get') {
        state.rateLimit.remaining = Math.max(0, state.rateLimit.remaining - 1);
      }
      const rateHeaders: Record<string, string> = counted
        ? {
            'x-ratelimit-limit': String(state.rateLimit.limit),
            'x-ratelimit-remaining': String(state.rateLimit.remaining),
            'x-ratelimit-reset': String(state.rateLimit.reset),
            'x-ratelimit-used': String(state.rateLimit.limit - state.rateLimit.remaining),
            'x-ratelimit-resource': 'core',
            ...(personalToken ? personalHeaders(personalToken, request.operation.operationId) : {}),
          }
        : {};
      const respond = (status: number, overlay?: unknown, headers?: Readonly<Record<string, string>>) => {
        const at = validator.responseSchema(request.operation, status);
        const body = at === undefined ? overlay : shape(validator.document, at, overlay);
        return { status, body, headers: { ...rateHeaders, ...(headers ?? {}) } } satisfies FakeResponse;
      };
      return stamp(
        route(request, {
          state,
          apiUrl,
          linkRoot,
          now,
          installation,
          ...(personalToken ? { personalToken } : {}),
          respond,
          ...(enterpriseVersion === undefined ? {} : { enterpriseVersion }),
        }),
      );
    },
  });
  const publicOrigin = options.publicOrigin ? new URL(options.publicOrigin).origin : server.origin;
  apiUrl = `${publicOrigin}${basePath}`;
  linkRoot = `${options.linkOrigin ?? publicOrigin}${basePath}`;

  const requests = (operationId?: string) =>
    server.exchanges.filter((e) => operationId === undefined || e.operationId === operationId);
  return {
    origin: server.origin,
    apiUrl: `${server.origin}${basePath}`,
    publicApiUrl: apiUrl,
    state,
    violations: server.violations,
    exchanges: server.exchanges,
    inject: (fault) => server.inject(stampFault(fault)),
    injectRandomFaults(faultOptions) {
      const random = seededRandom(faultOptions.seed);
      const kinds = faultOptions.faults ?? TRANSIENT_FAULTS;
      const tally: FaultTally = { candidates: 0, injected: 0, byKind: {} };
      let picked: RandomFault | undefined;
      server.inject({
        match(request) {
          if (faultOptions.match && !faultOptions.match(request)) return false;
          tally.candidates += 1;
          // Two draws per request whatever happens, so one decision never shifts the next.
          const fails = random() < faultOptions.rate;
          const kind = kinds[Math.floor(random() * kinds.length)];
          if (!fails || !kind) return false;
          picked = kind;
          tally.injected += 1;
          tally.byKind[kind.kind] = (tally.byKind[kind.kind] ?? 0) + 1;
          return true;
        },
        response: () => stamp((picked as RandomFault).response),
        afterHandling: () => picked?.afterHandling ?? false,
      });
      return tally;
    },
    clearFaults: server.clearFaults,
    requests,
    writes: (operationId) =>
      requests(operationId).filter((e) => e.method !== 'GET' && !e.operationId?.startsWith('apps/')),
    issuedTokens: () => [...state.tokens.keys()],
    revokeTokens() {
      for (const token of state.tokens.values()) token.revoked = true;
    },
    addComment(repository, issue, body, user) {
      const at = new Date().toISOString();
      const comment: FakeComment = {
        id: state.nextId++,
        repository: repoKey(...(repository.split('/') as [string, string])),
        issue,
        body,
        user,
        createdAt: at,
        updatedAt: at,
      };
      state.comments.push(comment);
      return comment;
    },
    ...personalSeeding(state, now),
    ...actionsSeeding(state, now),
    close: server.close,
  };
}

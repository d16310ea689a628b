import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { RegistryUser } from '../../support/registry.js';
import type { FakeDockerHub } from './fake-hub.js';
import { addressOf, forward, getJson, listen, stop } from './proxy.js';
import { authenticate, canPull, type HubPrincipal } from './state.js';
import { drain, type ExchangeRecord, sendJson, type Violation } from './wire.js';

/**
 * Docker Hub's registry side on loopback: `registry-1.docker.io` (`url`) and its token service
 * `auth.docker.io` (`authUrl`), in front of a REAL distribution registry with token authentication.
 *
 * - `/v2/` is passed to the registry behind as it is; its 401 challenge comes back with its `scope`
 *   and `error` kept and the realm and service Docker Hub names (`Bearer realm="<authUrl>/token",
 *   service="registry.docker.io"`). Reads only (GET, HEAD): push to the registry directly.
 * - `GET /token` (Docker token authentication) takes Basic credentials of a Hub user (a personal access
 *   token or the password) or none, refuses wrong ones with Docker's 401 `{"details":"incorrect
 *   username or password"}`, and grants `pull` on the repositories the Hub world lets the principal
 *   pull (public ones; private ones to members whose token reads private repositories). The token
 *   itself is the registry's: the request goes on to the registry's token server with the granted
 *   scopes only, under the user's own credentials (its `accountCheck` is this front's, which asks the
 *   Hub), or, for anonymous pulls, under an account of the front's.
 * - **Pull limits**, per source (the account, or the caller's IP address when anonymous): manifest
 *   answers carry `ratelimit-limit: <n>;w=<window>`, `ratelimit-remaining: <left>;w=<window>` and
 *   `docker-ratelimit-source`; a `GET` of a manifest that succeeds spends one pull, a `HEAD` none; at 0
 *   a manifest `GET` is Docker's 429 `TOOMANYREQUESTS` (a `HEAD` still answers, showing 0). An
 *   account on an unlimited plan gets no headers and no limit (`setPlan`); `setAntiAbuse(true)` answers
 *   every `/v2/` request with the anti-abuse 429 (`Too Many Requests (HAP429).`, no rate-limit headers).
 */

export const HUB_SERVICE = 'registry.docker.io';
/** Docker's window: 6 hours. */
export const WINDOW_S = 21_600;
const TOKEN_PARAMETERS = new Set(['service', 'scope', 'account', 'client_id', 'offline_token']);
const MANIFEST_PATH = /^\/v2\/(.+)\/manifests\/[^/]+$/;
const PULL_LIMIT_MESSAGE =
  'You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limits';

/** One `/v2/` request, for assertions. */
export interface FrontRecord extends ExchangeRecord {
  /** Whom the pull limit counted it against: `anonymous` or the username. */
  readonly source: string;
}

export interface RegistryBehind {
  /** `http://127.0.0.1:PORT` of a token-auth registry. */
  readonly url: string;
  readonly tokenServer?: { readonly realm: string };
}

export interface DockerHubFront {
  /** `http://127.0.0.1:<port>`: the integration's endpoint (plays `registry-1.docker.io`). */
  readonly url: string;
  /** `http://127.0.0.1:<port>`: plays `auth.docker.io`; its `/token` is the realm. */
  readonly authUrl: string;
  readonly violations: Violation[];
  readonly rejections: { readonly status: number; readonly message: string }[];
  readonly records: FrontRecord[];
  /** For `startRegistry({ accountCheck })`: the Hub's users, and the front's own anonymous account. */
  accountCheck(username: string, password: string): RegistryUser | undefined;
  setRegistry(registry: RegistryBehind): void;
  /** Pulls left for a source (`anonymous` or a username); the limit until one is spent. */
  remaining(source: string): number;
  setRemaining(source: string, left: number): void;
  /** An unlimited plan sends no rate-limit headers and never runs out. */
  setPlan(source: string, plan: 'limited' | 'unlimited'): void;
  setAntiAbuse(on: boolean): void;
  close(): Promise<void>;
}

export interface DockerHubFrontOptions {
  readonly hub: FakeDockerHub;
  /** Pulls per window (Docker's current published numbers: 10 anonymous per IP, 100 personal). */
  readonly limits?: { readonly anonymous: number; readonly account: number };
}

interface Source {
  /** `anonymous` or the username. */
  readonly key: string;
  /** What `docker-ratelimit-source` says: the IP address, or the account's id. */
  readonly label: string;
}

/** A token the front handed out: whom it counts against, and the repositories it may pull. */
interface Issued {
  readonly source: Source;
  readonly pulls: ReadonlySet<string>;
}

export async function startDockerHubFront(options: DockerHubFrontOptions): Promise<DockerHubFront> {
  const { hub } = options;
  const limits = options.limits ?? { anonymous: 10, account: 100 };
  const anonymousAccount = {
    username: `anonymous-${randomBytes(4).toString('hex')}`,
    password: randomBytes(18).toString('base64url'),
  };
  const tokens = new Map<string, Issued>();
  const left = new Map<string, number>();
  const unlimited = new Set<string>();
  const violations: Violation[] = [];
  const rejections: { status: number; message: string }[] = [];
  const records: FrontRecord[] = [];
  let behind: RegistryBehind | undefined;
  let antiAbuse = false;
  let authOrigin = '';

  const limitOf = (key: string) => (key === 'anonymous' ? limits.anonymous : limits.account);
  const remaining = (key: string) => left.get(key) ?? limitOf(key);

  async function token(request: IncomingMessage, url: URL, response: ServerResponse): Promise<number> {
    const violate = (problem: string, status = 400) => {
      violations.push({ path: url.pathname, problem });
      sendJson(response, status, { details: problem });
      return status;
    };
    const refuse = (status: number, details: string) => {
      rejections.push({ status, message: details });
      sendJson(response, status, { details });
      return status;
    };
    await drain(request);
    if (url.pathname !== '/token') return refuse(404, 'not found');
    if (request.method !== 'GET') return violate(`${request.method} /token: only GET is served here`, 405);
    const params = url.searchParams;
    const unknown = [...new Set(params.keys())].filter((name) => !TOKEN_PARAMETERS.has(name));
    if (unknown.length > 0) return violate(`unknown query parameters: ${unknown.join(', ')}`);
    for (const name of new Set(params.keys()))
      if (name !== 'scope' && params.getAll(name).length > 1) return violate(`${name} given more than once`);
    if (params.get('service') !== HUB_SERVICE)
      return violate(`service must be ${HUB_SERVICE}, not ${params.get('service') ?? 'missing'}`);
    const scopes = params.getAll('scope').flatMap((scope) => scope.split(' ').filter(Boolean));
    const parsed = scopes.map((scope) =>
      /^(repository|registry):([^:]+):([a-z*]+(?:,[a-z*]+)*)$/.exec(scope),
    );
    if (parsed.some((match) => !match)) return violate(`unparseable scope in ${scopes.join(' ')}`);
    if (new Set(parsed.map((match) => match![1])).size > 1)
      return refuse(400, 'request scopes must be of the same resource type');

    let principal: HubPrincipal = { kind: 'anonymous' };
    let basic: { username: string; password: string } = anonymousAccount;
    const header = request.headers.authorization;
    if (header !== undefined) {
      const encoded = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header)?.[1];
      if (!encoded) return violate('an Authorization header that is not Basic');
      const decoded = Buffer.from(encoded, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const username = decoded.slice(0, colon);
      const password = decoded.slice(colon + 1);
      const found = colon > 0 ? authenticate(hub.world, username, password) : undefined;
      if (!found) return refuse(401, 'incorrect username or password');
      const account = params.get('account');
      if (account !== null && account !== username) return violate('account differs from the Basic user');
      principal = found;
      basic = { username, password };
    }
    const granted = parsed.flatMap((match) => {
      const [, type, name, actions] = match!;
      const pulls = actions!.split(',').some((action) => action === 'pull' || action === '*');
      return type === 'repository' && pulls && canPull(hub.world, principal, name!)
        ? [`repository:${name}:pull`]
        : [];
    });

    if (!behind?.tokenServer) return refuse(503, 'no registry behind this front');
    const upstream = new URL(behind.tokenServer.realm);
    upstream.searchParams.set('service', 'test-registry');
    for (const scope of granted) upstream.searchParams.append('scope', scope);
    upstream.searchParams.set('account', basic.username);
    const answer = await getJson(
      upstream,
      `Basic ${Buffer.from(`${basic.username}:${basic.password}`).toString('base64')}`,
    );
    if (answer.status === 200) {
      const issued = (answer.json as { token?: string } | undefined)?.token;
      const source: Source =
        principal.kind === 'user'
          ? { key: principal.user.username, label: principal.user.id }
          : { key: 'anonymous', label: addressOf(request) };
      const pulls = new Set(granted.map((scope) => scope.split(':')[1]!));
      if (issued) tokens.set(issued, { source, pulls });
    }
    response.writeHead(answer.status, { 'content-type': 'application/json' });
    response.end(answer.text);
    return answer.status;
  }

  function registry(
    request: IncomingMessage,
    url: URL,
    response: ServerResponse,
  ): { status: number; source: string } {
    const bearer = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
    const known = bearer === undefined ? undefined : tokens.get(bearer);
    const source: Source = known?.source ?? { key: 'anonymous', label: addressOf(request) };
    if (antiAbuse) {
      void drain(request);
      response.writeHead(429, { 'content-type': 'text/plain' });
      response.end('Too Many Requests (HAP429).\n');
      return { status: 429, source: source.key };
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      void drain(request);
      sendJson(response, 405, { errors: [{ code: 'UNSUPPORTED', message: 'this front serves reads only' }] });
      return { status: 405, source: source.key };
    }
    if (!behind) {
      sendJson(response, 503, {
        errors: [{ code: 'UNAVAILABLE', message: 'no registry behind this front' }],
      });
      return { status: 503, source: source.key };
    }
    // Only a request the token lets through is a pull: the registry answers the others 401 first.
    const repository = MANIFEST_PATH.exec(url.pathname)?.[1];
    const limited =
      repository !== undefined && known?.pulls.has(repository) === true && !unlimited.has(source.key);
    const headersOf = () => ({
      'ratelimit-limit': `${limitOf(source.key)};w=${WINDOW_S}`,
      'ratelimit-remaining': `${remaining(source.key)};w=${WINDOW_S}`,
      'docker-ratelimit-source': source.label,
    });
    if (limited && request.method === 'GET' && remaining(source.key) <= 0) {
      sendJson(
        response,
        429,
        { errors: [{ code: 'TOOMANYREQUESTS', message: PULL_LIMIT_MESSAGE }] },
        headersOf(),
      );
      return { status: 429, source: source.key };
    }
    forward(request, url, behind.url, response, (status, headers) => {
      if (status === 401)
        headers['www-authenticate'] = challengeOf(String(headers['www-authenticate'] ?? ''), authOrigin);
      if (!limited) return;
      if (status === 200 && request.method === 'GET') left.set(source.key, remaining(source.key) - 1);
      Object.assign(headers, headersOf());
    });
    return { status: 0, source: source.key };
  }

  const registryServer = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://registry.invalid');
    if (url.pathname !== '/v2' && !url.pathname.startsWith('/v2/')) {
      void drain(request);
      sendJson(response, 404, { errors: [{ code: 'NOT_FOUND', message: 'not found' }] });
      return;
    }
    if (url.pathname === '/v2') url.pathname = '/v2/';
    const { status, source } = registry(request, url, response);
    const record = (answered: number) =>
      records.push({ method: request.method ?? '', path: url.pathname, status: answered, source });
    if (status !== 0) record(status);
    else response.on('finish', () => record(response.statusCode));
  });
  const authServer = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://auth.invalid');
    token(request, url, response).catch((error: Error) => {
      if (!response.headersSent) sendJson(response, 500, { details: error.message });
    });
  });
  const url = await listen(registryServer);
  authOrigin = await listen(authServer);

  return {
    url,
    authUrl: authOrigin,
    violations,
    rejections,
    records,
    accountCheck(username, password) {
      if (username === anonymousAccount.username)
        return password === anonymousAccount.password ? 'reader' : undefined;
      return hub.accountCheck(username, password);
    },
    setRegistry(registry) {
      behind = registry;
    },
    remaining,
    setRemaining(source, count) {
      left.set(source, count);
    },
    setPlan(source, plan) {
      if (plan === 'unlimited') unlimited.add(source);
      else unlimited.delete(source);
    },
    setAntiAbuse(on) {
      antiAbuse = on;
    },
    async close() {
      await Promise.all([registryServer, authServer].map(stop));
    },
  };
}

/** The registry's challenge with Docker Hub's realm and service; its scope and error are kept. */
function challengeOf(header: string | undefined, authOrigin: string): string {
  const kept = [...(header ?? '').matchAll(/(scope|error)="([^"]*)"/g)].map(
    ([, name, value]) => `,${name}="${value}"`,
  );
  return `Bearer realm="${authOrigin}/token",service="${HUB_SERVICE}"${kept.join('')}`;
}

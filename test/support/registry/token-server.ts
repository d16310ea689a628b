import {
  createPrivateKey,
  type KeyObject,
  randomBytes,
  randomUUID,
  sign,
  X509Certificate,
} from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { REPOSITORY_NAME } from '../../../src/core/registry-names.js';
import { REGISTRY_USERS, type RegistryUser, TOKEN_ISSUER, TOKEN_SERVICE } from './constants.js';

/*
 * The strict Docker token server of `token` registries, the only server here that is ours. It follows
 * https://distribution.github.io/distribution/spec/auth/token/ and
 * https://distribution.github.io/distribution/spec/auth/oauth/, refuses whatever they do not allow,
 * records every request it gets, and issues RS256 tokens signed with the issuer key whose certificate
 * is the registry's rootcertbundle; `decodeToken` reads them back for assertions.
 */

/** One request to the token server, as it came. */
export interface TokenRequestRecord {
  readonly method: string;
  readonly path: string;
  /** Query (GET) or form (POST) parameters, every value in order; `password` is redacted. */
  readonly params: Readonly<Record<string, readonly string[]>>;
  /** The scopes asked for: each `scope` query parameter (GET), or the space-separated `scope` field (POST). */
  readonly scopes: readonly string[];
  /** Whether an `Authorization: Basic` header came. */
  readonly basic: boolean;
  /** The user named by the Basic credentials or the `username` field, right or wrong. */
  readonly username?: string;
  /** The status answered. */
  readonly status: number;
}

export interface TokenServer {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** `<url>/token`, the realm of the registry's challenges. */
  readonly realm: string;
  /** Every request, in arrival order. */
  readonly requests: TokenRequestRecord[];
  /** Answers the next `count` requests with `status` (and `headers`, e.g. Retry-After) instead of a token. */
  failNext(count: number, status?: number, headers?: Record<string, string>): void;
  /**
   * `expires_in` (and `exp - iat`) of the tokens issued from now on; 300 s unless set. The spec asks
   * for at least 60 s, and distribution 2.8 accepts a token up to 60 s past `exp` (clock skew leeway):
   * a short lifetime tests a client's own renewal; one below -60 makes tokens the registry refuses
   * with `error="invalid_token"`.
   */
  setExpiresIn(seconds: number): void;
}

type MutableRecord = { -readonly [K in keyof TokenRequestRecord]: TokenRequestRecord[K] };

/** A token server as `startTokenServer` returns it, which its registry's `stop()` closes. */
export interface StartedTokenServer extends TokenServer {
  close(): Promise<void>;
}

/** One entry of a token's `access` claim, and a parsed scope. */
export interface TokenAccess {
  readonly type: string;
  readonly name: string;
  readonly actions: string[];
}

export interface TokenClaims {
  readonly iss: string;
  readonly sub: string;
  readonly aud: string;
  readonly exp: number;
  readonly nbf: number;
  readonly iat: number;
  readonly jti: string;
  readonly access: TokenAccess[];
}

/** The header and claims of a token the token server issued (the signature is not checked). */
export function decodeToken(token: string): { header: Record<string, unknown>; claims: TokenClaims } {
  const [header = '', claims = ''] = token.split('.');
  const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  return { header: decode(header), claims: decode(claims) };
}

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers?: Record<string, string>;
}

type Authorization =
  | { kind: 'none' }
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'invalid'; reason: string };

const problem = (
  status: number,
  error: string,
  description: string,
  headers?: Record<string, string>,
): Answer => ({
  status,
  body: { error, error_description: description },
  ...(headers ? { headers } : {}),
});

const SCOPE_TYPE = /^[a-z0-9]+(?:\([a-z0-9]+\))?$/;
const ACTION = /^(?:[a-z]+|\*)$/;

/** `type[(class)]:name:action[,action]`; the name may hold colons, so type and actions are split off its ends. */
function parseScope(text: string): TokenAccess | undefined {
  const first = text.indexOf(':');
  const last = text.lastIndexOf(':');
  if (first <= 0 || last === first) return undefined;
  const type = text.slice(0, first);
  const name = text.slice(first + 1, last);
  const actions = text.slice(last + 1).split(',');
  const nameOk = type.startsWith('repository') ? REPOSITORY_NAME.test(name) : /^[a-z0-9._/-]+$/.test(name);
  if (!SCOPE_TYPE.test(type) || !nameOk || !actions.every((action) => ACTION.test(action))) return undefined;
  return { type, name, actions };
}

const readerMayPull = (scope: TokenAccess) =>
  scope.type === 'repository' && scope.actions.some((action) => action === 'pull' || action === '*');

/** Anonymous gets nothing; `reader` pulls any repository (no catalog); `admin` gets whatever it asks. */
function grant(user: RegistryUser | undefined, scopes: readonly TokenAccess[]): TokenAccess[] {
  const granted = new Map<string, TokenAccess>();
  for (const scope of scopes) {
    const allowed =
      user === 'admin' ? scope.actions : user === 'reader' && readerMayPull(scope) ? ['pull'] : [];
    if (allowed.length === 0) continue;
    const key = `${scope.type}:${scope.name}`;
    const entry = granted.get(key) ?? { type: scope.type, name: scope.name, actions: [] };
    for (const action of allowed) if (!entry.actions.includes(action)) entry.actions.push(action);
    granted.set(key, entry);
  }
  return [...granted.values()];
}

/** Who a username and password are, beyond the fixed accounts: a login a fake cloud issued. */
export type AccountCheck = (username: string, password: string) => RegistryUser | undefined;

function fixedAccount(username: string, password: string): RegistryUser | undefined {
  const user = Object.hasOwn(REGISTRY_USERS, username) ? (username as RegistryUser) : undefined;
  return user && REGISTRY_USERS[user] === password ? user : undefined;
}

function parseAuthorization(header: string | undefined): Authorization {
  if (header === undefined) return { kind: 'none' };
  const match = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header);
  if (!match) return { kind: 'invalid', reason: 'only Basic credentials are accepted here' };
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { kind: 'invalid', reason: 'Basic credentials without a colon' };
  return { kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

async function readBody(request: IncomingMessage): Promise<string> {
  let body = '';
  request.setEncoding('utf8');
  for await (const chunk of request) {
    body += chunk;
    if (body.length > 64 * 1024) throw new Error('body too large');
  }
  return body;
}

/**
 * Starts the token server on a free port of 127.0.0.1. It signs with `keys.privateKey` and puts
 * `keys.certificate` in each token's x5c header.
 */
export async function startTokenServer(
  keys: { certificate: string; privateKey: string },
  accounts?: AccountCheck,
): Promise<StartedTokenServer> {
  const authenticate = (username: string, password: string) =>
    fixedAccount(username, password) ?? accounts?.(username, password);
  const privateKey = createPrivateKey(keys.privateKey);
  // distribution 2.8 verifies the x5c chain against its rootcertbundle, so no `kid` is needed.
  const header = {
    typ: 'JWT',
    alg: 'RS256',
    x5c: [new X509Certificate(keys.certificate).raw.toString('base64')],
  };
  const requests: TokenRequestRecord[] = [];
  const refreshTokens = new Map<string, RegistryUser>();
  let failures = { count: 0, status: 503, headers: {} as Record<string, string> };
  let expiresIn = 300;

  const issue = (user: RegistryUser | undefined, scopes: readonly TokenAccess[]) => {
    const now = Math.floor(Date.now() / 1000);
    const access = grant(user, scopes);
    const claims: TokenClaims = {
      iss: TOKEN_ISSUER,
      sub: user ?? '',
      aud: TOKEN_SERVICE, // a string: distribution 2.8 does not read an array here
      exp: now + expiresIn,
      nbf: now,
      iat: now,
      jti: randomUUID(),
      access,
    };
    return {
      token: signJwt(header, claims, privateKey),
      access,
      expires_in: expiresIn,
      issued_at: new Date(now * 1000).toISOString(),
    };
  };
  const refreshTokenFor = (user: RegistryUser) => {
    const token = randomBytes(24).toString('base64url');
    refreshTokens.set(token, user);
    return token;
  };

  const handle = async (request: IncomingMessage, record: MutableRecord) => {
    const url = new URL(request.url ?? '/', 'http://token-server');
    const isPost = request.method === 'POST';
    const form =
      isPost && /^application\/x-www-form-urlencoded\s*(;|$)/i.test(request.headers['content-type'] ?? '');
    const params = isPost ? new URLSearchParams(form ? await readBody(request) : '') : url.searchParams;
    const authorization = parseAuthorization(request.headers.authorization);
    record.params = redacted(params);
    record.scopes = isPost ? (params.get('scope') ?? '').split(' ').filter(Boolean) : params.getAll('scope');
    record.basic = authorization.kind === 'basic';
    const username =
      authorization.kind === 'basic' ? authorization.username : (params.get('username') ?? undefined);
    if (username !== undefined) record.username = username;

    if (failures.count > 0) {
      failures.count--;
      return problem(failures.status, 'unavailable', 'failing on purpose (failNext)', failures.headers);
    }
    if (url.pathname !== '/token') return problem(404, 'not_found', `no such path: ${url.pathname}`);
    if (!isPost && request.method !== 'GET')
      return problem(405, 'invalid_request', 'GET or POST only', { allow: 'GET, POST' });
    if (isPost && !form)
      return problem(400, 'invalid_request', 'POST needs application/x-www-form-urlencoded');
    if (authorization.kind === 'invalid') return problem(400, 'invalid_request', authorization.reason);
    for (const name of new Set(params.keys())) {
      if (name !== 'scope' && params.getAll(name).length > 1)
        return problem(400, 'invalid_request', `${name} given more than once`);
    }
    if (isPost && params.getAll('scope').length > 1)
      return problem(400, 'invalid_request', 'POST scopes are space-separated in one scope field');
    const service = params.get('service');
    if (!service) return problem(400, 'invalid_request', 'service is missing');
    if (service !== TOKEN_SERVICE) return problem(400, 'invalid_request', `unknown service: ${service}`);
    const scopes: TokenAccess[] = [];
    for (const text of record.scopes) {
      const scope = parseScope(text);
      if (!scope) return problem(400, 'invalid_scope', `unparseable scope: ${text}`);
      scopes.push(scope);
    }
    return isPost ? oauthToken(params, scopes) : basicToken(params, authorization, scopes);
  };

  // https://distribution.github.io/distribution/spec/auth/token/
  const basicToken = (
    params: URLSearchParams,
    authorization: Authorization,
    scopes: TokenAccess[],
  ): Answer => {
    let user: RegistryUser | undefined;
    if (authorization.kind === 'basic') {
      user = authenticate(authorization.username, authorization.password);
      if (!user)
        return problem(401, 'unauthorized', 'wrong username or password', {
          'www-authenticate': 'Basic realm="test-token-server"',
        });
      const account = params.get('account');
      if (account !== null && account !== authorization.username)
        return problem(400, 'invalid_request', 'account differs from the Basic user');
    }
    const offline = params.get('offline_token');
    if (offline !== null && offline !== 'true' && offline !== 'false')
      return problem(400, 'invalid_request', 'offline_token must be true or false');
    const issued = issue(user, scopes);
    return {
      status: 200,
      body: {
        token: issued.token,
        access_token: issued.token,
        expires_in: issued.expires_in,
        issued_at: issued.issued_at,
        ...(offline === 'true' && user ? { refresh_token: refreshTokenFor(user) } : {}),
      },
    };
  };

  // https://distribution.github.io/distribution/spec/auth/oauth/
  const oauthToken = (params: URLSearchParams, scopes: TokenAccess[]): Answer => {
    if (!params.get('client_id')) return problem(400, 'invalid_request', 'client_id is missing');
    const accessType = params.get('access_type') ?? 'online';
    if (accessType !== 'online' && accessType !== 'offline')
      return problem(400, 'invalid_request', 'access_type must be online or offline');
    const grantType = params.get('grant_type');
    let user: RegistryUser | undefined;
    let refreshToken: string | undefined;
    if (grantType === 'password') {
      const username = params.get('username');
      const password = params.get('password');
      if (!username || password === null)
        return problem(400, 'invalid_request', 'username and password are required');
      user = authenticate(username, password);
      if (!user) return problem(401, 'unauthorized', 'wrong username or password');
      if (accessType === 'offline') refreshToken = refreshTokenFor(user);
    } else if (grantType === 'refresh_token') {
      const given = params.get('refresh_token');
      if (!given) return problem(400, 'invalid_request', 'refresh_token is missing');
      user = refreshTokens.get(given);
      if (!user) return problem(401, 'invalid_grant', 'unknown refresh token');
      if (accessType === 'offline') refreshToken = given;
    } else if (grantType === null) {
      return problem(400, 'invalid_request', 'grant_type is missing');
    } else {
      return problem(400, 'unsupported_grant_type', `unsupported grant_type: ${grantType}`);
    }
    const issued = issue(user, scopes);
    return {
      status: 200,
      body: {
        access_token: issued.token,
        scope: issued.access
          .map((access) => `${access.type}:${access.name}:${access.actions.join(',')}`)
          .join(' '),
        expires_in: issued.expires_in,
        issued_at: issued.issued_at,
        ...(refreshToken ? { refresh_token: refreshToken } : {}),
      },
    };
  };

  const server = createServer((request, response) => {
    const record: MutableRecord = {
      method: request.method ?? '',
      path: new URL(request.url ?? '/', 'http://token-server').pathname,
      params: {},
      scopes: [],
      basic: false,
      status: 0, // until answered
    };
    requests.push(record);
    handle(request, record)
      .catch((error: Error) => problem(500, 'server_error', error.message))
      .then((answer) => {
        record.status = answer.status;
        response.writeHead(answer.status, {
          'content-type': 'application/json',
          'cache-control': 'no-store',
          ...answer.headers,
        });
        response.end(JSON.stringify(answer.body));
      });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    realm: `${url}/token`,
    requests,
    failNext(count, status = 503, headers = {}) {
      failures = { count, status, headers };
    },
    setExpiresIn(seconds) {
      expiresIn = seconds;
    },
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

function redacted(params: URLSearchParams): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const [name, value] of params) {
    result[name] = [...(result[name] ?? []), name === 'password' ? '[redacted]' : value];
  }
  return result;
}

function signJwt(header: object, claims: TokenClaims, key: KeyObject): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

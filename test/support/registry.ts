import { type ChildProcess, execFile, spawn } from 'node:child_process';
import {
  createHash,
  createPrivateKey,
  type KeyObject,
  randomBytes,
  randomUUID,
  sign,
  X509Certificate,
} from 'node:crypto';
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { stringify } from 'yaml';
import { closedPort } from './process.js';
import { servicesRequired } from './services.js';

/*
 * A real CNCF distribution registry (Debian's `docker-registry`, distribution 2.8) for end-to-end tests of
 * registry providers: anonymous, htpasswd Basic auth, or Docker token auth served by a strict token
 * server of ours; and `pushImage`, which builds a tiny valid image and pushes it with skopeo. Only the
 * token server is ours; it follows https://distribution.github.io/distribution/spec/auth/token/ and
 * https://distribution.github.io/distribution/spec/auth/oauth/ and refuses whatever they do not allow.
 */

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
export const DOCKER_LAYER_GZIP = 'application/vnd.docker.image.rootfs.diff.tar.gzip';

/**
 * Every manifest type we push. distribution 2.8 answers 404 for an OCI manifest or index the client
 * does not accept, and for a manifest list it does not accept serves its linux/amd64 entry (or 400).
 */
export const MANIFEST_ACCEPT = [OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST].join(', ');

/**
 * The accounts of `basic` and `token` registries. With tokens `reader` may only pull and `admin` may do
 * anything; htpasswd knows no permissions, so with `basic` both may do anything.
 */
export const REGISTRY_USERS = { reader: 'reader-password', admin: 'admin-password' } as const;
export type RegistryUser = keyof typeof REGISTRY_USERS;

/** The `service` and `iss` of a `token` registry. */
export const TOKEN_SERVICE = 'test-registry';
export const TOKEN_ISSUER = 'test-token-issuer';

const TOOLS = ['docker-registry', 'skopeo', 'htpasswd', 'openssl'] as const;

// Undone on 'exit' too, so no registry or directory outlives a test run that never reached `stop()`.
const cleanups = new Set<() => void>();
process.on('exit', () => {
  for (const cleanup of cleanups) cleanup();
});

function onExit(cleanup: () => void): () => void {
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

/** A fresh directory under the OS temp dir, also removed when the process exits. */
function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  const remove = () => rmSync(path, { recursive: true, force: true });
  const forget = onExit(remove);
  return {
    path,
    remove() {
      remove();
      forget();
    },
  };
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Runs a tool to the end. The error says `what` failed, how, and the tool's output, never the
 * arguments (they hold passwords).
 */
function run(command: string, args: readonly string[], what = command, timeoutMs = 30_000): Promise<string> {
  return new Promise((done, fail) => {
    execFile(command, args, { timeout: timeoutMs, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      if (!error) return done(stdout);
      const how = error.killed ? `killed after ${timeoutMs} ms` : `exit code ${error.code}`;
      fail(new Error(`${what} failed (${how}):\n${stderr}${stdout}`));
    });
  });
}

/**
 * Resolves to true when docker-registry, skopeo, htpasswd and openssl are on PATH and a registry
 * starts. Otherwise warns and resolves false (skip), or throws when services are required (CI).
 */
export async function registryToolsAvailable(): Promise<boolean> {
  let problem: string | undefined;
  const missing = TOOLS.filter((tool) => !onPath(tool));
  if (missing.length > 0) problem = `${missing.join(', ')} not on PATH`;
  else {
    try {
      await (await startRegistry({ auth: 'none' })).stop();
    } catch (error) {
      problem = (error as Error).message;
    }
  }
  if (!problem) return true;
  const message = `the registry tools do not work (${problem})`;
  if (servicesRequired) throw new Error(`${message}; CI requires them`);
  console.warn(
    `skipping registry tests: ${message}. Install the Debian packages docker-registry, skopeo, apache2-utils and openssl to run them.`,
  );
  return false;
}

export type RegistryAuth = 'none' | 'basic' | 'token';

export interface StartRegistryOptions {
  readonly auth: RegistryAuth;
  /** How long to wait for `GET /v2/` to answer (10 s). */
  readonly timeoutMs?: number;
}

export interface TestRegistry {
  readonly auth: RegistryAuth;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** `127.0.0.1:PORT`, as image references name it. */
  readonly host: string;
  /** The accounts a `basic` or `token` registry knows (an anonymous one ignores them). */
  readonly users: typeof REGISTRY_USERS;
  /** The token server of a `token` registry. */
  readonly tokenServer?: TokenServer;
  /** The registry's output so far (its last 64 KiB). */
  logs(): string;
  /** Kills the registry, closes the token server and removes the directory. Twice is fine. */
  stop(): Promise<void>;
}

/**
 * Starts `docker-registry serve` on 127.0.0.1 with filesystem storage in a fresh directory, and
 * resolves once `GET /v2/` answers.
 *
 * @example
 * const registry = await startRegistry({ auth: 'token' });
 * await pushImage(registry, { repository: 'acme/app', tag: 'v1', format: 'oci', user: 'admin' });
 * await registry.stop();
 */
export async function startRegistry(options: StartRegistryOptions): Promise<TestRegistry> {
  const dir = tempDir('test-registry-');
  let tokenServer: StartedTokenServer | undefined;
  try {
    let auth: Record<string, unknown> | undefined;
    if (options.auth === 'basic') {
      auth = { htpasswd: { realm: 'test-registry', path: await writeHtpasswd(dir.path) } };
    } else if (options.auth === 'token') {
      const keys = await makeCertificate(dir.path);
      tokenServer = await startTokenServer(keys);
      auth = {
        token: {
          realm: tokenServer.realm,
          service: TOKEN_SERVICE,
          issuer: TOKEN_ISSUER,
          rootcertbundle: keys.certificatePath,
        },
      };
    }
    const registry = await spawnRegistry(dir.path, auth, options.timeoutMs ?? 10_000);
    const server = tokenServer;
    let stopped = false;
    return {
      auth: options.auth,
      url: `http://${registry.host}`,
      host: registry.host,
      users: REGISTRY_USERS,
      ...(server ? { tokenServer: server } : {}),
      logs: registry.output,
      async stop() {
        if (stopped) return;
        stopped = true;
        await registry.kill();
        await server?.close();
        dir.remove();
      },
    };
  } catch (error) {
    await tokenServer?.close();
    dir.remove();
    throw error;
  }
}

async function writeHtpasswd(dir: string): Promise<string> {
  // -B: distribution accepts only bcrypt entries.
  const lines = await Promise.all(
    Object.entries(REGISTRY_USERS).map(([user, password]) => run('htpasswd', ['-Bbn', user, password])),
  );
  const path = join(dir, 'htpasswd');
  writeFileSync(path, lines.map((line) => `${line.trim()}\n`).join(''));
  return path;
}

// openssl takes most of a second for an RSA key, so one key and certificate serve every token registry.
let issuerKeys: Promise<{ certificate: string; privateKey: string }> | undefined;

/** The issuer's certificate in `dir` (the registry's rootcertbundle), and the PEMs. */
async function makeCertificate(dir: string) {
  issuerKeys ??= generateIssuerKeys().catch((error: Error) => {
    issuerKeys = undefined;
    throw error;
  });
  const keys = await issuerKeys;
  const certificatePath = join(dir, 'token-cert.pem');
  writeFileSync(certificatePath, keys.certificate);
  return { certificatePath, ...keys };
}

async function generateIssuerKeys() {
  const dir = tempDir('test-token-issuer-');
  try {
    const keyPath = join(dir.path, 'key.pem');
    const certificatePath = join(dir.path, 'cert.pem');
    const subject = `/CN=${TOKEN_ISSUER}`;
    const args = ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', subject];
    await run('openssl', [...args, '-keyout', keyPath, '-out', certificatePath]);
    return { certificate: readFileSync(certificatePath, 'utf8'), privateKey: readFileSync(keyPath, 'utf8') };
  } finally {
    dir.remove();
  }
}

/**
 * The registry runs under a shell that kills it (and removes its directory) when our end of the
 * shell's stdin closes: `stop()` closes it, and so does the death of this process by a signal, where no
 * 'exit' handler runs. The shell reaps the registry and the watcher, so no zombie is left to init.
 */
const WATCHDOG = [
  'exec 3<&0',
  'docker-registry serve "$1" </dev/null 3<&- & registry=$!',
  '{ read -r _ <&3; kill -KILL "$registry"; rm -rf "$2"; } >/dev/null 2>&1 & watcher=$!',
  'wait "$registry"; status=$?',
  'kill "$watcher" 2>/dev/null; wait; exit "$status"',
].join('\n');

const OUTPUT_LIMIT = 64 * 1024;

async function spawnRegistry(dir: string, auth: Record<string, unknown> | undefined, timeoutMs: number) {
  // The free port is released before the registry binds it; another process may take it meanwhile.
  for (let attempt = 1; ; attempt++) {
    const host = `127.0.0.1:${await closedPort()}`;
    const config = join(dir, 'config.yml');
    writeFileSync(config, stringify(registryConfig(dir, host, auth)));
    const registry = startProcess(config, host, dir);
    try {
      await waitUntilAnswering(registry, timeoutMs);
      return registry;
    } catch (error) {
      await registry.kill();
      if (attempt < 3 && registry.output().includes('address already in use')) continue;
      throw error;
    }
  }
}

function registryConfig(dir: string, host: string, auth: Record<string, unknown> | undefined) {
  return {
    version: '0.1',
    log: { level: 'warn', formatter: 'text', accesslog: { disabled: true } },
    storage: {
      filesystem: { rootdirectory: join(dir, 'storage') },
      delete: { enabled: true },
      maintenance: { uploadpurging: { enabled: false } },
    },
    // A fixed secret keeps distribution from warning that it made one up.
    http: { addr: host, secret: randomBytes(16).toString('hex') },
    ...(auth ? { auth } : {}),
  };
}

interface RegistryProcess {
  readonly host: string;
  readonly child: ChildProcess;
  output(): string;
  kill(): Promise<void>;
}

function startProcess(config: string, host: string, dir: string): RegistryProcess {
  // REGISTRY_* variables would override the config file.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('REGISTRY_')),
  );
  const child = spawn('/bin/sh', ['-c', WATCHDOG, 'docker-registry-watchdog', config, dir], {
    env,
    detached: true, // a process group of its own, so one kill ends the shell and the registry
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: string) => {
    output = (output + chunk).slice(-OUTPUT_LIMIT);
  };
  child.stdout?.setEncoding('utf8').on('data', collect);
  child.stderr?.setEncoding('utf8').on('data', collect);
  child.on('error', (error) => collect(`${error.message}\n`));
  child.stdin?.on('error', () => {}); // EPIPE when the shell is gone already
  const closed = new Promise<void>((done) => child.on('close', () => done()));
  const killGroup = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const forget = onExit(killGroup);
  return {
    host,
    child,
    output: () => output,
    async kill() {
      child.stdin?.end();
      const timer = setTimeout(killGroup, 5000);
      await closed;
      clearTimeout(timer);
      forget();
    },
  };
}

async function waitUntilAnswering(registry: RegistryProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const { child } = registry;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `docker-registry exited (${child.signalCode ?? `code ${child.exitCode}`}) before answering:\n${registry.output()}`,
      );
    }
    try {
      const response = await fetch(`http://${registry.host}/v2/`, { signal: AbortSignal.timeout(1000) });
      await response.body?.cancel();
      return;
    } catch {
      await new Promise((done) => setTimeout(done, 25));
    }
  }
  throw new Error(
    `docker-registry did not answer GET http://${registry.host}/v2/ within ${timeoutMs} ms; its output:\n${registry.output()}`,
  );
}

// ---------------------------------------------------------------------------------------------------
// The token server

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

interface StartedTokenServer extends TokenServer {
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
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REPOSITORY_NAME = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
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

function authenticate(username: string, password: string): RegistryUser | undefined {
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

async function startTokenServer(keys: {
  certificate: string;
  privateKey: string;
}): Promise<StartedTokenServer> {
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

// ---------------------------------------------------------------------------------------------------
// Images

export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

export interface PushImageOptions {
  readonly repository: string;
  readonly tag: string;
  /** `oci`: OCI manifest or image index; `docker`: Docker schema 2 manifest or manifest list. */
  readonly format: 'oci' | 'docker';
  /** One (default linux/amd64) pushes a manifest; more push an index or list of one manifest each. */
  readonly platforms?: readonly Platform[];
  /** Pushes with this user's credentials; anonymously without. */
  readonly user?: RegistryUser;
  /** Text in the image's one file (default `hello`); another text makes other layers and digests. */
  readonly content?: string;
}

export interface PushedManifest {
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
  readonly platform: Platform;
}

export interface PushedImage {
  /** The digest skopeo reports, which is also the sha256 of the bytes we wrote (digests preserved). */
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
  /** The manifests of an index or manifest list. */
  readonly manifests?: readonly PushedManifest[];
}

interface Blob {
  readonly digest: string;
  readonly size: number;
  readonly bytes: Buffer;
}

const blobOf = (bytes: Buffer): Blob => ({
  digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
  size: bytes.length,
  bytes,
});

const jsonBlob = (value: unknown) => blobOf(Buffer.from(JSON.stringify(value)));

/** A ustar archive of one regular file. */
function tarFile(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  const put = (offset: number, length: number, value: string) => header.write(value, offset, length, 'ascii');
  const octal = (value: number, length: number) => `${value.toString(8).padStart(length - 1, '0')}\0`;
  put(0, 100, name);
  put(100, 8, octal(0o644, 8));
  put(108, 8, octal(0, 8));
  put(116, 8, octal(0, 8));
  put(124, 12, octal(content.length, 12));
  put(136, 12, octal(0, 12));
  header.fill(' ', 148, 156); // the checksum is computed with its own field as spaces
  put(156, 1, '0');
  put(257, 6, 'ustar\0');
  put(263, 2, '00');
  put(
    148,
    8,
    `${octal(
      header.reduce((sum, byte) => sum + byte, 0),
      7,
    )} `,
  );
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, padding, Buffer.alloc(1024)]);
}

// Layers are the same for every push of the same text; gzip once per process.
const layers = new Map<string, { blob: Blob; diffId: string }>();

function layerOf(text: string): { blob: Blob; diffId: string } {
  let layer = layers.get(text);
  if (!layer) {
    const tar = tarFile('hello.txt', Buffer.from(text));
    layer = { blob: blobOf(gzipSync(tar)), diffId: blobOf(tar).digest };
    layers.set(text, layer);
  }
  return layer;
}

const platformName = (p: Platform) => [p.os, p.architecture, p.variant].filter(Boolean).join('/');

function buildImage(platform: Platform, content: string, docker: boolean) {
  const layer = layerOf(`${content} from ${platformName(platform)}\n`);
  const created = '2024-01-01T00:00:00Z';
  const config = jsonBlob({
    created,
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: {},
    rootfs: { type: 'layers', diff_ids: [layer.diffId] },
    history: [{ created, created_by: 'pushImage' }],
  });
  const mediaType = docker ? DOCKER_MANIFEST : OCI_MANIFEST;
  const manifest = jsonBlob({
    schemaVersion: 2,
    mediaType,
    config: { mediaType: docker ? DOCKER_CONFIG : OCI_CONFIG, digest: config.digest, size: config.size },
    layers: [
      {
        mediaType: docker ? DOCKER_LAYER_GZIP : OCI_LAYER_GZIP,
        digest: layer.blob.digest,
        size: layer.blob.size,
      },
    ],
  });
  return { manifest, mediaType, blobs: [config, layer.blob] };
}

/**
 * Builds a tiny image (one gzipped layer holding one file) for each platform and pushes it with
 * `skopeo copy --preserve-digests` as `<repository>:<tag>`. OCI images go from an OCI layout; Docker
 * ones from skopeo's `dir:` layout, because skopeo's `oci:` source only looks at OCI media types and
 * `--format v2s2` is silently ignored together with `--preserve-digests` (skopeo 1.9).
 *
 * @example
 * const image = await pushImage(registry, { repository: 'acme/app', tag: 'v1', format: 'oci', user: 'admin' });
 * // image.digest: 'sha256:…', image.mediaType: OCI_MANIFEST
 */
export async function pushImage(registry: TestRegistry, options: PushImageOptions): Promise<PushedImage> {
  const platforms = options.platforms ?? [{ os: 'linux', architecture: 'amd64' }];
  if (platforms.length === 0) throw new Error('pushImage needs at least one platform');
  const docker = options.format === 'docker';
  const images = platforms.map((platform) => ({
    platform,
    ...buildImage(platform, options.content ?? 'hello', docker),
  }));
  const single = images.length === 1 ? images[0] : undefined;
  const listType = docker ? DOCKER_MANIFEST_LIST : OCI_INDEX;
  const top = single
    ? { blob: single.manifest, mediaType: single.mediaType }
    : {
        blob: jsonBlob({
          schemaVersion: 2,
          mediaType: listType,
          manifests: images.map((image) => ({
            mediaType: image.mediaType,
            digest: image.manifest.digest,
            size: image.manifest.size,
            platform: image.platform,
          })),
        }),
        mediaType: listType,
      };

  const work = tempDir('test-image-');
  try {
    const layout = join(work.path, 'image');
    const source = docker
      ? writeDirLayout(layout, top.blob, images)
      : writeOciLayout(layout, options.tag, top, images);
    const digestFile = join(work.path, 'digest');
    const credentials = options.user
      ? ['--dest-creds', `${options.user}:${registry.users[options.user]}`]
      : ['--dest-no-creds'];
    const destination = `docker://${registry.host}/${options.repository}:${options.tag}`;
    await run(
      'skopeo',
      [
        '--insecure-policy', // no /etc/containers/policy.json needed
        '--tmpdir',
        work.path,
        'copy',
        ...(single ? [] : ['--all']),
        '--preserve-digests',
        '--quiet',
        '--dest-tls-verify=false',
        ...credentials,
        '--digestfile',
        digestFile,
        source,
        destination,
      ],
      `skopeo copy to ${destination}${options.user ? ` as ${options.user}` : ''}`,
      60_000,
    );
    const digest = readFileSync(digestFile, 'utf8').trim();
    if (digest !== top.blob.digest)
      throw new Error(`skopeo reports ${digest}, but the manifest we wrote is ${top.blob.digest}`);
    return {
      digest,
      mediaType: top.mediaType,
      size: top.blob.size,
      ...(single
        ? {}
        : {
            manifests: images.map((image) => ({
              digest: image.manifest.digest,
              mediaType: image.mediaType,
              size: image.manifest.size,
              platform: image.platform,
            })),
          }),
    };
  } finally {
    work.remove();
  }
}

type BuiltImage = ReturnType<typeof buildImage>;

/** https://github.com/opencontainers/image-spec/blob/main/image-layout.md */
function writeOciLayout(
  dir: string,
  tag: string,
  top: { blob: Blob; mediaType: string },
  images: readonly BuiltImage[],
): string {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const write = (blob: Blob) => writeFileSync(join(dir, 'blobs', 'sha256', blob.digest.slice(7)), blob.bytes);
  for (const image of images) [image.manifest, ...image.blobs].forEach(write);
  write(top.blob);
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const index = {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [
      {
        mediaType: top.mediaType,
        digest: top.blob.digest,
        size: top.blob.size,
        annotations: { 'org.opencontainers.image.ref.name': tag },
      },
    ],
  };
  writeFileSync(join(dir, 'index.json'), JSON.stringify(index));
  return `oci:${dir}:${tag}`;
}

/** skopeo's `dir:` transport: manifest.json, `<hex>.manifest.json` per list entry, `<hex>` per blob. */
function writeDirLayout(dir: string, top: Blob, images: readonly BuiltImage[]): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'version'), 'Directory Transport Version: 1.1\n');
  writeFileSync(join(dir, 'manifest.json'), top.bytes);
  for (const image of images) {
    if (image.manifest !== top)
      writeFileSync(join(dir, `${image.manifest.digest.slice(7)}.manifest.json`), image.manifest.bytes);
    for (const blob of image.blobs) writeFileSync(join(dir, blob.digest.slice(7)), blob.bytes);
  }
  return `dir:${dir}`;
}

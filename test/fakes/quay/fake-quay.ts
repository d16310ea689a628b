import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RegistryUser } from '../../support/registry.js';
import { type ApiRejection, type ApiViolation, handleApi } from './routes.js';
import {
  accountCheck,
  createStore,
  type FakeTag,
  QUAY_SCOPES,
  type QuayScope,
  type RobotAccess,
} from './state.js';

export type { ApiRejection, ApiViolation } from './routes.js';
export { HEALTHY, QUAY_SCOPES, type QuayScope, type RobotAccess } from './state.js';

/**
 * A Quay front on loopback for the `quay` provider's tests: the health endpoints (`/health/instance`,
 * `/health/endtoend`, `/health/warning`, services settable), the API routes the provider calls, held
 * to Quay's description (`routes.ts`), and everything under `/v2/` passed on, untouched, to a REAL
 * distribution registry with token authentication, whose challenge (its realm: the test token
 * server on 127.0.0.1, the same host as this front) comes back as it is. The registry's token server
 * asks `accountCheck` whether a login is one of this Quay's robots or users.
 */

export interface FakeQuayOptions {
  /** The registry `/v2/` is passed on to (`http://127.0.0.1:<port>`), or later with `setRegistry`. */
  readonly registry?: string;
  /** Repositories per `listRepos` page (Quay's is 100); small values exercise `next_page`. */
  readonly repositoriesPerPage?: number;
}

/** One request to the front, for assertions. */
export interface QuayRecord {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly status: number;
  /** `bearer`, `basic`, or `none`: which credentials came (never their value). */
  readonly auth: 'bearer' | 'basic' | 'none' | 'other';
}

export interface TagSeed {
  readonly name: string;
  readonly digest: string;
  readonly mediaType: string;
  readonly inactive?: boolean;
}

export interface FakeQuay {
  /** `http://127.0.0.1:<port>`: the integration's endpoint. */
  readonly url: string;
  readonly violations: ApiViolation[];
  readonly rejections: ApiRejection[];
  readonly records: QuayRecord[];
  addOrganization(name: string, options?: { members?: readonly string[] }): void;
  addUser(name: string, password: string): void;
  /** A robot `<namespace>+<name>` with its token and registry rights (default `read`). */
  addRobot(username: string, token: string, access?: RobotAccess): void;
  /** An OAuth application token acting for `user`, with `scopes`. */
  addAppToken(token: string, user: string, scopes: readonly QuayScope[]): void;
  addRepository(
    repository: string,
    options: { public?: boolean; tags?: readonly TagSeed[]; readers?: readonly string[] },
  ): void;
  /** Sets services of an endpoint (`{ database: false }`); omitted ones keep their state. */
  setHealth(endpoint: 'instance' | 'endtoend' | 'warning', services: Readonly<Record<string, boolean>>): void;
  /** Answers the next request to `path` with `status` and a raw `body` instead (a broken Quay). */
  answerNext(path: string, status: number, body: string, contentType?: string): void;
  /** For `startRegistry({ accountCheck })`. */
  accountCheck(username: string, password: string): RegistryUser | undefined;
  setRegistry(url: string): void;
  close(): Promise<void>;
}

const HEALTH = /^\/health\/(instance|endtoend|warning)$/;

export async function startFakeQuay(options: FakeQuayOptions = {}): Promise<FakeQuay> {
  const store = createStore();
  const violations: ApiViolation[] = [];
  const rejections: ApiRejection[] = [];
  const records: QuayRecord[] = [];
  const pages = new Map<string, { namespace: string; offset: number; user?: string }>();
  const canned = new Map<string, { status: number; body: string; contentType: string }[]>();
  let registry = options.registry;
  let origin = '';
  let clock = 1_700_000_000;

  const send = (response: ServerResponse, status: number, body: unknown, type = 'application/json') => {
    response.writeHead(status, { 'content-type': type });
    response.end(typeof body === 'string' ? body : JSON.stringify(body));
  };

  function serve(request: IncomingMessage, response: ServerResponse): number {
    const url = new URL(request.url ?? '/', 'http://fake-quay.invalid');
    const method = request.method ?? 'GET';
    const cannedAnswer = canned.get(url.pathname)?.shift();
    if (cannedAnswer) {
      send(response, cannedAnswer.status, cannedAnswer.body, cannedAnswer.contentType);
      return cannedAnswer.status;
    }
    const health = HEALTH.exec(url.pathname);
    if (health) {
      if (method !== 'GET' && method !== 'HEAD') {
        violations.push({ path: url.pathname, problem: `${method} on a health endpoint` });
        send(response, 405, { error: 'method not allowed' });
        return 405;
      }
      const services = store.health[health[1] as 'instance' | 'endtoend' | 'warning'];
      const status = Object.values(services).every(Boolean) ? 200 : 503;
      send(response, status, { data: { services }, status_code: status });
      return status;
    }
    if (url.pathname.startsWith('/api/v1/')) {
      const answer = handleApi(
        {
          store,
          origin,
          repositoriesPerPage: options.repositoriesPerPage ?? 100,
          violations,
          rejections,
          pages,
        },
        method,
        url,
        request.headers.authorization,
      );
      send(response, answer.status, answer.body);
      return answer.status;
    }
    if (url.pathname === '/v2' || url.pathname.startsWith('/v2/')) {
      if (method !== 'GET' && method !== 'HEAD') {
        violations.push({
          path: url.pathname,
          problem: `${method} on the registry: the provider only reads`,
        });
        send(response, 405, { errors: [{ code: 'UNSUPPORTED', message: 'the operation is unsupported' }] });
        return 405;
      }
      if (!registry) {
        send(response, 503, {
          errors: [{ code: 'UNAVAILABLE', message: 'no registry behind this fake Quay' }],
        });
        return 503;
      }
      forward(request, url, registry, response);
      return 0;
    }
    // Quay serves its web application (HTML) at every other path.
    send(
      response,
      404,
      '<!DOCTYPE html><html><body>Quay: page not found</body></html>',
      'text/html; charset=utf-8',
    );
    return 404;
  }

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://fake-quay.invalid');
    const authorization = request.headers.authorization;
    const auth =
      authorization === undefined
        ? 'none'
        : /^Bearer /i.test(authorization)
          ? 'bearer'
          : /^Basic /i.test(authorization)
            ? 'basic'
            : 'other';
    const record = (status: number) =>
      records.push({ method: request.method ?? 'GET', path: url.pathname, query: url.search, status, auth });
    request.resume();
    const status = serve(request, response);
    if (status !== 0) record(status);
    else response.on('finish', () => record(response.statusCode));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: origin,
    violations,
    rejections,
    records,
    addOrganization(name, seed = {}) {
      store.organizations.set(name, { members: new Set(seed.members ?? []) });
    },
    addUser(name, password) {
      store.users.set(name, { password });
    },
    addRobot(username, token, access = 'read') {
      if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*\+[a-z][a-z0-9_]{1,254}$/.test(username))
        throw new Error(`a Quay robot is <namespace>+<name>, not ${username}`);
      store.robots.set(username, { username, token, access });
    },
    addAppToken(token, user, scopes) {
      const unknown = scopes.filter((scope) => !(QUAY_SCOPES as readonly string[]).includes(scope));
      if (unknown.length) throw new Error(`Quay has no scope ${unknown.join(', ')}`);
      store.tokens.set(token, { token, user, scopes: new Set(scopes) });
    },
    addRepository(repository, seed) {
      const slash = repository.indexOf('/');
      const namespace = repository.slice(0, slash);
      if (slash < 0 || (!store.organizations.has(namespace) && !store.users.has(namespace)))
        throw new Error(`add the namespace of ${repository} first`);
      const tags: FakeTag[] = (seed.tags ?? []).map((tag) => ({ ...tag, startTs: clock++ }));
      store.repositories.set(repository, {
        namespace,
        name: repository.slice(slash + 1),
        public: seed.public === true,
        tags,
        readers: new Set(seed.readers ?? []),
      });
    },
    setHealth(endpoint, services) {
      Object.assign(store.health[endpoint], services);
    },
    answerNext(path, status, body, contentType = 'application/json') {
      canned.set(path, [...(canned.get(path) ?? []), { status, body, contentType }]);
    },
    accountCheck: (username, password) => accountCheck(store, username, password),
    setRegistry(url) {
      registry = url;
    },
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

/** Passes a `/v2/` request on to the registry with the caller's own credentials; the answer comes back as it is. */
function forward(incoming: IncomingMessage, url: URL, target: string, outgoing: ServerResponse) {
  const headers: Record<string, string> = {};
  for (const name of ['accept', 'authorization'] as const) {
    const value = incoming.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  const upstream = httpRequest(
    new URL(`${url.pathname}${url.search}`, target),
    { method: incoming.method, headers },
    (answer) => {
      const copied = { ...answer.headers };
      delete copied.connection;
      delete copied['keep-alive'];
      outgoing.writeHead(answer.statusCode ?? 502, copied);
      answer.pipe(outgoing);
    },
  );
  upstream.on('error', (error) => {
    if (!outgoing.headersSent) outgoing.writeHead(502, { 'content-type': 'text/plain' });
    outgoing.end(`registry unreachable: ${error.message}`);
  });
  upstream.end();
}

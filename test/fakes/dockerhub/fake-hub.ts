import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RegistryUser } from '../../support/registry.js';
import { describe, integerOf, mintJwt, orderBy } from './hub-answers.js';
import {
  addUser,
  authenticate,
  createHubWorld,
  type HubPrincipal,
  type HubRepository,
  type HubUser,
  type HubWorld,
  hubError,
  type PatScope,
  seesPrivate,
} from './state.js';
import {
  drain,
  type ExchangeRecord,
  type Fault,
  readBody,
  sendJson,
  takeFault,
  type Violation,
} from './wire.js';

/**
 * Docker Hub's API (`https://hub.docker.com`, "Docker HUB API" 2-beta) on loopback, the two
 * operations a registry integration uses, held to their documented contract:
 *
 * - `POST /v2/auth/token` ("Create access token"): a JSON body of exactly `identifier` and `secret`
 *   (`Content-Type: application/json`, no query). A known user with one of its personal access tokens
 *   (not revoked) or its password gets `{ access_token }`, a JWT valid `tokenLifeS` (Docker's are
 *   short-lived); anything else Docker's 401 `{ message, detail, errinfo }`.
 * - `GET /v2/namespaces/{namespace}/repositories` ("List repositories in a namespace"): `page` ≥ 1,
 *   `page_size` 1 to 100, `name` and `ordering` (`name`, `last_updated`, `-` for descending) and no
 *   other parameter; anonymous or `Authorization: Bearer <access_token>` (an unknown or expired token
 *   is a 401, never silently anonymous). Private repositories are listed only to members of the
 *   namespace whose token reads private repositories. Answers `{ count, next, previous, results }`
 *   with absolute `next`/`previous` URLs; a page past the end is DRF's 404 "Invalid page.".
 *
 * Requests outside the contract are answered 400/405/415 and kept in `violations`; requests Docker
 * refuses by its own rules are answered in its words and kept in `rejections`.
 */

export interface FakeDockerHub {
  /** `http://127.0.0.1:<port>`: the integration's `config.hubApiUrl`. */
  readonly url: string;
  readonly world: HubWorld;
  readonly violations: Violation[];
  readonly rejections: { readonly status: number; readonly message: string }[];
  readonly records: ExchangeRecord[];
  /** Access tokens issued, in order. */
  readonly issued: string[];
  addUser(user: { username: string; password: string; pats?: Readonly<Record<string, PatScope>> }): HubUser;
  /** An organisation (a namespace of its own) and its members. */
  addOrganization(name: string, members: readonly string[]): void;
  addRepository(repository: string, options?: { readonly private?: boolean }): void;
  /** Revokes a personal access token: logins with it and the access tokens it made are refused. */
  revokePat(pat: string): void;
  /** Every access token issued so far expires now (as after Docker's few minutes). */
  expireTokens(): void;
  /** For the registry's token server: a user with a valid PAT or password reads. */
  accountCheck(username: string, secret: string): RegistryUser | undefined;
  /** The next `count` requests (any route) get this answer instead. */
  failNext(fault: Fault): void;
  close(): Promise<void>;
}

const AUTH_FIELDS = ['identifier', 'secret'];
const LIST_PARAMETERS = new Set(['page', 'page_size', 'name', 'ordering']);
const ORDERINGS = new Set(['name', '-name', 'last_updated', '-last_updated', 'pull_count', '-pull_count']);
const LIST_PATH = /^\/v2\/namespaces\/([^/]+)\/repositories\/?$/;

interface IssuedToken {
  readonly username: string;
  readonly pat?: string;
  expiresAt: number;
}

export async function startFakeDockerHub(
  options: { readonly tokenLifeS?: number; readonly now?: () => number } = {},
): Promise<FakeDockerHub> {
  const now = options.now ?? Date.now;
  const tokenLifeS = options.tokenLifeS ?? 300;
  const key = randomBytes(32);
  const world = createHubWorld();
  const tokens = new Map<string, IssuedToken>();
  const violations: Violation[] = [];
  const rejections: { status: number; message: string }[] = [];
  const records: ExchangeRecord[] = [];
  const issued: string[] = [];
  const faults: Fault[] = [];
  let origin = '';

  async function login(request: IncomingMessage, url: URL, response: ServerResponse): Promise<number> {
    const violate = async (problem: string, status = 400) => {
      await drain(request);
      violations.push({ path: url.pathname, problem });
      sendJson(response, status, hubError(problem));
      return status;
    };
    if (request.method !== 'POST') return violate(`${request.method} instead of POST`, 405);
    if (url.search !== '') return violate('the token request takes no query parameters');
    if (!/^application\/json\s*(;|$)/i.test(request.headers['content-type'] ?? ''))
      return violate(`content type ${request.headers['content-type'] ?? 'none'}, not application/json`, 415);
    const body = await readBody(request);
    if (!body.ok) return violate(body.problem);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.text);
    } catch {
      return violate('the body is not JSON');
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
      return violate('the body is not a JSON object');
    const fields = Object.keys(parsed);
    const extra = fields.filter((name) => !AUTH_FIELDS.includes(name));
    if (extra.length > 0) return violate(`fields the request does not take: ${extra.join(', ')}`);
    const { identifier, secret } = parsed as Record<string, unknown>;
    if (typeof identifier !== 'string' || identifier === '') return violate('identifier is missing');
    if (typeof secret !== 'string' || secret === '') return violate('secret is missing');

    const principal = authenticate(world, identifier, secret);
    if (principal?.kind !== 'user') {
      const message = 'Incorrect authentication credentials';
      rejections.push({ status: 401, message });
      sendJson(response, 401, hubError(message));
      return 401;
    }
    const token = mintJwt(principal.user, now(), tokenLifeS, key);
    tokens.set(token, {
      username: principal.user.username,
      ...(principal.pat ? { pat: principal.pat } : {}),
      expiresAt: now() + tokenLifeS * 1000,
    });
    issued.push(token);
    sendJson(response, 200, { access_token: token });
    return 200;
  }

  /** Who a listing request comes from; a refused token is answered here (undefined returned). */
  function principalOf(
    request: IncomingMessage,
    url: URL,
    response: ServerResponse,
  ): HubPrincipal | undefined {
    const header = request.headers.authorization;
    if (header === undefined) return { kind: 'anonymous' };
    const bearer = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header)?.[1];
    if (!bearer) {
      violations.push({ path: url.pathname, problem: 'an Authorization header that is not Bearer <token>' });
      sendJson(response, 401, hubError('Authentication credentials were not provided.'));
      return undefined;
    }
    const found = tokens.get(bearer);
    const user = found ? world.users.get(found.username) : undefined;
    const pat = found?.pat ? user?.pats.get(found.pat) : undefined;
    if (!found || !user || found.expiresAt <= now() || pat?.revoked) {
      const message = found ? 'Token is expired or revoked' : 'Invalid token';
      rejections.push({ status: 401, message });
      sendJson(response, 401, hubError(message));
      return undefined;
    }
    return { kind: 'user', user, scope: pat?.scope ?? 'password', ...(found.pat ? { pat: found.pat } : {}) };
  }

  function list(request: IncomingMessage, url: URL, response: ServerResponse, namespace: string): number {
    const violate = (problem: string, status = 400) => {
      violations.push({ path: url.pathname, problem });
      sendJson(response, status, hubError(problem));
      return status;
    };
    if (request.method !== 'GET') return violate(`${request.method} instead of GET`, 405);
    const params = url.searchParams;
    const unknown = [...new Set(params.keys())].filter((name) => !LIST_PARAMETERS.has(name));
    if (unknown.length > 0) return violate(`unknown query parameters: ${unknown.join(', ')}`);
    for (const name of new Set(params.keys()))
      if (params.getAll(name).length > 1) return violate(`${name} given more than once`);
    const page = integerOf(params.get('page') ?? '1');
    if (page === undefined || page < 1) return violate('page must be an integer of at least 1');
    const pageSize = integerOf(params.get('page_size') ?? '10');
    if (pageSize === undefined || pageSize < 1 || pageSize > 100)
      return violate('page_size must be an integer from 1 to 100');
    const ordering = params.get('ordering') ?? 'name';
    if (!ORDERINGS.has(ordering)) return violate(`unknown ordering ${ordering}`);

    const principal = principalOf(request, url, response);
    if (!principal) return 401;
    if (!world.namespaces.has(namespace)) {
      rejections.push({ status: 404, message: 'object not found' });
      sendJson(response, 404, hubError('object not found'));
      return 404;
    }
    const filter = params.get('name');
    const visible = [...world.repositories.values()]
      .filter((repository) => repository.namespace === namespace)
      .filter((repository) => !repository.isPrivate || seesPrivate(world, principal, namespace))
      .filter((repository) => filter === null || repository.name.includes(filter))
      .sort(orderBy(ordering));
    const start = (page - 1) * pageSize;
    if (page > 1 && start >= visible.length) {
      rejections.push({ status: 404, message: 'Invalid page.' });
      sendJson(response, 404, { detail: 'Invalid page.' });
      return 404;
    }
    const pageUrl = (to: number) => {
      const link = new URL(url.pathname, origin);
      for (const [name, value] of params) if (name !== 'page') link.searchParams.set(name, value);
      link.searchParams.set('page', String(to));
      return link.href;
    };
    sendJson(response, 200, {
      count: visible.length,
      next: start + pageSize < visible.length ? pageUrl(page + 1) : null,
      previous: page > 1 ? pageUrl(page - 1) : null,
      results: visible.slice(start, start + pageSize).map(describe),
    });
    return 200;
  }

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', origin);
    const record = (status: number) =>
      records.push({ method: request.method ?? '', path: url.pathname, status });
    const fault = takeFault(faults);
    if (fault) {
      void drain(request);
      sendJson(response, fault.status, fault.body ?? '', fault.headers);
      record(fault.status);
      return;
    }
    if (url.pathname === '/v2/auth/token') {
      login(request, url, response)
        .then(record)
        .catch((error: Error) => {
          if (!response.headersSent) sendJson(response, 500, hubError(error.message));
        });
      return;
    }
    const namespace = LIST_PATH.exec(url.pathname)?.[1];
    void drain(request);
    if (namespace !== undefined) {
      record(list(request, url, response, decodeURIComponent(namespace)));
      return;
    }
    sendJson(response, 404, hubError('page not found'));
    record(404);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: origin,
    world,
    violations,
    rejections,
    records,
    issued,
    addUser: (user) => addUser(world, user),
    addOrganization(name, members) {
      world.namespaces.set(name, new Set(members));
    },
    addRepository(repository, options = {}) {
      const slash = repository.indexOf('/');
      const namespace = repository.slice(0, slash);
      if (slash < 0 || !world.namespaces.has(namespace))
        throw new Error(`add the namespace of ${repository} first (addUser or addOrganization)`);
      const added: HubRepository = {
        namespace,
        name: repository.slice(slash + 1),
        isPrivate: options.private === true,
        lastUpdated: new Date(now()).toISOString(),
      };
      world.repositories.set(repository, added);
    },
    revokePat(pat) {
      for (const user of world.users.values()) {
        const found = user.pats.get(pat);
        if (found) found.revoked = true;
      }
    },
    expireTokens() {
      for (const token of tokens.values()) token.expiresAt = 0;
    },
    accountCheck(username, secret) {
      return authenticate(world, username, secret)?.kind === 'user' ? 'reader' : undefined;
    },
    failNext(fault) {
      faults.push(fault);
    },
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

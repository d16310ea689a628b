import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RegistryUser } from '../../support/registry.js';
import type { FakeEntra } from './fake-entra.js';
import {
  drain,
  type Fault,
  isForm,
  mintToken,
  readForm,
  sendJson,
  type TokenFormat,
  takeFault,
} from './wire.js';

/**
 * An Azure Container Registry's origin on loopback: its `POST /oauth2/exchange` (Azure's
 * `containerregistry.json`, 2021-07-01, and Azure/acr `docs/AAD-OAuth.md`), and everything under `/v2/`
 * passed on, untouched, to a REAL distribution registry with token authentication, whose challenge
 * (its realm: the test token server on 127.0.0.1) comes back as it is.
 *
 * The exchange is held to the contract: POST, a form body, `grant_type=access_token` (the deprecated
 * `access_token_refresh_token` and `refresh_token` grants are violations), `service` naming this
 * registry's host, `tenant`, and an `access_token` that the fake Entra issued, has not expired, was
 * issued in that tenant for the Azure Resource Manager scope, and belongs to a principal with a role on
 * this registry. Otherwise ACR's 401 `{"errors":[{"code":"UNAUTHORIZED",…}]}`. Refresh tokens (JWTs
 * with `exp`, or random strings) are remembered with the principal's role; the registry's token server
 * asks `accountCheck` whether a login is one of them.
 *
 * Roles: `AcrPull` reads (pull and the catalog: the registry behind grants such a login everything,
 * and this front refuses every write, so pushes go to the registry directly); `Container Registry
 * Repository Reader` (a registry with ABAC repository permissions) pulls but cannot read the catalog,
 * like a scope-map token.
 */

/** The username ACR takes with a refresh token as the password. */
export const ACR_REFRESH_USERNAME = '00000000-0000-0000-0000-000000000000';

export const ACR_ROLES = ['AcrPull', 'Container Registry Repository Reader'] as const;
export type AcrRole = (typeof ACR_ROLES)[number];

/** What ACR's example refresh token lives (`exp - iat` of the claims in AAD-OAuth.md). */
const REFRESH_LIFE_S = 2089;
const EXCHANGE_FIELDS = new Set(['grant_type', 'service', 'tenant', 'access_token', 'refresh_token']);
const DEPRECATED_GRANTS = new Set(['access_token_refresh_token', 'refresh_token']);

export interface AcrViolation {
  readonly path: string;
  readonly problem: string;
}

/** One request to the front, for assertions. */
export interface AcrFrontRecord {
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

export interface AcrFront {
  /** `http://127.0.0.1:<port>`: the integration's endpoint. */
  readonly url: string;
  /** The registry's name as `service` must give it (the host this front plays). */
  readonly host: string;
  readonly violations: AcrViolation[];
  /** Exchanges refused by ACR's rules (unknown or expired token, wrong tenant or scope, no role). */
  readonly rejections: { readonly status: number; readonly message: string }[];
  readonly records: AcrFrontRecord[];
  /** Refresh tokens issued, in order. */
  readonly refreshTokens: string[];
  /** Gives a principal (by client id) a role on this registry, or takes it away (`undefined`). */
  assignRole(clientId: string, role: AcrRole | undefined): void;
  /** Whether `token` is a refresh token this front issued and that has not expired. */
  isValidRefreshToken(token: string): boolean;
  /** For `startRegistry({ accountCheck })`: the registry rights of a login made of a refresh token. */
  accountCheck(username: string, password: string): RegistryUser | undefined;
  /** Where `/v2/` is passed on to (`http://127.0.0.1:<port>` of a token registry). */
  setRegistry(url: string): void;
  /** The next `count` exchanges get `status` and `body` (raw text or JSON) instead. */
  failNext(fault: Fault): void;
  close(): Promise<void>;
}

export interface AcrFrontOptions {
  readonly entra: FakeEntra;
  /** The registry `/v2/` is passed on to. */
  readonly registry?: string;
  /** The host this front plays (default its own `127.0.0.1:<port>`), e.g. `contoso.azurecr.cn`. */
  readonly host?: string;
  /** The scope an Entra token must have been issued for (default the public cloud's). */
  readonly managementScope?: string;
  /** What the refresh tokens look like (default `jwt`). */
  readonly refreshTokens?: TokenFormat;
  readonly now?: () => number;
}

interface Grant {
  readonly role: AcrRole;
  readonly expiresAt: number;
}

export async function startAcrFront(options: AcrFrontOptions): Promise<AcrFront> {
  const now = options.now ?? Date.now;
  const key = randomBytes(32);
  const roles = new Map<string, AcrRole>();
  const grants = new Map<string, Grant>();
  const violations: AcrViolation[] = [];
  const rejections: { status: number; message: string }[] = [];
  const records: AcrFrontRecord[] = [];
  const refreshTokens: string[] = [];
  const faults: Fault[] = [];
  const managementScope = options.managementScope ?? 'https://management.azure.com/.default';
  let registry = options.registry;
  let host = '';

  const errors = (code: string, message: string) => ({ errors: [{ code, message }] });

  async function exchange(request: IncomingMessage, url: URL, response: ServerResponse): Promise<number> {
    const violate = (problem: string, status = 400) => {
      violations.push({ path: url.pathname, problem });
      sendJson(response, status, errors(status === 405 ? 'UNSUPPORTED' : 'BAD_REQUEST', problem));
      return status;
    };
    const refuse = (message: string) => {
      rejections.push({ status: 401, message });
      sendJson(response, 401, errors('UNAUTHORIZED', message));
      return 401;
    };
    if (request.method !== 'POST') {
      await drain(request);
      return violate(`${request.method} instead of POST`, 405);
    }
    const query = [...url.searchParams.keys()].filter((name) => name !== 'api-version');
    if (query.length > 0) {
      await drain(request);
      return violate(`query parameters the exchange does not take: ${query.join(', ')}`);
    }
    if (!isForm(request)) {
      await drain(request);
      return violate(`content type ${request.headers['content-type'] ?? 'none'}, not a form`);
    }
    const form = await readForm(request);
    if (!form.ok) return violate(form.problem);
    const fields = form.fields;
    const unknown = [...fields.keys()].filter((name) => !EXCHANGE_FIELDS.has(name));
    if (unknown.length > 0) return violate(`fields the exchange does not take: ${unknown.join(', ')}`);
    const grantType = fields.get('grant_type');
    if (!grantType) return violate('grant_type is missing');
    if (DEPRECATED_GRANTS.has(grantType)) return violate(`the deprecated grant_type ${grantType}`);
    if (grantType !== 'access_token') return violate(`unsupported grant_type ${grantType}`);
    if (fields.has('refresh_token')) return violate('refresh_token with grant_type=access_token');
    const service = fields.get('service');
    if (!service) return violate('service is missing');
    if (service !== host) return violate(`service ${service} is not this registry (${host})`);
    const tenant = fields.get('tenant');
    if (!tenant) return violate('tenant is missing');
    const accessToken = fields.get('access_token');
    if (!accessToken) return violate('access_token is missing');

    const token = options.entra.lookup(accessToken);
    if (!token) return refuse('the access token is not valid or has expired');
    if (token.tenantId.toLowerCase() !== tenant.toLowerCase())
      return refuse(`the access token was issued in another tenant than ${tenant}`);
    if (token.scope !== managementScope)
      return refuse(`the access token is not for ${managementScope.replace('/.default', '')}`);
    const role = roles.get(token.clientId.toLowerCase());
    if (!role) return refuse('retrieving permissions failed');

    const issuedAt = Math.floor(now() / 1000);
    const refreshToken = mintToken(
      options.refreshTokens ?? 'jwt',
      {
        jti: randomUUID(),
        sub: token.objectId,
        nbf: issuedAt,
        exp: issuedAt + REFRESH_LIFE_S,
        iat: issuedAt,
        iss: 'Azure Container Registry',
        aud: host,
        version: '1.0',
        grant_type: 'refresh_token',
        tenant: token.tenantId,
        permissions: { actions: role === 'AcrPull' ? ['read'] : ['content/read'], notActions: [] },
        roles: [],
      },
      key,
    );
    grants.set(refreshToken, { role, expiresAt: (issuedAt + REFRESH_LIFE_S) * 1000 });
    refreshTokens.push(refreshToken);
    sendJson(response, 200, { refresh_token: refreshToken });
    return 200;
  }

  function forward(request: IncomingMessage, url: URL, response: ServerResponse): number {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      void drain(request);
      sendJson(response, 405, errors('UNSUPPORTED', 'this registry front serves reads only'));
      return 405;
    }
    if (!registry) {
      sendJson(response, 503, errors('UNAVAILABLE', 'no registry behind this front'));
      return 503;
    }
    const headers: Record<string, string> = {};
    for (const name of ['accept', 'authorization'] as const) {
      const value = request.headers[name];
      if (value) headers[name] = value;
    }
    const upstream = httpRequest(
      new URL(`${url.pathname}${url.search}`, registry),
      { method: request.method, headers },
      (answer) => {
        const kept = { ...answer.headers };
        delete kept.connection;
        delete kept['keep-alive'];
        response.writeHead(answer.statusCode ?? 502, kept);
        answer.pipe(response);
      },
    );
    upstream.on('error', (error) => {
      if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' });
      response.end(`registry unreachable: ${error.message}`);
    });
    upstream.end();
    return 0;
  }

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://acr.invalid');
    const record = (status: number) =>
      records.push({ method: request.method ?? '', path: url.pathname, status });
    if (url.pathname === '/oauth2/exchange') {
      const fault = takeFault(faults);
      if (fault) {
        void drain(request);
        sendJson(response, fault.status, fault.body ?? '', fault.headers);
        record(fault.status);
        return;
      }
      exchange(request, url, response)
        .then(record)
        .catch((error: Error) => {
          if (!response.headersSent) sendJson(response, 500, errors('UNKNOWN', error.message));
        });
      return;
    }
    if (url.pathname === '/v2' || url.pathname.startsWith('/v2/')) {
      const status = forward(request, url, response);
      if (status !== 0) record(status);
      else response.on('finish', () => record(response.statusCode));
      return;
    }
    void drain(request);
    sendJson(response, 404, errors('NOT_FOUND', `no such path: ${url.pathname}`));
    record(404);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const local = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  host = options.host ?? local;

  const validGrant = (token: string) => {
    const grant = grants.get(token);
    return grant && grant.expiresAt > now() ? grant : undefined;
  };
  return {
    url: `http://${local}`,
    host,
    violations,
    rejections,
    records,
    refreshTokens,
    assignRole(clientId, role) {
      if (role) roles.set(clientId.toLowerCase(), role);
      else roles.delete(clientId.toLowerCase());
    },
    isValidRefreshToken: (token) => validGrant(token) !== undefined,
    accountCheck(username, password) {
      if (username !== ACR_REFRESH_USERNAME) return undefined;
      const grant = validGrant(password);
      if (!grant) return undefined;
      return grant.role === 'AcrPull' ? 'admin' : 'reader';
    },
    setRegistry(url) {
      registry = url;
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

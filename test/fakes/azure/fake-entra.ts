import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type EntraProblem, entraErrorBody, ENTRA_PROBLEMS as P } from './entra-errors.js';
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
 * Microsoft Entra ID's token endpoint (the identity platform's v2.0 endpoint) on loopback, for the
 * client credentials grant with a client secret, as Microsoft documents it:
 * `POST /<tenant>/oauth2/v2.0/token`, a form body of `grant_type=client_credentials`, `client_id`,
 * `client_secret` and a `scope` of `<resource>/.default`. It knows tenants and their app registrations
 * (client id → secret, expired or not) and the resources a token may be asked for. A request the
 * contract does not allow (another path or method, another content type, a field the grant does not
 * take, a field twice) is a violation, kept in `violations` and answered as Entra answers a malformed
 * request; a request Entra would refuse (wrong secret, expired secret, unknown app or tenant, a scope
 * that is not `/.default`) is answered with Entra's error JSON, its AADSTS code and words, and kept in
 * `rejections`. Issued tokens (`expires_in` 3599) are remembered, so a fake resource server can check
 * what it is shown (`lookup`).
 */

/** The Azure Resource Manager scopes of the public, China and US Government clouds. */
export const MANAGEMENT_SCOPES = [
  'https://management.azure.com/.default',
  'https://management.chinacloudapi.cn/.default',
  'https://management.usgovcloudapi.net/.default',
] as const;

const TOKEN_LIFE_S = 3599;
const TOKEN_PATH = /^\/([^/]+)\/oauth2\/v2\.0\/token$/;
const GRANT_FIELDS = new Set(['grant_type', 'client_id', 'client_secret', 'scope']);
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

export interface FakeEntraApp {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The secret is past its end date: Entra refuses it with AADSTS7000222. */
  readonly expired?: boolean;
}

/** A token the fake issued, as a resource server asks about it. */
export interface IssuedEntraToken {
  readonly token: string;
  readonly tenantId: string;
  readonly clientId: string;
  /** The service principal's object id, the same for every token of one app in one tenant. */
  readonly objectId: string;
  readonly scope: string;
  /** Epoch ms. */
  readonly expiresAt: number;
}

/** A request outside the contract: a client bug, not something Entra decides. */
export interface EntraViolation {
  readonly path: string;
  readonly problem: string;
}

/** A request Entra refuses by its own rules, with the code it answers. */
export interface EntraRejection {
  readonly tenant: string;
  readonly clientId?: string;
  readonly status: number;
  readonly error: string;
  readonly code: number;
}

export interface FakeEntra {
  /** `http://127.0.0.1:<port>`: what `authorityHost` names. */
  readonly url: string;
  readonly violations: EntraViolation[];
  readonly rejections: EntraRejection[];
  /** Every token issued, in order. */
  readonly issued: IssuedEntraToken[];
  /** Requests to the token path answered (any status), in order. */
  readonly requests: { readonly tenant: string; readonly status: number }[];
  addTenant(tenantId: string, options?: { readonly domain?: string }): void;
  addApp(app: FakeEntraApp): void;
  /** Marks an app's secret expired (or not) from now on. */
  setSecretExpired(clientId: string, expired: boolean): void;
  /** A token the fake issued and that has not expired. */
  lookup(token: string): IssuedEntraToken | undefined;
  /** The next `count` token requests get `status` and `body` (raw text or JSON) instead. */
  failNext(fault: Fault): void;
  close(): Promise<void>;
}

export interface FakeEntraOptions {
  /** What the tokens look like (default `jwt`). */
  readonly tokens?: TokenFormat;
  /** Epoch ms (token expiry). */
  readonly now?: () => number;
}

export async function startFakeEntra(options: FakeEntraOptions = {}): Promise<FakeEntra> {
  const now = options.now ?? Date.now;
  const key = randomBytes(32);
  const tenants = new Map<string, string>(); // tenant id or domain → tenant id
  const apps = new Map<string, FakeEntraApp & { objectId: string }>(); // `${tenantId}|${clientId}`
  const issued: IssuedEntraToken[] = [];
  const byToken = new Map<string, IssuedEntraToken>();
  const violations: EntraViolation[] = [];
  const rejections: EntraRejection[] = [];
  const requests: { tenant: string; status: number }[] = [];
  const faults: Fault[] = [];
  let origin = '';

  const answerProblem = (response: ServerResponse, problem: EntraProblem) =>
    sendJson(response, problem.status, entraErrorBody(problem, new Date(now()), origin));

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<number> {
    const url = new URL(request.url ?? '/', 'http://entra.invalid');
    const violate = (problem: string, answer: EntraProblem) => {
      violations.push({ path: url.pathname, problem });
      answerProblem(response, answer);
      return answer.status;
    };
    const fault = takeFault(faults);
    if (fault) {
      await drain(request);
      sendJson(response, fault.status, fault.body ?? '', fault.headers);
      return fault.status;
    }
    const tenant = TOKEN_PATH.exec(url.pathname)?.[1];
    if (tenant === undefined) {
      await drain(request);
      violations.push({ path: url.pathname, problem: 'not the v2.0 token endpoint' });
      sendJson(response, 404, '');
      return 404;
    }
    if (request.method !== 'POST') {
      await drain(request);
      return violate(`${request.method} instead of POST`, P.method(request.method ?? ''));
    }
    if (url.search !== '') {
      await drain(request);
      return violate('a query string on the token endpoint', P.malformed('The request has a query string.'));
    }
    if (!isForm(request)) {
      await drain(request);
      const type = request.headers['content-type'] ?? 'none';
      return violate(`content type ${type}, not a form`, P.missing('grant_type'));
    }
    const form = await readForm(request);
    if (!form.ok)
      return violate(form.problem, P.malformed(`The request body is malformed: ${form.problem}.`));
    const fields = form.fields;
    const unknown = [...fields.keys()].filter((name) => !GRANT_FIELDS.has(name));
    if (unknown.length > 0)
      return violate(
        `fields the client credentials grant does not take: ${unknown.join(', ')}`,
        P.malformed(`The request body has parameters this grant does not take: '${unknown.join("', '")}'.`),
      );

    const clientId = fields.get('client_id');
    const refuse = (problem: EntraProblem) => {
      rejections.push({
        tenant,
        ...(clientId ? { clientId } : {}),
        status: problem.status,
        error: problem.error,
        code: problem.code,
      });
      answerProblem(response, problem);
      return problem.status;
    };
    if (!GUID.test(tenant) && !DOMAIN.test(tenant)) return refuse(P.badTenant(tenant));
    const tenantId = tenants.get(tenant.toLowerCase());
    if (tenantId === undefined) return refuse(P.unknownTenant(tenant));
    const grantType = fields.get('grant_type');
    if (!grantType) return refuse(P.missing('grant_type'));
    if (grantType !== 'client_credentials') return refuse(P.unsupportedGrant(grantType));
    if (!clientId) return refuse(P.missing('client_id'));
    const scope = fields.get('scope');
    if (!scope) return refuse(P.missing('scope'));
    if (!scope.endsWith('/.default') || scope.includes(' ')) return refuse(P.scopeNotDefault(scope));
    if (!(MANAGEMENT_SCOPES as readonly string[]).includes(scope))
      return refuse(P.unknownResource(scope.slice(0, -'/.default'.length), tenantId));
    const secret = fields.get('client_secret');
    if (!secret) return refuse(P.noSecret());
    const app = apps.get(`${tenantId}|${clientId.toLowerCase()}`);
    if (!app) return refuse(P.unknownApp(clientId, tenantId));
    if (secret !== app.clientSecret) return refuse(P.wrongSecret(app.clientId));
    if (app.expired) return refuse(P.expiredSecret(app.clientId));

    const issuedAt = Math.floor(now() / 1000);
    const resource = scope.slice(0, -'/.default'.length);
    const token = mintToken(
      options.tokens ?? 'jwt',
      {
        aud: resource,
        iss: `https://sts.windows.net/${tenantId}/`,
        iat: issuedAt,
        nbf: issuedAt,
        exp: issuedAt + TOKEN_LIFE_S,
        appid: app.clientId,
        oid: app.objectId,
        sub: app.objectId,
        tid: tenantId,
        ver: '1.0',
      },
      key,
    );
    const record: IssuedEntraToken = {
      token,
      tenantId,
      clientId: app.clientId,
      objectId: app.objectId,
      scope,
      expiresAt: (issuedAt + TOKEN_LIFE_S) * 1000,
    };
    issued.push(record);
    byToken.set(token, record);
    sendJson(response, 200, {
      token_type: 'Bearer',
      expires_in: TOKEN_LIFE_S,
      ext_expires_in: TOKEN_LIFE_S,
      access_token: token,
    });
    return 200;
  }

  const server = createServer((request, response) => {
    const tenant = TOKEN_PATH.exec(new URL(request.url ?? '/', 'http://entra.invalid').pathname)?.[1] ?? '';
    handle(request, response)
      .then((status) => requests.push({ tenant, status }))
      .catch((error: Error) => {
        if (!response.headersSent) sendJson(response, 500, { error: 'server_error', message: error.message });
      });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: origin,
    violations,
    rejections,
    issued,
    requests,
    addTenant(tenantId, tenantOptions = {}) {
      tenants.set(tenantId.toLowerCase(), tenantId);
      if (tenantOptions.domain) tenants.set(tenantOptions.domain.toLowerCase(), tenantId);
    },
    addApp(app) {
      if (!tenants.has(app.tenantId.toLowerCase())) throw new Error(`unknown tenant ${app.tenantId}`);
      apps.set(`${app.tenantId}|${app.clientId.toLowerCase()}`, { ...app, objectId: randomUUID() });
    },
    setSecretExpired(clientId, expired) {
      for (const [id, app] of apps) if (app.clientId === clientId) apps.set(id, { ...app, expired });
    },
    lookup(token) {
      const found = byToken.get(token);
      return found && found.expiresAt > now() ? found : undefined;
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

import { randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { principalOf } from './guard.js';
import { canRead, errorsBody, type FakeHarborStore, isAdmin, type Principal } from './state.js';

/**
 * Harbor's registry side, as Harbor builds it: its core answers `/service/token` (Docker token
 * authentication, the grants decided by Harbor's own users, robots and projects) and stands in front of
 * a real distribution registry for `/v2/`, checking the bearer token's grants before it passes a
 * request on with the registry's own credentials. Nothing of the distribution API is faked: manifests,
 * digests and tags come from the registry behind.
 */

/** The real registry behind the front, and the account the front uses on it. */
export interface RegistryTarget {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly username: string;
  readonly password: string;
}

/** One request to the registry side, for assertions. */
export interface RegistryExchange {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** The token request's scopes, or the scope a `/v2/` request needed. */
  readonly scopes: readonly string[];
}

export const TOKEN_SERVICE = 'harbor-registry';
const TOKEN_LIFE_S = 1800;

interface Grant {
  readonly access: ReadonlySet<string>;
  readonly expiresAt: number;
}

/** A handler for the contract server's `outside` option; false for paths it does not serve. */
export function createRegistryFront(options: {
  readonly store: FakeHarborStore;
  readonly origin: () => string;
  readonly target: () => RegistryTarget | undefined;
  readonly exchanges: RegistryExchange[];
}) {
  const tokens = new Map<string, Grant>();
  const send = (
    outgoing: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    outgoing.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    outgoing.end(JSON.stringify(body));
  };

  function token(incoming: IncomingMessage, url: URL, outgoing: ServerResponse): number {
    const authorization = incoming.headers.authorization;
    const { principal } = principalOf(options.store, authorization);
    // Unlike the API, the token service refuses wrong credentials outright.
    if (authorization !== undefined && principal.kind === 'anonymous') {
      send(outgoing, 401, errorsBody('UNAUTHORIZED', 'authentication failed'));
      return 401;
    }
    const access = new Set(url.searchParams.getAll('scope').flatMap((scope) => granted(principal, scope)));
    const value = randomBytes(24).toString('base64url');
    tokens.set(value, { access, expiresAt: Date.now() + TOKEN_LIFE_S * 1000 });
    send(outgoing, 200, {
      token: value,
      access_token: value,
      expires_in: TOKEN_LIFE_S,
      issued_at: new Date().toISOString(),
    });
    return 200;
  }

  /** What a principal gets of a scope: `pull` on readable projects' repositories, the catalog for admins. */
  function granted(principal: Principal, scope: string): string[] {
    if (scope === 'registry:catalog:*') return isAdmin(principal) ? [scope] : [];
    const match = /^repository:([^:]+):(.+)$/.exec(scope);
    if (!match?.[1] || !match[2]?.split(',').includes('pull')) return [];
    const project = options.store.projects.get(match[1].split('/')[0] ?? '');
    return project && canRead(principal, project) ? [`repository:${match[1]}:pull`] : [];
  }

  function registry(incoming: IncomingMessage, url: URL, outgoing: ServerResponse): number {
    const path = url.pathname;
    const repository = /^\/v2\/(.+?)\/(?:manifests|tags|blobs|referrers)\//.exec(path)?.[1];
    const needed =
      path === '/v2/'
        ? undefined
        : path === '/v2/_catalog'
          ? 'registry:catalog:*'
          : repository
            ? `repository:${repository}:pull`
            : null;
    if (needed === null) {
      send(outgoing, 404, errorsBody('NOT_FOUND', 'not found'));
      return 404;
    }
    const bearer = /^Bearer\s+(\S+)$/i.exec(incoming.headers.authorization ?? '')?.[1];
    const grant = bearer === undefined ? undefined : tokens.get(bearer);
    const valid = grant !== undefined && grant.expiresAt > Date.now();
    if (!valid || (needed !== undefined && !grant.access.has(needed))) {
      const scope = needed ? `,scope="${needed}"` : '';
      const error = valid ? ',error="insufficient_scope"' : '';
      const realm = `${options.origin()}/service/token`;
      send(outgoing, 401, errorsBody('UNAUTHORIZED', 'unauthorized to access repository'), {
        'www-authenticate': `Bearer realm="${realm}",service="${TOKEN_SERVICE}"${scope}${error}`,
        'docker-distribution-api-version': 'registry/2.0',
      });
      return 401;
    }
    const target = options.target();
    if (!target) {
      send(outgoing, 503, errorsBody('UNAVAILABLE', 'no registry behind this fake Harbor'));
      return 503;
    }
    forward(incoming, url, target, outgoing);
    return 0;
  }

  return (incoming: IncomingMessage, outgoing: ServerResponse): boolean => {
    const url = new URL(incoming.url ?? '/', 'http://fake.invalid');
    const record = (status: number, scopes: readonly string[]) =>
      options.exchanges.push({ method: incoming.method ?? 'GET', path: url.pathname, status, scopes });
    if (url.pathname === '/service/token') {
      record(token(incoming, url, outgoing), url.searchParams.getAll('scope'));
      return true;
    }
    if (url.pathname === '/v2' || url.pathname.startsWith('/v2/')) {
      if (url.pathname === '/v2') url.pathname = '/v2/';
      const status = registry(incoming, url, outgoing);
      if (status !== 0) record(status, []);
      else outgoing.on('finish', () => record(outgoing.statusCode, []));
      return true;
    }
    return false;
  };
}

/** Passes the request on to the registry with the front's own Basic credentials; the answer comes back as is. */
function forward(incoming: IncomingMessage, url: URL, target: RegistryTarget, outgoing: ServerResponse) {
  const destination = new URL(`${url.pathname}${url.search}`, target.url);
  const basic = Buffer.from(`${target.username}:${target.password}`).toString('base64');
  const upstream = httpRequest(
    destination,
    {
      method: incoming.method,
      headers: {
        ...(incoming.headers.accept ? { accept: incoming.headers.accept } : {}),
        authorization: `Basic ${basic}`,
      },
    },
    (answer) => {
      const headers = { ...answer.headers };
      delete headers['www-authenticate'];
      delete headers.connection;
      delete headers['keep-alive'];
      outgoing.writeHead(answer.statusCode ?? 502, headers);
      answer.pipe(outgoing);
    },
  );
  upstream.on('error', (error) => {
    if (!outgoing.headersSent) outgoing.writeHead(502, { 'content-type': 'text/plain' });
    outgoing.end(`registry unreachable: ${error.message}`);
  });
  upstream.end();
}

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake HashiCorp Vault on loopback that follows the documented HTTP API for what the vault store
 * uses, and refuses everything else the way Vault does:
 *
 * - KV v2 read: `GET /v1/<mount>/data/<path>[?version=N]` → `{ data: { data, metadata: { created_time,
 *   custom_metadata, deletion_time, destroyed, version } }, lease_id, renewable, lease_duration, … }`
 *   (developer.hashicorp.com/vault/api-docs/secret/kv/kv-v2#read-secret-version).
 * - Missing secret or version: 404 `{"errors":[]}`; no, unknown or expired token, or a path outside
 *   the token's policy: 403 `{"errors":["permission denied"]}`.
 * - AppRole login: `POST /v1/auth/approle/login` `{role_id, secret_id}` → `{ auth: { client_token,
 *   accessor, policies, token_policies, metadata, lease_duration, renewable }, … }`; a wrong pair is
 *   400 `{"errors":["invalid role or secret ID"]}` (api-docs/auth/approle#login-with-approle).
 * - Token renewal: `POST /v1/auth/token/renew-self` with `X-Vault-Token` → the same `auth` shape.
 * - Namespaces: with `namespace` set, requests without a matching `X-Vault-Namespace` are refused
 *   with 403, as a token from one namespace is unknown in another.
 */
export interface FakeVault {
  readonly address: string;
  readonly requests: { method: string; path: string; headers: IncomingMessage['headers']; body: string }[];
  /** Writes a new version of `path` (under the mount); returns the version. */
  put(path: string, data: Record<string, unknown>): number;
  /** A token that may read paths starting with one of `prefixes` (after the mount). */
  issueToken(prefixes: readonly string[], ttlSeconds?: number): string;
  /** An AppRole whose tokens may read `prefixes`. */
  addRole(
    prefixes: readonly string[],
    options?: { ttlSeconds?: number; renewable?: boolean },
  ): {
    roleId: string;
    secretId: string;
  };
  /** Every token stops working (as after a revocation or a restore). */
  revokeAllTokens(): void;
  /** The next `count` requests fail with `status`. */
  failNext(count: number, status?: number): void;
  close(): Promise<void>;
}

interface Token {
  readonly prefixes: readonly string[];
  expiresAt: number;
  readonly ttlSeconds: number;
  readonly renewable: boolean;
}

export async function startFakeVault(
  options: { mount?: string; namespace?: string; now?: () => number } = {},
): Promise<FakeVault> {
  const mount = options.mount ?? 'secret';
  const now = options.now ?? Date.now;
  const secrets = new Map<string, { data: Record<string, unknown>; created: string }[]>();
  const tokens = new Map<string, Token>();
  const roles = new Map<
    string,
    { secretId: string; prefixes: readonly string[]; ttlSeconds: number; renewable: boolean }
  >();
  const requests: FakeVault['requests'] = [];
  let failures = { count: 0, status: 503 };

  const send = (response: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    response.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
    });
    response.end(text);
  };
  const denied = (response: ServerResponse) => send(response, 403, { errors: ['permission denied'] });
  const envelope = (fields: object) => ({
    request_id: randomUUID(),
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data: null,
    wrap_info: null,
    warnings: null,
    auth: null,
    ...fields,
  });
  const tokenOf = (request: IncomingMessage): Token | undefined => {
    const value = request.headers['x-vault-token'];
    const token = typeof value === 'string' ? tokens.get(value) : undefined;
    return token && token.expiresAt > now() ? token : undefined;
  };
  const authAnswer = (client: string, token: Token) =>
    envelope({
      auth: {
        client_token: client,
        accessor: randomUUID(),
        policies: ['default', 'integrations'],
        token_policies: ['default', 'integrations'],
        metadata: null,
        lease_duration: token.ttlSeconds,
        renewable: token.renewable,
      },
    });

  function handle(request: IncomingMessage, response: ServerResponse, body: string) {
    const url = new URL(request.url ?? '/', 'http://vault');
    if (failures.count > 0) {
      failures.count -= 1;
      return send(response, failures.status, { errors: ['Vault is sealed'] });
    }
    if (options.namespace && request.headers['x-vault-namespace'] !== options.namespace)
      return denied(response);
    // Vault refuses paths that try to climb (its router cleans them and rejects '..').
    if (url.pathname.includes('/../') || url.pathname.includes('//') || /%2e%2e/i.test(url.pathname)) {
      return send(response, 400, { errors: ['invalid path'] });
    }

    if (url.pathname === '/v1/auth/approle/login') {
      if (request.method !== 'POST') return send(response, 405, { errors: [] });
      let input: { role_id?: unknown; secret_id?: unknown };
      try {
        input = JSON.parse(body) as typeof input;
      } catch {
        return send(response, 400, { errors: ['failed to parse JSON input'] });
      }
      const role = typeof input.role_id === 'string' ? roles.get(input.role_id) : undefined;
      if (!role || role.secretId !== input.secret_id) {
        return send(response, 400, { errors: ['invalid role or secret ID'] });
      }
      const client = `hvs.${randomUUID()}`;
      const token = {
        prefixes: role.prefixes,
        expiresAt: now() + role.ttlSeconds * 1000,
        ttlSeconds: role.ttlSeconds,
        renewable: role.renewable,
      };
      tokens.set(client, token);
      return send(response, 200, authAnswer(client, token));
    }

    if (url.pathname === '/v1/auth/token/renew-self') {
      if (request.method !== 'POST') return send(response, 405, { errors: [] });
      const token = tokenOf(request);
      if (!token?.renewable) return denied(response);
      token.expiresAt = now() + token.ttlSeconds * 1000;
      return send(response, 200, authAnswer(String(request.headers['x-vault-token']), token));
    }

    const dataPrefix = `/v1/${mount}/data/`;
    if (url.pathname.startsWith(dataPrefix)) {
      if (request.method !== 'GET') return send(response, 405, { errors: [] });
      const token = tokenOf(request);
      if (!token) return denied(response);
      const path = decodeURIComponent(url.pathname.slice(dataPrefix.length));
      if (!token.prefixes.some((prefix) => path.startsWith(prefix))) return denied(response);
      const versions = secrets.get(path);
      const wanted = url.searchParams.has('version') ? Number(url.searchParams.get('version')) : 0;
      const version = wanted === 0 ? (versions?.length ?? 0) : wanted;
      const found = versions?.[version - 1];
      if (!found) return send(response, 404, { errors: [] });
      return send(
        response,
        200,
        envelope({
          data: {
            data: found.data,
            metadata: {
              created_time: found.created,
              custom_metadata: null,
              deletion_time: '',
              destroyed: false,
              version,
            },
          },
        }),
      );
    }
    return send(response, 404, { errors: [] });
  }

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body,
      });
      handle(request, response, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    address: `http://127.0.0.1:${port}`,
    requests,
    put(path, data) {
      const versions = secrets.get(path) ?? [];
      versions.push({ data, created: new Date(now()).toISOString() });
      secrets.set(path, versions);
      return versions.length;
    },
    issueToken(prefixes, ttlSeconds = 0) {
      const client = `hvs.${randomUUID()}`;
      tokens.set(client, {
        prefixes,
        expiresAt: ttlSeconds > 0 ? now() + ttlSeconds * 1000 : Number.POSITIVE_INFINITY,
        ttlSeconds,
        renewable: false,
      });
      return client;
    },
    addRole(prefixes, roleOptions = {}) {
      const roleId = randomUUID();
      const secretId = randomUUID();
      roles.set(roleId, {
        secretId,
        prefixes,
        ttlSeconds: roleOptions.ttlSeconds ?? 1200,
        renewable: roleOptions.renewable ?? true,
      });
      return { roleId, secretId };
    },
    revokeAllTokens() {
      tokens.clear();
    },
    failNext(count, status = 503) {
      failures = { count, status };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

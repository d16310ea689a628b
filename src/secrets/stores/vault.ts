import { AppError, ConfigError, NotFoundError, UpstreamError } from '../../core/errors.js';
import type { HttpClient, HttpResponse } from '../../net/index.js';
import { Secret } from '../secret.js';
import type { SecretStore } from './contract.js';
import { selectValue } from './select-value.js';
import { createVaultAuth, type VaultAuthConfig } from './vault-auth.js';

/** A Vault path segment from configuration (mount, prefix): no dots-only segment, nothing to escape. */
export const VAULT_CONFIG_SEGMENT = /^(?!\.{1,2}$)[A-Za-z0-9_.-]+$/;
const TENANT_SEGMENT = /^(?!\.{1,2}$)(?!.*\.\.)[A-Za-z0-9_.:@-]+$/;

export interface VaultStoreOptions {
  readonly name: string;
  /** `https://vault.example.com:8200`, optionally with a path prefix (behind a proxy). */
  readonly address: string;
  /** Vault Enterprise namespace, sent as `X-Vault-Namespace`. */
  readonly namespace?: string | null;
  /** Where KV v2 is mounted (default `secret`); may have several segments (`kv/team`). */
  readonly mount?: string;
  /**
   * Put before every reference path, segment by segment, with `{tenantId}` replaced by the caller's
   * tenant (default `tenants/{tenantId}`). References cannot climb out of it: the parser refuses
   * `..`, `.`, empty segments and encoded slashes.
   */
  readonly pathPrefix?: string;
  readonly auth: VaultAuthConfig;
  readonly http: HttpClient;
  /** Budget per read, retries included (default 10 s). */
  readonly timeoutMs?: number;
  readonly now?: () => number;
}

/** Vault's KV v2 read answer; only the fields used (api-docs/secret/kv/kv-v2#read-secret-version). */
interface KvReadAnswer {
  readonly data?: {
    readonly data?: unknown;
    readonly metadata?: { readonly version?: unknown } | null;
  } | null;
}

/**
 * HashiCorp Vault KV version 2 over our `HttpClient`:
 * `GET {address}/v1/{mount}/data/{pathPrefix}/{path}[?version=N]` → `data.data` (the `#key` picks a
 * field), `data.metadata.version` is the version. 404 → not found; 403 → the token is refreshed
 * once (re-login for AppRole), then permission denied; 5xx and network failures → transient.
 *
 * @example
 * createVaultStore({ name: 'vault-prod', address: 'https://vault.internal:8200', auth: { method: 'token', token }, http });
 */
export function createVaultStore(options: VaultStoreOptions): SecretStore {
  const base = new URL(options.address);
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  const mount = splitConfigPath(options.mount ?? 'secret', 'mount', options.name);
  const prefix = (options.pathPrefix ?? 'tenants/{tenantId}').split('/').filter((s) => s !== '');
  for (const segment of prefix) {
    if (segment !== '{tenantId}' && !VAULT_CONFIG_SEGMENT.test(segment)) {
      throw new ConfigError(`vault store '${options.name}': pathPrefix has an invalid segment`);
    }
  }
  const headers = (): Record<string, string> => ({
    'x-vault-request': 'true',
    ...(options.namespace ? { 'x-vault-namespace': options.namespace } : {}),
  });
  const auth = createVaultAuth(options.auth, {
    http: options.http,
    base,
    headers,
    storeName: options.name,
    now: options.now,
  });
  const unavailable = (error: unknown, what: string): never => {
    const transient = error instanceof UpstreamError ? error.isTransient : true;
    throw new UpstreamError(`secret store '${options.name}' ${what}`, {
      isTransient: transient,
      cause: error,
    });
  };

  async function read(url: URL, signal: AbortSignal | undefined): Promise<HttpResponse> {
    const token = await auth.token(signal);
    return options.http.request({
      method: 'GET',
      url,
      headers: { ...headers(), 'x-vault-token': token.reveal() },
      okStatuses: [403, 404],
      timeoutMs: options.timeoutMs ?? 10_000,
      signal,
      provider: 'vault',
      operation: 'kv2_read',
    });
  }

  return {
    name: options.name,
    type: 'vault',
    params: ['version'],
    async resolve(ref, context) {
      if (!TENANT_SEGMENT.test(context.tenantId)) {
        throw new AppError('tenant_unsupported', `vault store '${options.name}' cannot serve this tenant id`);
      }
      const segments = [
        ...mount,
        'data',
        ...prefix.map((s) => (s === '{tenantId}' ? context.tenantId : s)),
        ...ref.path,
      ];
      const url = new URL(`v1/${segments.map(encodeURIComponent).join('/')}`, base);
      if (ref.params.version !== undefined) url.searchParams.set('version', String(ref.params.version));

      let response: HttpResponse;
      try {
        response = await read(url, context.signal);
        if (response.status === 403) {
          auth.invalidate();
          response = await read(url, context.signal);
        }
      } catch (error) {
        return unavailable(error, 'could not be read');
      }
      if (response.status === 404) throw new NotFoundError('secret', ref.canonical);
      if (response.status === 403) {
        throw new UpstreamError(
          `secret store '${options.name}' refused access to the secret (permission denied)`,
          {
            isTransient: false,
          },
        );
      }
      const { data, version } = parseKvAnswer(response, options.name);
      return { value: selectValue({ content: data, format: 'json' }, ref), version };
    },
  };
}

function parseKvAnswer(response: HttpResponse, store: string): { data: Secret; version: string | null } {
  let answer: KvReadAnswer;
  try {
    answer = JSON.parse(response.text()) as KvReadAnswer;
  } catch {
    // Our own error, without the body: a 200 answer carries the secret.
    throw new UpstreamError(`secret store '${store}' answered with a body that is not JSON`, {
      isTransient: false,
    });
  }
  const data = answer.data?.data;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new UpstreamError(
      `secret store '${store}' answered without data.data (is the mount KV version 2?)`,
      {
        isTransient: false,
      },
    );
  }
  const version = answer.data?.metadata?.version;
  return {
    data: Secret.from(JSON.stringify(data)),
    version: typeof version === 'number' ? String(version) : null,
  };
}

function splitConfigPath(path: string, what: string, store: string): string[] {
  const segments = path.split('/').filter((s) => s !== '');
  if (segments.length === 0 || !segments.every((s) => VAULT_CONFIG_SEGMENT.test(s))) {
    throw new ConfigError(`vault store '${store}': ${what} has an invalid segment`);
  }
  return segments;
}

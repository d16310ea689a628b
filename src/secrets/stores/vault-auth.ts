import { UpstreamError } from '../../core/errors.js';
import type { HttpClient } from '../../net/index.js';
import { Secret } from '../secret.js';

/**
 * How the vault store gets its Vault token. A static token is read through a bootstrap reference
 * (`authref://env/…` or `authref://file/…`) and read again after a 403 (it may have been rotated).
 * AppRole logs in at `POST /v1/auth/<mount>/login` with `role_id` and `secret_id`, keeps the token
 * until shortly before its lease ends, renews it (`POST /v1/auth/token/renew-self`) past half its
 * lease when it is renewable, and logs in again when renewal fails or Vault answers 403.
 * (developer.hashicorp.com/vault/api-docs/auth/approle#login-with-approle,
 * /vault/api-docs/auth/token#renew-a-token-self)
 */
export type VaultAuthConfig =
  | { readonly method: 'token'; readonly token: () => Promise<Secret> }
  | {
      readonly method: 'approle';
      readonly roleId: string;
      readonly secretId: () => Promise<Secret>;
      /** Where AppRole is mounted (default `approle`). */
      readonly mount?: string;
    };

export interface VaultAuth {
  /** A token to send (cached). */
  token(signal?: AbortSignal): Promise<Secret>;
  /** Forget the token after Vault refused it; the next `token()` fetches a fresh one. */
  invalidate(): void;
}

export interface VaultAuthDeps {
  readonly http: HttpClient;
  /** `new URL('/v1/…', base)` must land on Vault's API: the address with a trailing slash. */
  readonly base: URL;
  readonly headers: () => Record<string, string>;
  readonly storeName: string;
  readonly now?: () => number;
}

/** Vault's answer to a login or renewal; only the fields used. */
interface AuthAnswer {
  readonly auth?: { client_token?: unknown; lease_duration?: unknown; renewable?: unknown } | null;
}

interface HeldToken {
  readonly value: Secret;
  /** 0: no expiry (a root or periodic token without TTL). */
  readonly expiresAt: number;
  readonly renewAt: number;
  readonly renewable: boolean;
}

/** Seconds before expiry at which a token is no longer used. */
const EXPIRY_MARGIN_MS = 10_000;

export function createVaultAuth(config: VaultAuthConfig, deps: VaultAuthDeps): VaultAuth {
  const now = deps.now ?? Date.now;
  let held: HeldToken | undefined;
  let pending: Promise<HeldToken> | undefined;

  const url = (path: string) => new URL(path, deps.base);

  function fromAnswer(body: string, what: string): HeldToken {
    let answer: AuthAnswer;
    try {
      answer = JSON.parse(body) as AuthAnswer;
    } catch {
      throw new UpstreamError(`vault store '${deps.storeName}': the ${what} answer is not JSON`, {
        isTransient: false,
      });
    }
    const auth = answer.auth;
    if (!auth || typeof auth.client_token !== 'string' || auth.client_token === '') {
      throw new UpstreamError(`vault store '${deps.storeName}': the ${what} answer holds no client token`, {
        isTransient: false,
      });
    }
    const leaseMs = typeof auth.lease_duration === 'number' ? auth.lease_duration * 1000 : 0;
    const at = now();
    return {
      value: Secret.from(auth.client_token),
      expiresAt: leaseMs > 0 ? at + leaseMs : 0,
      renewAt: leaseMs > 0 ? at + leaseMs / 2 : 0,
      renewable: auth.renewable === true,
    };
  }

  async function login(signal?: AbortSignal): Promise<HeldToken> {
    if (config.method === 'token') {
      const value = await config.token();
      return { value, expiresAt: 0, renewAt: 0, renewable: false };
    }
    const secretId = await config.secretId();
    const response = await deps.http.request({
      method: 'POST',
      url: url(`v1/auth/${config.mount ?? 'approle'}/login`),
      headers: deps.headers(),
      json: { role_id: config.roleId, secret_id: secretId.reveal() },
      okStatuses: [400, 403],
      signal,
      provider: 'vault',
      operation: 'approle_login',
    });
    secretId.dispose();
    if (response.status !== 200) {
      throw new UpstreamError(
        `vault store '${deps.storeName}': AppRole login was refused (HTTP ${response.status}); check role_id and secret_id`,
        { isTransient: false },
      );
    }
    return fromAnswer(response.text(), 'AppRole login');
  }

  async function renew(token: HeldToken, signal?: AbortSignal): Promise<HeldToken> {
    const response = await deps.http.request({
      method: 'POST',
      url: url('v1/auth/token/renew-self'),
      headers: { ...deps.headers(), 'x-vault-token': token.value.reveal() },
      json: {},
      okStatuses: [400, 403],
      signal,
      provider: 'vault',
      operation: 'token_renew',
    });
    if (response.status !== 200) throw new Error('renewal refused');
    return fromAnswer(response.text(), 'token renewal');
  }

  async function fetchToken(signal?: AbortSignal): Promise<HeldToken> {
    const current = held;
    if (
      current &&
      config.method === 'approle' &&
      current.renewable &&
      current.expiresAt - EXPIRY_MARGIN_MS > now()
    ) {
      try {
        return await renew(current, signal);
      } catch {
        // Renewal failed (max TTL reached, token revoked): log in again below.
      }
    }
    return login(signal);
  }

  return {
    async token(signal) {
      const current = held;
      const at = now();
      const usable = current && (current.expiresAt === 0 || at < current.expiresAt - EXPIRY_MARGIN_MS);
      const due = current && current.renewAt !== 0 && at >= current.renewAt;
      if (current && usable && !due) return current.value;
      pending ??= fetchToken(signal).finally(() => {
        pending = undefined;
      });
      const next = await pending;
      // Replaced tokens are dropped, not zeroed: a request may be about to send one.
      held = next;
      return next.value;
    },

    invalidate() {
      held = undefined;
    },
  };
}

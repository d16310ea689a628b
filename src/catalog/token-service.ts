import { hash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError, NotFoundError, UnauthenticatedError } from '../core/errors.js';
import { isUuid } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { Principal, Scope } from '../core/scopes.js';
import { isUniqueViolation } from '../store/rows.js';
import type { Store } from '../store/store.js';
import type { StoredToken } from '../store/token-repository.js';

/** Tokens start with this, so secret scanners and people can recognise one. */
export const TOKEN_PREFIX = 'intg_';
const TOKEN_PATTERN = /^intg_[A-Za-z0-9_-]{43}$/;
/** Fixed id of the first admin token, so instances starting together create it once. */
const BOOTSTRAP_TOKEN_ID = '00000000-0000-7000-8000-000000000001';
const CACHE_TTL_MS = 5_000;
const CACHE_MAX = 10_000;
const TOUCH_INTERVAL_MS = 60_000;

export const TENANT_ID_PATTERN = '^[a-z0-9][a-z0-9_-]{0,62}$';

/** A token as shown to its owner: never the secret or its hash. */
export interface TokenView {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  readonly scopes: Scope[];
  readonly createdAt: string;
  readonly createdBy: string;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

export interface CreateTokenInput {
  readonly tenantId: string;
  readonly name: string;
  readonly scopes: readonly Scope[];
  readonly createdBy: string;
}

export interface TokenService {
  /** Creates a token and returns its secret, the only time it is ever shown. */
  create(input: CreateTokenInput): Promise<{ token: string; view: TokenView }>;
  /**
   * Resolves `Authorization: Bearer …` to a principal, or throws `UnauthenticatedError`. A token
   * seen in the last few seconds is answered at once, without a promise: every API request asks.
   */
  authenticate(authorization: string | undefined): Principal | Promise<Principal>;
  list(tenantId: string | null): Promise<TokenView[]>;
  revoke(tenantId: string, id: string): Promise<void>;
  /**
   * On first start with no tokens at all, creates the admin token of tenant `default` from
   * `adminToken` or a generated one written to `<dataDir>/admin-token` (mode 0600).
   */
  bootstrap(options: { dataDir: string; adminToken: string | null }): Promise<void>;
}

export interface TokenServiceDeps {
  readonly store: Store;
  readonly newId: () => string;
  readonly now: () => Date;
  readonly logger: Logger;
}

export function hashToken(token: string): string {
  return hash('sha256', token, 'hex');
}

export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function createTokenService(deps: TokenServiceDeps): TokenService {
  const { store, newId, now, logger } = deps;
  /** By token hash: the stored token (revoked ones too) and the principal it makes. */
  const cache = new Map<string, { token: StoredToken; principal: Principal; until: number }>();
  const lastTouched = new Map<string, number>();

  function validate(input: CreateTokenInput): void {
    if (!new RegExp(TENANT_ID_PATTERN).test(input.tenantId)) {
      throw InvalidInputError.field('/tenantId', `must match ${TENANT_ID_PATTERN}`);
    }
    if (input.scopes.length === 0) throw InvalidInputError.field('/scopes', 'must name at least one scope');
    if (input.name.length === 0 || input.name.length > 100)
      throw InvalidInputError.field('/name', 'must be 1 to 100 characters');
  }

  async function insert(input: CreateTokenInput, token: string, id: string): Promise<TokenView> {
    const stored: StoredToken = {
      id,
      tenantId: input.tenantId,
      name: input.name,
      tokenHash: hashToken(token),
      scopes: [...new Set(input.scopes)],
      createdAt: now().toISOString(),
      createdBy: input.createdBy,
      lastUsedAt: null,
      revokedAt: null,
    };
    await store.tokens.insert(stored);
    return view(stored);
  }

  async function lookup(tokenHash: string): Promise<Principal> {
    const token = await store.tokens.findByHash(tokenHash);
    if (!token) return admit(undefined);
    const principal: Principal = Object.freeze({
      tenantId: token.tenantId,
      tokenId: token.id,
      actor: `token:${token.name}`,
      scopes: Object.freeze([...token.scopes]),
    });
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(tokenHash, { token, principal, until: Date.now() + CACHE_TTL_MS });
    return admit(token, principal);
  }

  /** Refuses a missing or revoked token; records its use (at most once a minute per token). */
  function admit(token: StoredToken | undefined, principal?: Principal): Principal {
    if (!token || !principal || token.revokedAt !== null)
      throw new UnauthenticatedError('the token is not valid or was revoked');
    const at = Date.now();
    if ((lastTouched.get(token.id) ?? 0) + TOUCH_INTERVAL_MS < at) {
      lastTouched.set(token.id, at);
      store.tokens.touch(token.id, new Date(at).toISOString()).catch((error: unknown) => {
        logger.warn({ err: error, tokenId: token.id }, 'could not record token use');
      });
    }
    return principal;
  }

  return {
    async create(input) {
      validate(input);
      const token = generateToken();
      return { token, view: await insert(input, token, newId()) };
    },

    authenticate(authorization) {
      const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? '');
      if (!match) throw new UnauthenticatedError('send Authorization: Bearer <token>');
      const secret = match[1]!;
      if (!TOKEN_PATTERN.test(secret) && secret.length < 32)
        throw new UnauthenticatedError('the token is not valid');
      const tokenHash = hashToken(secret);
      const cached = cache.get(tokenHash);
      if (cached && cached.until > Date.now()) return admit(cached.token, cached.principal);
      return lookup(tokenHash);
    },

    async list(tenantId) {
      return (await store.tokens.list(tenantId)).map(view);
    },

    async revoke(tenantId, id) {
      if (!isUuid(id) || !(await store.tokens.revoke(tenantId, id, now().toISOString())))
        throw new NotFoundError('token', id);
      for (const [tokenHash, entry] of cache) if (entry.token.id === id) cache.delete(tokenHash);
      logger.info({ tokenId: id, tenantId }, 'token revoked');
    },

    async bootstrap({ dataDir, adminToken }) {
      if ((await store.tokens.count()) > 0) return;
      const token = adminToken ?? generateToken();
      const input: CreateTokenInput = {
        tenantId: 'default',
        name: 'bootstrap-admin',
        scopes: ['integrations:admin'],
        createdBy: 'system',
      };
      try {
        await insert(input, token, BOOTSTRAP_TOKEN_ID);
      } catch (error) {
        if (isUniqueViolation(error)) return; // another instance bootstrapped at the same moment
        throw error;
      }
      if (adminToken) {
        logger.info(
          { tenantId: 'default' },
          'created the admin token of tenant default from INTEGRATIONS_ADMIN_TOKEN',
        );
        return;
      }
      const path = join(dataDir, 'admin-token');
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      writeFileSync(path, `${token}\n`, { mode: 0o600 });
      chmodSync(path, 0o600);
      logger.info(
        { tenantId: 'default', path },
        `created an admin token for tenant default; it is in ${path}`,
      );
    },
  };
}

function view(token: StoredToken): TokenView {
  const { tokenHash: _hash, ...rest } = token;
  return rest;
}

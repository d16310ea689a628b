import type { Kysely, Selectable } from 'kysely';
import type { Scope } from '../core/scopes.js';
import { fromJson, toIso, toIsoOrNull } from './rows.js';
import type { ApiTokensTable, Tables } from './tables.js';

/** An API token as stored: only the hash of its secret. */
export interface StoredToken {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  readonly tokenHash: string;
  readonly scopes: Scope[];
  readonly createdAt: string;
  readonly createdBy: string;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

export interface TokenRepository {
  insert(token: StoredToken): Promise<void>;
  findByHash(tokenHash: string): Promise<StoredToken | undefined>;
  /** Tokens of one tenant (or of all tenants when `tenantId` is null), newest first. */
  list(tenantId: string | null): Promise<StoredToken[]>;
  revoke(tenantId: string, id: string, at: string): Promise<boolean>;
  touch(id: string, at: string): Promise<void>;
  count(): Promise<number>;
}

export function createTokenRepository(db: Kysely<Tables>): TokenRepository {
  return {
    async insert(token) {
      await db
        .insertInto('api_tokens')
        .values({
          id: token.id,
          tenant_id: token.tenantId,
          name: token.name,
          token_hash: token.tokenHash,
          scopes: JSON.stringify(token.scopes),
          created_at: token.createdAt,
          created_by: token.createdBy,
          last_used_at: token.lastUsedAt,
          revoked_at: token.revokedAt,
        })
        .execute();
    },

    async findByHash(tokenHash) {
      const row = await db
        .selectFrom('api_tokens')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst();
      return row && fromRow(row);
    },

    async list(tenantId) {
      let query = db.selectFrom('api_tokens').selectAll();
      if (tenantId !== null) query = query.where('tenant_id', '=', tenantId);
      const rows = await query.orderBy('id', 'desc').execute();
      return rows.map(fromRow);
    },

    async revoke(tenantId, id, at) {
      const result = await db
        .updateTable('api_tokens')
        .set({ revoked_at: at })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async touch(id, at) {
      await db.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
    },

    async count() {
      const row = await db
        .selectFrom('api_tokens')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}

function fromRow(row: Selectable<ApiTokensTable>): StoredToken {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    tokenHash: row.token_hash,
    scopes: fromJson<Scope[]>(row.scopes),
    createdAt: toIso(row.created_at),
    createdBy: row.created_by,
    lastUsedAt: toIsoOrNull(row.last_used_at),
    revokedAt: toIsoOrNull(row.revoked_at),
  };
}

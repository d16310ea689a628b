import type { Kysely } from 'kysely';
import { isUniqueViolation } from './rows.js';
import type { Tables } from './tables.js';

/** What the store knows of an idempotency key when a request claims it. */
export type IdempotencyClaim =
  | { readonly state: 'claimed' }
  | { readonly state: 'in_progress'; readonly fingerprint: string }
  | {
      readonly state: 'completed';
      readonly fingerprint: string;
      readonly statusCode: number;
      readonly body: string;
    };

export interface IdempotencyRepository {
  /** Claims `key` for a request with `fingerprint`, or reports what an earlier request left. */
  claim(tenantId: string, key: string, fingerprint: string, now: string): Promise<IdempotencyClaim>;
  complete(tenantId: string, key: string, statusCode: number, body: string): Promise<void>;
  /** Forgets a claim whose request failed in a way worth retrying. */
  release(tenantId: string, key: string): Promise<void>;
  /** Deletes keys created before `before`. */
  prune(before: string): Promise<number>;
}

export function createIdempotencyRepository(db: Kysely<Tables>): IdempotencyRepository {
  async function read(tenantId: string, key: string) {
    return db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('key', '=', key)
      .executeTakeFirst();
  }

  return {
    async claim(tenantId, key, fingerprint, now) {
      try {
        await db
          .insertInto('idempotency_keys')
          .values({
            tenant_id: tenantId,
            key,
            fingerprint,
            status_code: null,
            response_body: null,
            created_at: now,
          })
          .execute();
        return { state: 'claimed' };
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
      }
      const row = await read(tenantId, key);
      if (!row) return this.claim(tenantId, key, fingerprint, now);
      if (row.status_code === null || row.response_body === null) {
        return { state: 'in_progress', fingerprint: row.fingerprint };
      }
      return {
        state: 'completed',
        fingerprint: row.fingerprint,
        statusCode: row.status_code,
        body: row.response_body,
      };
    },

    async complete(tenantId, key, statusCode, body) {
      await db
        .updateTable('idempotency_keys')
        .set({ status_code: statusCode, response_body: body })
        .where('tenant_id', '=', tenantId)
        .where('key', '=', key)
        .execute();
    },

    async release(tenantId, key) {
      await db
        .deleteFrom('idempotency_keys')
        .where('tenant_id', '=', tenantId)
        .where('key', '=', key)
        .execute();
    },

    async prune(before) {
      const result = await db
        .deleteFrom('idempotency_keys')
        .where('created_at', '<', before)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

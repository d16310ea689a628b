import type { Kysely } from 'kysely';
import type { Tables } from './tables.js';

/**
 * Lock rows with a lease, the same on SQLite and PostgreSQL: a row per held key, taken over only once
 * its lease has run out (so a holder that died blocks others for one lease at most).
 */
export interface AnnotationLockRepository {
  /** Takes `key` for `holder` until `leaseUntil` if it is free or its lease ended before `now`. */
  tryAcquire(lock: {
    key: string;
    tenantId: string;
    holder: string;
    now: string;
    leaseUntil: string;
  }): Promise<boolean>;
  /** Extends the lease while `holder` still has it; false when it was lost. */
  renew(key: string, holder: string, leaseUntil: string): Promise<boolean>;
  release(key: string, holder: string): Promise<void>;
}

export function createAnnotationLockRepository(db: Kysely<Tables>): AnnotationLockRepository {
  return {
    async tryAcquire({ key, tenantId, holder, now, leaseUntil }) {
      // One statement: an insert, or a takeover of an expired lease. Under contention exactly one
      // writer sees its row come back (PostgreSQL serialises on the row; SQLite has one writer).
      const row = await db
        .insertInto('annotation_locks')
        .values({ lock_key: key, tenant_id: tenantId, holder, acquired_at: now, lease_until: leaseUntil })
        .onConflict((conflict) =>
          conflict
            .column('lock_key')
            .doUpdateSet({ holder, tenant_id: tenantId, acquired_at: now, lease_until: leaseUntil })
            .where('annotation_locks.lease_until', '<', now),
        )
        .returning('holder')
        .executeTakeFirst();
      return row?.holder === holder;
    },

    async renew(key, holder, leaseUntil) {
      const result = await db
        .updateTable('annotation_locks')
        .set({ lease_until: leaseUntil })
        .where('lock_key', '=', key)
        .where('holder', '=', holder)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async release(key, holder) {
      await db
        .deleteFrom('annotation_locks')
        .where('lock_key', '=', key)
        .where('holder', '=', holder)
        .execute();
    },
  };
}

import { type Database, pingDatabase } from '../store/database.js';
import { isMigrated } from '../store/migrate.js';

export interface Readiness {
  readonly ready: boolean;
  readonly checks: Record<string, { ok: boolean; message: string }>;
}

/** Whether this instance can serve: the database answers and its schema is current. */
export function createReadinessCheck(database: Database): () => Promise<Readiness> {
  let migrated = false;
  return async () => {
    const checks: Record<string, { ok: boolean; message: string }> = {};
    try {
      await pingDatabase(database);
      checks.database = { ok: true, message: `${database.dialect} answers` };
      migrated ||= await isMigrated(database);
      checks.migrations = migrated
        ? { ok: true, message: 'schema is current' }
        : { ok: false, message: 'migrations are pending' };
    } catch (error) {
      checks.database = { ok: false, message: `database unreachable: ${(error as Error).message}` };
    }
    return { ready: Object.values(checks).every((check) => check.ok), checks };
  };
}

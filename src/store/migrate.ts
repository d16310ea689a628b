import { type Migration, type MigrationResultSet, Migrator } from 'kysely';
import type { Database } from './database.js';
import { catalogMigration } from './migrations/0001-catalog.js';
import { columnTypes } from './migrations/column-types.js';

/** Every migration in order. Names sort lexically; never rename or edit one that has shipped. */
function migrations(database: Database): Record<string, Migration> {
  const types = columnTypes(database.dialect);
  return {
    '0001-catalog': catalogMigration(types),
  };
}

/**
 * Brings the schema up to date. Safe when several instances start at once: on PostgreSQL Kysely holds
 * an advisory lock for the run; on SQLite a second writer gets SQLITE_BUSY and tries again, finding
 * the work already done.
 */
export async function migrateToLatest(database: Database): Promise<string[]> {
  const migrator = new Migrator({
    db: database.db,
    provider: { getMigrations: async () => migrations(database) },
  });
  for (let attempt = 1; ; attempt += 1) {
    const result: MigrationResultSet = await migrator.migrateToLatest();
    if (!result.error) return (result.results ?? []).map((r) => r.migrationName);
    const busy = (result.error as { code?: string }).code?.startsWith('SQLITE_BUSY');
    if (!busy || attempt >= 20)
      throw new Error(`database migration failed: ${String(result.error)}`, { cause: result.error });
    await new Promise((done) => setTimeout(done, 50 * attempt));
  }
}

/** Whether every known migration has been applied (for readiness). */
export async function isMigrated(database: Database): Promise<boolean> {
  const migrator = new Migrator({
    db: database.db,
    provider: { getMigrations: async () => migrations(database) },
  });
  const all = await migrator.getMigrations();
  return all.every((m) => m.executedAt !== undefined);
}

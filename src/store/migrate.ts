import { type Migration, type MigrationResultSet, Migrator, sql } from 'kysely';
import type { Database } from './database.js';
import { catalogMigration } from './migrations/0001-catalog.js';
import { healthMigration } from './migrations/0002-health.js';
import { eventsMigration } from './migrations/0003-events.js';
import { secretsMigration } from './migrations/0004-secrets.js';
import { annotationsMigration } from './migrations/0005-annotations.js';
import { columnTypes } from './migrations/column-types.js';

/** Every migration in order. Names sort lexically; never rename or edit one that has shipped. */
function migrations(database: Database): Record<string, Migration> {
  const types = columnTypes(database.dialect);
  return {
    '0001-catalog': catalogMigration(types),
    '0002-health': healthMigration(types),
    '0003-events': eventsMigration(types, database.dialect),
    '0004-secrets': secretsMigration(types),
    '0005-annotations': annotationsMigration(types),
  };
}

/**
 * Brings the schema up to date. Safe when several instances start at once: on PostgreSQL Kysely holds
 * an advisory lock for the run; on SQLite the run is one transaction that takes the write lock when it
 * begins (see TransactionalSqliteAdapter in sqlite-thread.ts), so the runs take turns and a later one
 * finds the work done. Kysely creates its own tables before that transaction; should two connections
 * collide there, the loser tries again. A migration that is really broken fails on every try, leaves
 * nothing behind (DDL is transactional in both databases) and is reported after the last one.
 */
export async function migrateToLatest(database: Database): Promise<string[]> {
  const migrator = await createMigrator(database);
  const attempts = database.dialect === 'sqlite' ? 5 : 1;
  for (let attempt = 1; ; attempt += 1) {
    const result: MigrationResultSet = await migrator.migrateToLatest();
    if (!result.error) {
      return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    }
    if (attempt >= attempts) {
      throw new Error(`database migration failed: ${String(result.error)}`, { cause: result.error });
    }
    await new Promise((done) => setTimeout(done, 20 * attempt + Math.random() * 30));
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

/**
 * On PostgreSQL the migration tables are named in the connection's current schema: Kysely otherwise
 * looks for them in every schema and may find another deployment's (or test's) tables.
 */
async function createMigrator(database: Database): Promise<Migrator> {
  const migrationTableSchema =
    database.dialect === 'postgres'
      ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(database.db)).rows[0]
          ?.schema
      : undefined;
  return new Migrator({
    db: database.db,
    provider: { getMigrations: async () => migrations(database) },
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
  });
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Database, openDatabase } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createPostgresSchema, postgresAvailable } from './services.js';

/** A database a test suite can run against, and how to remove it afterwards. */
export interface TestDatabaseTarget {
  readonly dialect: 'sqlite' | 'postgres';
  /** Whether the target can run here (PostgreSQL may be absent on a developer's machine). */
  readonly available: boolean;
  /** Makes a fresh, empty database: a temp SQLite file or a new PostgreSQL schema. */
  create(): Promise<{ url: string; dataDir: string; dispose(): Promise<void> }>;
}

/** Both dialects, for suites that must behave the same on each (`describe.each`). */
export async function testDatabaseTargets(): Promise<TestDatabaseTarget[]> {
  const postgres = await postgresAvailable();
  return [
    {
      dialect: 'sqlite',
      available: true,
      async create() {
        const dataDir = mkdtempSync(join(tmpdir(), 'integrations-test-'));
        return {
          url: `sqlite://${join(dataDir, 'integrations.db')}`,
          dataDir,
          async dispose() {
            rmSync(dataDir, { recursive: true, force: true });
          },
        };
      },
    },
    {
      dialect: 'postgres',
      available: postgres,
      async create() {
        const dataDir = mkdtempSync(join(tmpdir(), 'integrations-test-'));
        const schema = await createPostgresSchema();
        return {
          url: schema.url,
          dataDir,
          async dispose() {
            await schema.drop();
            rmSync(dataDir, { recursive: true, force: true });
          },
        };
      },
    },
  ];
}

/** Opens and migrates a database on a target. */
export async function openTestDatabase(
  target: TestDatabaseTarget,
): Promise<{ database: Database; dispose(): Promise<void> }> {
  const created = await target.create();
  const database = openDatabase({ url: created.url, dataDir: created.dataDir, poolSize: 4 });
  await migrateToLatest(database);
  return {
    database,
    async dispose() {
      await database.close();
      await created.dispose();
    },
  };
}

import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { openSqliteThread } from './sqlite-thread.js';
import type { Tables } from './tables.js';

export type Dialect = 'sqlite' | 'postgres';

/** An open database: the query builder, which dialect it speaks, and how to close it. */
export interface Database {
  readonly db: Kysely<Tables>;
  readonly dialect: Dialect;
  /** Where the data lives, without credentials: a file path or `postgres://host:port/db`. */
  readonly location: string;
  /**
   * SQLite only: `PRAGMA data_version` of the connection, which changes when another connection
   * commits to the file; the value last reported by the SQLite thread, so reading it costs nothing.
   * The integration cache checks it (see integration-cache.ts).
   */
  readonly dataVersion?: () => number;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** A postgres:// URL, a sqlite://path URL, or null for `<dataDir>/integrations.db`. */
  readonly url: string | null;
  readonly dataDir: string;
  /** PostgreSQL pool size. */
  readonly poolSize?: number;
}

/**
 * Opens SQLite (the embedded default) or PostgreSQL, as the URL says.
 *
 * @example
 * const database = openDatabase({ url: process.env.DATABASE_URL ?? null, dataDir: './data' });
 */
export function openDatabase(options: DatabaseOptions): Database {
  if (options.url && /^postgres(ql)?:\/\//.test(options.url))
    return openPostgres(options.url, options.poolSize);
  const filename = options.url?.startsWith('sqlite://')
    ? options.url.slice('sqlite://'.length)
    : join(options.dataDir, 'integrations.db');
  return openSqlite(filename);
}

function openSqlite(filename: string): Database {
  if (filename !== ':memory:') mkdirSync(resolve(filename, '..'), { recursive: true, mode: 0o700 });
  const thread = openSqliteThread({
    filename,
    pragmas: ['journal_mode = WAL', 'synchronous = NORMAL', 'busy_timeout = 5000', 'foreign_keys = ON'],
  });
  const db = new Kysely<Tables>({ dialect: thread.dialect });
  return {
    db,
    dialect: 'sqlite',
    location: filename === ':memory:' ? filename : resolve(filename),
    dataVersion: thread.dataVersion,
    close: () => db.destroy(),
  };
}

function openPostgres(url: string, poolSize = 10): Database {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle client that loses its server emits 'error'; without a listener that would crash the process.
  pool.on('error', () => {});
  const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
  const parsed = new URL(url);
  const location = `postgres://${parsed.host}${parsed.pathname}`;
  return { db, dialect: 'postgres', location, close: () => db.destroy() };
}

/** Checks that the database answers; throws otherwise. */
export async function pingDatabase(database: Database): Promise<void> {
  await sql`select 1`.execute(database.db);
}

import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, type SqliteDatabase, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
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
   * commits to the file. The integration cache checks it (see integration-cache.ts).
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
  const connection = new BetterSqlite3(filename);
  connection.pragma('journal_mode = WAL');
  connection.pragma('synchronous = NORMAL');
  connection.pragma('busy_timeout = 5000');
  connection.pragma('foreign_keys = ON');
  const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: reusingStatements(connection) }) });
  const dataVersion = connection.prepare('pragma data_version').pluck();
  return {
    db,
    dialect: 'sqlite',
    location: filename === ':memory:' ? filename : resolve(filename),
    dataVersion: () => dataVersion.get() as number,
    close: () => db.destroy(),
  };
}

/** How many prepared statements an SQLite connection keeps for reuse. */
const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely's SQLite driver prepares every query afresh, and preparing costs more than running a lookup by
 * primary key. Kysely's SQL text depends only on the query's shape (values are bound parameters), so
 * prepared statements are kept by SQL text, least recently used dropped first, and reused. A statement
 * still being iterated (a streamed query) is busy and cannot be rebound, so a fresh one is made then.
 */
function reusingStatements(connection: BetterSqlite3.Database): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => connection.close(),
    prepare(text) {
      const cached = statements.get(text);
      if (cached && !cached.busy) {
        statements.delete(text);
        statements.set(text, cached);
        return cached;
      }
      const statement = connection.prepare(text);
      if (cached) return statement;
      if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
      statements.set(text, statement);
      return statement;
    },
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

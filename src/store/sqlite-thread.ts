import { createRequire } from 'node:module';
import { serialize } from 'node:v8';
import { Worker } from 'node:worker_threads';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';

/**
 * The embedded SQLite database, run on a thread of its own.
 *
 * better-sqlite3 runs every statement synchronously on the thread that calls it. On the event loop
 * that thread would be the service's own, and a batch of health results, a page of integrations or a
 * migration would hold up every request and timer for as long as SQLite works: in the health poller,
 * SQLite's own work was a quarter of the event loop's. Here one worker thread owns the connection and
 * the statements; the event loop sends it SQL and parameters and gets rows back, and keeps running
 * meanwhile. Queries and transactions keep SQLite's one-connection order: one at a time, and a
 * transaction holds the connection until it ends, as with Kysely's own SQLite driver.
 */
export interface SqliteThreadOptions {
  readonly filename: string;
  /** Run in order when the connection opens, e.g. `journal_mode = WAL`. */
  readonly pragmas: readonly string[];
  /** Prepared statements kept for reuse by SQL text (Kysely's text depends only on a query's shape). */
  readonly statementCacheSize?: number;
  /** How often the thread asks `PRAGMA data_version`, in milliseconds (default 50). */
  readonly versionCheckMs?: number;
}

export interface SqliteThread {
  readonly dialect: Dialect;
  /**
   * `PRAGMA data_version` as the thread last saw it: it changes when another connection (another
   * process) commits to the file, never for this connection's own commits. Reading it costs nothing;
   * the thread checks every `versionCheckMs` and reports a change.
   */
  dataVersion(): number;
}

/** A driver error as the thread reported it: better-sqlite3's `SqliteError`, with its `code`. */
export class SqliteError extends Error {
  override readonly name = 'SqliteError';
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

const DEFAULT_STATEMENT_CACHE_SIZE = 256;
const DEFAULT_VERSION_CHECK_MS = 50;
/** How long opening keeps trying while the file is locked (as long as a statement waits: busy_timeout). */
const OPEN_TIMEOUT_MS = 5_000;

/** What the thread is sent. */
type ThreadRequest =
  | {
      readonly type: 'query';
      readonly id: number;
      readonly sql: string;
      readonly parameters: readonly unknown[];
      /**
       * Instead of `parameters`: run the statement once for each of these rows (see `eachRow`),
       * serialized with `v8.serialize`, which costs the event loop far less than structured-cloning
       * hundreds of small arrays.
       */
      readonly rows?: Uint8Array;
      /** Run `begin immediate` first: a transaction's begin travels with its first statement. */
      readonly begin?: boolean;
    }
  | { readonly type: 'close' };

/** What the thread answers. */
type ThreadReply =
  | { readonly type: 'opened'; readonly version: number }
  | { readonly type: 'failed'; readonly error: ThreadError }
  | { readonly type: 'version'; readonly version: number }
  | {
      readonly type: 'result';
      readonly id: number;
      /** Rows as JSON text: parsing it costs the event loop half of what a structured clone does. */
      readonly json?: string;
      /** Rows JSON cannot carry exactly (a blob, a number JSON has no form for), structured-cloned. */
      readonly rows?: Record<string, unknown>[];
      /** Some value in `rows` is a blob (it arrives as a Uint8Array and is given back as a Buffer). */
      readonly blobs?: boolean;
      readonly changes?: number;
      readonly lastInsertRowid?: number | bigint;
    }
  | { readonly type: 'error'; readonly id: number; readonly error: ThreadError };

interface ThreadError {
  readonly message: string;
  readonly code?: string;
}

/**
 * The thread's program. Plain JavaScript in a string, so that it runs the same from the compiled
 * service, under a TypeScript loader and in the test runner, none of which need to find a file for it.
 * It opens the connection, prepares statements once per SQL text (least recently used dropped first;
 * a statement still being iterated is busy, so a fresh one is made then), runs what it is sent in
 * order, and reports changes of `data_version`.
 */
const THREAD_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { deserialize } = require('node:v8');
const Sqlite = require(workerData.driver);
const describe = (error) => ({ message: String(error && error.message || error), code: error && typeof error.code === 'string' ? error.code : undefined });
// Connections opening the same file at once can find it locked while another switches it to WAL,
// and SQLite does not wait for that: the open is tried again for a while (this thread may block).
let connection;
const openBy = Date.now() + workerData.openTimeoutMs;
const pause = new Int32Array(new SharedArrayBuffer(4));
for (;;) {
  try {
    connection = new Sqlite(workerData.filename);
    for (const pragma of workerData.pragmas) connection.pragma(pragma);
    break;
  } catch (error) {
    try { connection && connection.close(); } catch {}
    connection = undefined;
    if (error && error.code === 'SQLITE_BUSY' && Date.now() < openBy) {
      Atomics.wait(pause, 0, 0, 10);
      continue;
    }
    parentPort.postMessage({ type: 'failed', error: describe(error) });
    break;
  }
}
if (connection) {
  const statements = new Map();
  const prepare = (text) => {
    const cached = statements.get(text);
    if (cached && !cached.busy) {
      statements.delete(text);
      statements.set(text, cached);
      return cached;
    }
    const statement = connection.prepare(text);
    if (cached) return statement;
    if (statements.size >= workerData.statementCacheSize) statements.delete(statements.keys().next().value);
    statements.set(text, statement);
    return statement;
  };
  // Blobs cross threads as Uint8Array; better-sqlite3 binds Buffers.
  const bindable = (value) => value instanceof Uint8Array && !Buffer.isBuffer(value) ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : value;
  // Rows go back as JSON text when JSON holds every value exactly: text, null, finite numbers.
  const send = (id, rows) => {
    let exact = true;
    let blobs = false;
    for (const row of rows) {
      for (const key in row) {
        const value = row[key];
        if (value === null || typeof value === 'string') continue;
        if (typeof value === 'number' && Number.isFinite(value) && !Object.is(value, -0)) continue;
        exact = false;
        if (value instanceof Uint8Array) blobs = true;
      }
    }
    if (exact) parentPort.postMessage({ type: 'result', id, json: JSON.stringify(rows) });
    else parentPort.postMessage({ type: 'result', id, rows, blobs });
  };
  const dataVersion = connection.prepare('pragma data_version').pluck();
  let version = dataVersion.get();
  setInterval(() => {
    const now = dataVersion.get();
    if (now !== version) {
      version = now;
      parentPort.postMessage({ type: 'version', version });
    }
  }, workerData.versionCheckMs).unref();
  parentPort.on('message', (request) => {
    if (request.type === 'close') {
      connection.close();
      parentPort.close();
      return;
    }
    const { id, sql, parameters } = request;
    try {
      if (request.begin) prepare('begin immediate').run();
      const statement = prepare(sql);
      if (request.rows) {
        // One statement, prepared once, run for each row: rows read are concatenated, changes summed.
        const rows = [];
        let changes = 0;
        let lastInsertRowid;
        for (const row of deserialize(request.rows)) {
          const values = row.map(bindable);
          if (statement.reader) for (const one of statement.all(values)) rows.push(one);
          else {
            const result = statement.run(values);
            changes += result.changes;
            lastInsertRowid = result.lastInsertRowid;
          }
        }
        if (statement.reader) send(id, rows);
        else parentPort.postMessage({ type: 'result', id, changes, lastInsertRowid });
        return;
      }
      const values = parameters.map(bindable);
      if (statement.reader) {
        send(id, statement.all(values));
      } else {
        const { changes, lastInsertRowid } = statement.run(values);
        parentPort.postMessage({ type: 'result', id, changes, lastInsertRowid });
      }
    } catch (error) {
      parentPort.postMessage({ type: 'error', id, error: describe(error) });
    }
  });
  parentPort.postMessage({ type: 'opened', version });
}
`;

/**
 * Starts the thread and opens the file in it. The connection opens in the background: a failure to
 * open (a directory that is not writable, a file that is not a database) rejects the first query.
 *
 * @example
 * const thread = openSqliteThread({ filename: './data/integrations.db', pragmas: ['journal_mode = WAL'] });
 * const db = new Kysely<Tables>({ dialect: thread.dialect });
 */
export function openSqliteThread(options: SqliteThreadOptions): SqliteThread {
  const driver = new SqliteThreadDriver(options);
  return {
    dialect: {
      createAdapter: () => new TransactionalSqliteAdapter(),
      createDriver: () => driver,
      createIntrospector: (db) => new SqliteIntrospector(db),
      createQueryCompiler: () => new SqliteQueryCompiler(),
    },
    dataVersion: () => driver.version,
  };
}

/**
 * Kysely's SQLite adapter says DDL is not transactional, so its migrator would run each migration's
 * statements one by one in autocommit, with no lock: two instances starting at once on one file would
 * both see a migration pending, and one would fail half-way through it with the other's work applied
 * and recorded by neither. SQLite's DDL is transactional, and this driver's transactions begin
 * immediate, so the migrator's run (the read of what is applied, then every pending migration) holds
 * the write lock from its first statement to its commit: the runs take turns, a later one finds the
 * work done, and a failed migration leaves nothing behind.
 */
class TransactionalSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

interface Pending {
  readonly resolve: (reply: ThreadReply & { type: 'result' }) => void;
  readonly reject: (error: Error) => void;
}

class SqliteThreadDriver implements Driver {
  readonly #worker: Worker;
  /** Settles once the thread has opened the file, or failed to. */
  readonly #opened: Promise<void>;
  readonly #pending = new Map<number, Pending>();
  readonly #mutex = new ConnectionMutex();
  readonly #connection: DatabaseConnection;
  #nextId = 1;
  /** The next query opens a transaction first (see beginTransaction). */
  #beginNext = false;
  /** Why the thread can take no more queries: it failed to open, stopped, or was closed. */
  #broken: Error | undefined;
  version = 0;

  constructor(options: SqliteThreadOptions) {
    this.#worker = new Worker(THREAD_SOURCE, {
      eval: true,
      workerData: {
        driver: createRequire(import.meta.url).resolve('better-sqlite3'),
        filename: options.filename,
        pragmas: options.pragmas,
        statementCacheSize: options.statementCacheSize ?? DEFAULT_STATEMENT_CACHE_SIZE,
        versionCheckMs: options.versionCheckMs ?? DEFAULT_VERSION_CHECK_MS,
        openTimeoutMs: OPEN_TIMEOUT_MS,
      },
    });
    this.#opened = new Promise<void>((resolve, reject) => {
      this.#worker.on('message', (reply: ThreadReply) => {
        switch (reply.type) {
          case 'result':
          case 'error':
            this.#settle(reply);
            break;
          case 'version':
            this.version = reply.version;
            break;
          case 'opened':
            this.version = reply.version;
            // Idle, the thread does not keep the process alive; a query in flight does (see #send).
            if (this.#pending.size === 0) this.#worker.unref();
            resolve();
            break;
          case 'failed':
            this.#stop(
              new SqliteError(`cannot open the SQLite database: ${reply.error.message}`, reply.error.code),
            );
            reject(this.#broken);
            break;
        }
      });
      const stopped = (error: Error) => {
        this.#stop(error);
        reject(error);
      };
      this.#worker.on('error', (error) => stopped(new Error(`the SQLite thread failed: ${error.message}`)));
      this.#worker.on('exit', (code) => stopped(new Error(`the SQLite thread stopped (exit code ${code})`)));
    });
    // Nobody may be waiting yet: the failure is kept and rejects the first query.
    this.#opened.catch(() => {});
    // Rows are whatever the query selects; Kysely types them from the query, not from the driver.
    this.#connection = {
      executeQuery: <R>(query: CompiledQuery) => this.#execute(query) as Promise<QueryResult<R>>,
      streamQuery: <R>(query: CompiledQuery, chunkSize?: number) =>
        this.#stream(query, chunkSize) as AsyncIterableIterator<QueryResult<R>>,
    };
  }

  async init(): Promise<void> {
    await this.#opened;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    // One connection: a transaction keeps it until it ends, as with Kysely's own SQLite driver.
    await this.#mutex.lock();
    return this.#connection;
  }

  async releaseConnection(): Promise<void> {
    this.#mutex.unlock();
  }

  /**
   * Sent with the transaction's first statement rather than on its own: one wait for the thread
   * fewer per transaction. If `begin` fails, that statement fails with its error. It is
   * `begin immediate`: the transaction takes the write lock when it starts (waiting up to
   * `busy_timeout` for another connection's), so a transaction that reads and then writes never
   * fails half-way because another connection wrote in between, as a deferred one can.
   */
  async beginTransaction(): Promise<void> {
    this.#beginNext = true;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint ${quoteName(name)}`));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to ${quoteName(name)}`));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release ${quoteName(name)}`));
  }

  async destroy(): Promise<void> {
    if (this.#broken) return;
    this.#broken = new Error('the SQLite database is closed');
    const exited = new Promise((resolve) => this.#worker.once('exit', resolve));
    this.#worker.ref();
    this.#worker.postMessage({ type: 'close' } satisfies ThreadRequest);
    await exited;
  }

  async #execute(query: CompiledQuery): Promise<QueryResult<unknown>> {
    const reply = await this.#send(query);
    if (reply.json !== undefined) return { rows: JSON.parse(reply.json) as Record<string, unknown>[] };
    if (reply.rows) {
      if (reply.blobs) for (const row of reply.rows) toBuffers(row);
      return { rows: reply.rows };
    }
    const { changes, lastInsertRowid } = reply;
    return {
      numAffectedRows: changes === undefined ? undefined : BigInt(changes),
      insertId: lastInsertRowid === undefined ? undefined : BigInt(lastInsertRowid),
      rows: [],
    };
  }

  /** The rows come over at once and are handed out in chunks: streaming is not used for large reads. */
  async *#stream(query: CompiledQuery, chunkSize = 100): AsyncIterableIterator<QueryResult<unknown>> {
    const { rows } = await this.#execute(query);
    for (let start = 0; start < rows.length; start += chunkSize) {
      yield { rows: rows.slice(start, start + chunkSize) };
    }
  }

  #send(query: CompiledQuery): Promise<ThreadReply & { type: 'result' }> {
    if (this.#broken) return Promise.reject(this.#broken);
    const id = this.#nextId++;
    const begin = this.#beginNext;
    this.#beginNext = false;
    const [first] = query.parameters;
    const batch = first instanceof RowBatch ? first.rows : undefined;
    return new Promise((resolve, reject) => {
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({
        type: 'query',
        id,
        sql: query.sql,
        parameters: batch ? [] : query.parameters,
        ...(batch ? { rows: serialize(batch) } : {}),
        ...(begin ? { begin } : {}),
      } satisfies ThreadRequest);
    });
  }

  #settle(reply: ThreadReply & { type: 'result' | 'error' }): void {
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0) this.#worker.unref();
    if (reply.type === 'result') pending.resolve(reply);
    else pending.reject(new SqliteError(reply.error.message, reply.error.code));
  }

  /** The thread can take no more: every query waiting for it fails with `error`. */
  #stop(error: Error): void {
    this.#broken ??= error;
    for (const { reject } of this.#pending.values()) reject(error);
    this.#pending.clear();
  }
}

/** The rows of an `eachRow` query, carried as its one parameter. */
class RowBatch {
  constructor(readonly rows: readonly (readonly unknown[])[]) {}
}

/**
 * A statement to run once for each row of parameters, in order, prepared once: SQLite's fastest way
 * to write many rows, with no SQL built per row or per batch size, and one trip to the thread for
 * all of them. Rows a reading statement returns (`returning` included) come back together; the
 * changes of a writing one are summed. The first row that fails stops the rest, and the query fails
 * with its error: run it with `db.executeQuery(...)` in a transaction when the rows go together (outside
 * one, the rows before it stay written). SQLite only (see openSqliteThread).
 *
 * @example
 * await trx.executeQuery(eachRow('update poll_schedule set next_run_at = ? where integration_id = ?', [[at, id]]));
 */
export function eachRow(text: string, rows: readonly (readonly unknown[])[]): CompiledQuery {
  return CompiledQuery.raw(text, [new RowBatch(rows)]);
}

/** Blobs arrive as Uint8Array; the rest of the code reads them as Buffers, as better-sqlite3 gives them. */
function toBuffers(row: Record<string, unknown>): void {
  for (const key in row) {
    const value = row[key];
    if (value instanceof Uint8Array && !Buffer.isBuffer(value)) {
      row[key] = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    }
  }
}

function quoteName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** One holder at a time, the others waiting in order. */
class ConnectionMutex {
  #held = false;
  readonly #waiting: (() => void)[] = [];

  async lock(): Promise<void> {
    if (!this.#held) {
      this.#held = true;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  unlock(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#held = false;
  }
}

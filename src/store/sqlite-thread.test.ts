import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, sql } from 'kysely';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isUniqueViolation } from './rows.js';
import { eachRow, openSqliteThread, SqliteError } from './sqlite-thread.js';

interface Tables {
  items: { id: number; name: string; data: Buffer | null; score: number | null };
}

const dir = mkdtempSync(join(tmpdir(), 'integrations-sqlite-thread-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('openSqliteThread', () => {
  let db: Kysely<Tables>;

  beforeEach(async () => {
    db = new Kysely<Tables>({
      dialect: openSqliteThread({ filename: ':memory:', pragmas: ['foreign_keys = ON'] }).dialect,
    });
    await sql`create table items (id integer primary key, name text not null unique, data blob, score real)`.execute(
      db,
    );
  });
  afterEach(async () => db.destroy());

  it('runs queries on its thread and gives rows, changes and insert ids back', async () => {
    const inserted = await db
      .insertInto('items')
      .values({ id: 7, name: 'seven', data: null, score: 1.5 })
      .executeTakeFirst();
    const rows = await db.selectFrom('items').selectAll().execute();

    expect(inserted.insertId).toBe(7n);
    expect(inserted.numInsertedOrUpdatedRows).toBe(1n);
    expect(rows).toEqual([{ id: 7, name: 'seven', data: null, score: 1.5 }]);
  });

  it("keeps SQLite's error code, so a unique violation is recognised", async () => {
    await db.insertInto('items').values({ id: 1, name: 'same', data: null, score: null }).execute();
    const duplicate = db
      .insertInto('items')
      .values({ id: 2, name: 'same', data: null, score: null })
      .execute();

    await expect(duplicate).rejects.toBeInstanceOf(SqliteError);
    await expect(duplicate).rejects.toSatisfy(isUniqueViolation);
    await expect(sql`select * from missing_table`.execute(db)).rejects.toThrow(/no such table/);
  });

  it('carries blobs both ways as Buffers, and numbers JSON cannot hold exactly', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    await db.insertInto('items').values({ id: 1, name: 'blob', data: bytes, score: null }).execute();
    await db.executeQuery(
      eachRow('insert into items (id, name, data) values (?, ?, ?)', [[2, 'blob-2', bytes]]),
    );
    const rows = await db.selectFrom('items').select(['id', 'data']).orderBy('id').execute();
    const [special] = (
      await sql<{
        big: number;
        huge: number;
        negative: number;
      }>`select 1e999 as huge, -1e999 as negative, 9007199254740991 as big`.execute(db)
    ).rows;

    expect(rows.map((row) => Buffer.isBuffer(row.data) && row.data.equals(bytes))).toEqual([true, true]);
    expect(special).toEqual({
      huge: Number.POSITIVE_INFINITY,
      negative: Number.NEGATIVE_INFINITY,
      big: 9007199254740991,
    });
  });

  it('runs an eachRow statement once per row, in order, summing changes and gathering returned rows', async () => {
    const written = await db.executeQuery(
      eachRow(
        'insert into items (id, name) values (?, ?)',
        Array.from({ length: 50 }, (_, n) => [n + 1, `item-${n + 1}`]),
      ),
    );
    const returned = await db.executeQuery<{ id: number; name: string }>(
      eachRow('update items set score = ? where id = ? returning id, name', [
        [0.5, 3],
        [0.25, 999], // no such row: returns nothing
        [0.75, 1],
      ]),
    );
    const found = await db.executeQuery<{ id: number }>(
      eachRow('select id from items where name = ?', [['item-10'], ['nothing'], ['item-20']]),
    );

    expect(written.numAffectedRows).toBe(50n);
    expect(returned.rows).toEqual([
      { id: 3, name: 'item-3' },
      { id: 1, name: 'item-1' },
    ]);
    expect(found.rows).toEqual([{ id: 10 }, { id: 20 }]);
    expect(await db.executeQuery(eachRow('insert into items (id, name) values (?, ?)', []))).toMatchObject({
      numAffectedRows: 0n,
    });
  });

  it('keeps transactions whole: a failure rolls back what ran before it, eachRow included', async () => {
    const failing = db.transaction().execute(async (trx) => {
      await trx.executeQuery(
        eachRow('insert into items (id, name) values (?, ?)', [
          [1, 'a'],
          [2, 'b'],
        ]),
      );
      await trx.insertInto('items').values({ id: 3, name: 'a', data: null, score: null }).execute();
    });
    await expect(failing).rejects.toSatisfy(isUniqueViolation);

    await db.transaction().execute(async () => {}); // begins and commits with no statement in between
    await db.transaction().execute(async (trx) => {
      // Statements sent together, run in order.
      await Promise.all([
        trx.insertInto('items').values({ id: 4, name: 'd', data: null, score: null }).execute(),
        trx.executeQuery(eachRow('insert into items (id, name) values (?, ?)', [[5, 'e']])),
      ]);
    });

    expect((await db.selectFrom('items').select('id').orderBy('id').execute()).map((row) => row.id)).toEqual([
      4, 5,
    ]);
  });

  it('serialises work outside a transaction behind it', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const transaction = db.transaction().execute(async (trx) => {
      await trx.insertInto('items').values({ id: 1, name: 'inside', data: null, score: null }).execute();
      await held;
      await trx.insertInto('items').values({ id: 2, name: 'inside-2', data: null, score: null }).execute();
    });
    const outside = db.selectFrom('items').select('id').execute();
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    await transaction;

    expect((await outside).map((row) => row.id)).toEqual([1, 2]);
  });

  it('streams rows in chunks', async () => {
    await db.executeQuery(
      eachRow(
        'insert into items (id, name) values (?, ?)',
        Array.from({ length: 25 }, (_, n) => [n + 1, `s-${n + 1}`]),
      ),
    );
    const chunks: number[] = [];
    for await (const row of db.selectFrom('items').select('id').orderBy('id').stream(10)) chunks.push(row.id);

    expect(chunks).toEqual(Array.from({ length: 25 }, (_, n) => n + 1));
  });

  it('refuses queries once closed', async () => {
    const closed = new Kysely<Tables>({
      dialect: openSqliteThread({ filename: ':memory:', pragmas: [] }).dialect,
    });
    await sql`select 1`.execute(closed);
    await closed.destroy();

    await expect(sql`select 1`.execute(closed)).rejects.toThrow();
  });
});

describe('opening a file that cannot be a database', () => {
  it('fails the first query with the reason', async () => {
    const broken = new Kysely<Tables>({
      dialect: openSqliteThread({ filename: dir, pragmas: ['journal_mode = WAL'] }).dialect, // a directory
    });

    await expect(sql`select 1`.execute(broken)).rejects.toThrow(/cannot open the SQLite database/);
    await broken.destroy();
  });
});

describe('dataVersion', () => {
  it('reports a commit by another connection, not its own', async () => {
    const filename = join(dir, 'version.db');
    const one = openSqliteThread({ filename, pragmas: ['journal_mode = WAL'], versionCheckMs: 10 });
    const other = openSqliteThread({ filename, pragmas: ['journal_mode = WAL'], versionCheckMs: 10 });
    const dbOne = new Kysely<Tables>({ dialect: one.dialect });
    const dbOther = new Kysely<Tables>({ dialect: other.dialect });
    try {
      await sql`create table items (id integer primary key, name text)`.execute(dbOne);
      await sql`select 1`.execute(dbOther);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const before = one.dataVersion();

      await sql`insert into items (id, name) values (1, 'own')`.execute(dbOne);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(one.dataVersion()).toBe(before);

      await sql`insert into items (id, name) values (2, 'other')`.execute(dbOther);
      await expect.poll(() => one.dataVersion(), { timeout: 1000 }).not.toBe(before);
    } finally {
      await dbOne.destroy();
      await dbOther.destroy();
    }
  });
});

import Sqlite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { withStatementCache } from './statement-cache.ts';

interface T {
  t: { id: number; name: string };
}

describe('withStatementCache', () => {
  let raw: Sqlite.Database;
  afterEach(() => {
    if (raw.open) raw.close();
  });

  it('prepares a SQL text once and reuses the statement with other parameters', () => {
    raw = new Sqlite(':memory:');
    const cached = withStatementCache(raw);
    const a = cached.prepare('select ? as v');
    const b = cached.prepare('select ? as v');
    expect(b).toBe(a);
    expect((a as unknown as Sqlite.Statement).get(1)).toEqual({ v: 1 });
    expect((b as unknown as Sqlite.Statement).get(2)).toEqual({ v: 2 });
  });

  it('keeps at most `max` statements, dropping the least recently used', () => {
    raw = new Sqlite(':memory:');
    const cached = withStatementCache(raw, 2);
    const one = cached.prepare('select 1');
    const two = cached.prepare('select 2');
    expect(cached.prepare('select 1')).toBe(one); // now 2 is the least recently used
    cached.prepare('select 3');
    expect(cached.prepare('select 1')).toBe(one);
    expect(cached.prepare('select 2')).not.toBe(two);
  });

  it('gives right answers through Kysely across a schema change and closes the database', async () => {
    raw = new Sqlite(':memory:');
    const db = new Kysely<T>({ dialect: new SqliteDialect({ database: withStatementCache(raw) }) });
    await db.schema
      .createTable('t')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .execute();
    await sql`alter table t add column name text not null default ''`.execute(db);
    for (const [id, name] of [
      [1, 'a'],
      [2, 'b'],
    ] as const) {
      await db.insertInto('t').values({ id, name }).execute();
    }
    const byId = (id: number) => db.selectFrom('t').selectAll().where('id', '=', id).executeTakeFirst();
    expect(await byId(2)).toEqual({ id: 2, name: 'b' });
    await sql`alter table t add column extra integer not null default 7`.execute(db);
    // The kept `select *` statement is re-prepared by SQLite and sees the new column.
    expect(await byId(1)).toEqual({ id: 1, name: 'a', extra: 7 });
    await db.destroy();
    expect(raw.open).toBe(false);
  });
});

/** Compiled queries answer as the same Kysely query built each time, on SQLite and (services mode) PostgreSQL. */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropStorage, newStorage, type StackStorage, testConfig } from '../../../test/storage.ts';
import { compiled } from './compiled.ts';
import { type DbHandle, migrate, openDb } from './index.ts';

let storage: StackStorage;
let handle: DbHandle;
beforeAll(async () => {
  storage = newStorage();
  const config = testConfig({ DATA_DIR: storage.dataDir });
  handle = await openDb({ databaseUrl: config.DATABASE_URL, dataDir: storage.dataDir, pgSchema: storage.pgSchema });
  await migrate(handle.db);
});
afterAll(async () => {
  await handle.close();
  await dropStorage(storage);
});

const row = (id: string, status: string) => ({
  id,
  name: 'check.run',
  payload: `{"n":"${id}"}`,
  status,
  run_at: 1_000,
  attempts: 0,
  max_attempts: 3,
  locked_until: null,
  locked_by: null,
  last_error: null,
  created_at: 1_000,
  updated_at: 1_000,
});

const insert = compiled((db, p: ReturnType<typeof row>) => db.insertInto('queue_jobs').values(p));
const byId = compiled((db, p: { id: string }) => db.selectFrom('queue_jobs').selectAll().where('id', '=', p.id));
// A constant list and a value inside raw SQL, beside the arguments.
const start = compiled((db, p: { id: string; now: number }) =>
  db
    .updateTable('queue_jobs')
    .set({
      status: 'active',
      updated_at: sql<number>`coalesce(${p.now}, updated_at)`,
      attempts: sql<number>`attempts + 1`,
    })
    .where('id', '=', p.id)
    .where('status', 'not in', ['done', 'failed'])
    .returningAll(),
);
const patch = compiled((db, p: { id: string; last_error?: string | null; locked_by?: string | null }) =>
  db.updateTable('queue_jobs').set({ last_error: p.last_error, locked_by: p.locked_by }).where('id', '=', p.id),
);

describe('compiled queries', () => {
  it('insert, select and update with new values at each run, as the built query would', async () => {
    const { db } = handle;
    for (const id of ['a', 'b', 'c'])
      expect(await insert.affected(db, row(id, id === 'c' ? 'done' : 'waiting'))).toBe(1);
    expect(await byId.first(db, { id: 'b' })).toEqual(
      await db.selectFrom('queue_jobs').selectAll().where('id', '=', 'b').executeTakeFirst(),
    );
    expect(await byId.first(db, { id: 'zzz' })).toBeUndefined();
    expect((await byId.rows(db, { id: 'a' })).map((r) => r.payload)).toEqual(['{"n":"a"}']);

    const started = await start.first(db, { id: 'a', now: 5_000 });
    expect(started).toMatchObject({ id: 'a', status: 'active', attempts: 1, updated_at: 5_000 });
    // The constant list still holds: a done job is not started.
    expect(await start.first(db, { id: 'c', now: 6_000 })).toBeUndefined();
    expect(await start.first(db, { id: 'b', now: 7_000 })).toMatchObject({ id: 'b', attempts: 1, updated_at: 7_000 });
  });

  it('leaves out an undefined argument, as set() does, whatever the previous run set', async () => {
    const { db } = handle;
    await insert.affected(db, row('p', 'waiting'));
    expect(await patch.affected(db, { id: 'p', last_error: 'first', locked_by: 'w1' })).toBe(1);
    expect(await patch.affected(db, { id: 'p', last_error: 'second' })).toBe(1);
    expect(await byId.first(db, { id: 'p' })).toMatchObject({ last_error: 'second', locked_by: 'w1' });
    expect(await patch.affected(db, { id: 'p', locked_by: null })).toBe(1);
    expect(await byId.first(db, { id: 'p' })).toMatchObject({ last_error: 'second', locked_by: null });
    expect(await patch.affected(db, { id: 'nobody', last_error: 'x' })).toBe(0);
  });

  it('refuses an expression where a value goes: the query was compiled without it', async () => {
    const { db } = handle;
    await insert.affected(db, row('e', 'waiting'));
    await expect(
      patch.affected(db, { id: 'e', last_error: sql<string>`upper('x')` as unknown as string }),
    ).rejects.toThrow('argument "last_error" must be a value');
    expect(await byId.first(db, { id: 'e' })).toMatchObject({ last_error: null });
  });

  it('runs inside a transaction, whose rollback undoes it', async () => {
    const { db } = handle;
    await expect(
      db.transaction().execute(async (tx) => {
        await insert.affected(tx, row('t1', 'waiting'));
        expect(await byId.first(tx, { id: 't1' })).toMatchObject({ id: 't1' });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await byId.first(db, { id: 't1' })).toBeUndefined();
    await db.transaction().execute((tx) => insert.affected(tx, row('t2', 'waiting')));
    expect(await byId.first(db, { id: 't2' })).toMatchObject({ id: 't2' });
  });
});

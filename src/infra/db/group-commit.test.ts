import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GroupCommitSqliteDialect, type GroupCommitStats } from './group-commit.ts';
import { withStatementCache } from './statement-cache.ts';

interface T {
  t: { id: number; name: string };
  child: { id: number; parent: number };
}

describe('SQLite group commit', () => {
  let dir: string;
  let file: string;
  let raw: Sqlite.Database;
  let db: Kysely<T>;
  let stats: GroupCommitStats;
  /** A second connection to the same file: it sees only what was committed. */
  let other: Sqlite.Database;

  async function open(options = {}) {
    raw = new Sqlite(file);
    raw.pragma('journal_mode = WAL');
    raw.pragma('busy_timeout = 5000');
    raw.pragma('foreign_keys = ON');
    const dialect = new GroupCommitSqliteDialect(withStatementCache(raw), raw, options);
    stats = dialect.stats;
    db = new Kysely<T>({ dialect });
    await sql`create table t (id integer primary key, name text not null)`.execute(db);
    await sql`create table child (id integer primary key, parent integer not null references t (id) deferrable initially deferred)`.execute(
      db,
    );
    other = new Sqlite(file);
    other.pragma('busy_timeout = 5000');
  }
  const committedIds = () =>
    (other.prepare('select id from t order by id').all() as Array<{ id: number }>).map((r) => r.id);
  const insert = (id: number) =>
    db
      .insertInto('t')
      .values({ id, name: `n${id}` })
      .execute();

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'brymix-gc-'));
    file = join(dir, 'db.sqlite');
  });
  afterEach(async () => {
    other?.close();
    await db?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('commits the writes of one turn of the event loop together, answering each caller after the commit', async () => {
    await open();
    const before = stats.commits;
    const seenAtAnswer: number[][] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        insert(i + 1).then(() => {
          // The moment a caller is answered, its row is visible to another connection: committed.
          seenAtAnswer.push(committedIds());
        }),
      ),
    );
    expect(stats.commits - before).toBe(1);
    expect(seenAtAnswer).toHaveLength(20);
    for (const ids of seenAtAnswer) expect(ids).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('does not answer a write before its commit', async () => {
    await open();
    let answered = false;
    const p = insert(1).then(() => (answered = true));
    // Statements run at once, but the commit waits for the end of this turn of the event loop.
    await Promise.resolve();
    await Promise.resolve();
    expect(answered).toBe(false);
    expect(committedIds()).toEqual([]);
    await p;
    expect(committedIds()).toEqual([1]);
  });

  it('keeps each transaction atomic: one that throws is undone alone, the others in its group commit', async () => {
    await open();
    const ok = db.transaction().execute(async (tx) => {
      await tx.insertInto('t').values({ id: 1, name: 'a' }).execute();
      await tx.insertInto('t').values({ id: 2, name: 'b' }).execute();
    });
    const bad = db.transaction().execute(async (tx) => {
      await tx.insertInto('t').values({ id: 3, name: 'c' }).execute();
      throw new Error('changed my mind');
    });
    const alsoOk = insert(4);
    await expect(bad).rejects.toThrow('changed my mind');
    await ok;
    await alsoOk;
    expect(committedIds()).toEqual([1, 2, 4]);
  });

  it('fails a statement that breaks a constraint alone, and the rest of its group commits', async () => {
    await open();
    await insert(1);
    const results = await Promise.allSettled([insert(2), insert(1), insert(3)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/UNIQUE/);
    expect(committedIds()).toEqual([1, 2, 3]);
  });

  it('fails every caller of a group whose commit fails, and leaves nothing of it behind', async () => {
    await open();
    await insert(1);
    // A deferred foreign key is checked at the commit: the orphan makes the whole group's commit fail.
    const results = await Promise.allSettled([
      insert(2),
      db.insertInto('child').values({ id: 1, parent: 99 }).execute(),
      insert(3),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const r of results) expect(String((r as PromiseRejectedResult).reason)).toMatch(/FOREIGN KEY/);
    expect(committedIds()).toEqual([1]);
    expect(raw.inTransaction).toBe(false);
    // The connection goes on.
    await insert(4);
    expect(committedIds()).toEqual([1, 4]);
  });

  it('answers a read at once when no group is open, and after the commit when one is', async () => {
    await open();
    await insert(1);
    const commits = stats.commits;
    expect(await db.selectFrom('t').select('id').execute()).toEqual([{ id: 1 }]);
    expect(stats.commits).toBe(commits);

    const order: string[] = [];
    const write = insert(2).then(() => order.push('write'));
    const read = db
      .selectFrom('t')
      .select('id')
      .execute()
      .then((rows) => order.push(`read ${rows.length}`));
    await Promise.all([write, read]);
    // The read saw the group's row, and was answered only once that row was committed.
    expect(order).toEqual(['write', 'read 2']);
  });

  it('commits at maxUnits callers without waiting for the turn to end', async () => {
    await open({ maxUnits: 4 });
    const before = stats.commits;
    await Promise.all(Array.from({ length: 20 }, (_, i) => insert(i + 1)));
    expect(stats.commits - before).toBeGreaterThanOrEqual(5);
    expect(committedIds()).toHaveLength(20);
  });

  it('lets another connection write between groups', async () => {
    await open();
    await insert(1);
    other.prepare('insert into t (id, name) values (?, ?)').run(100, 'other');
    await insert(2);
    expect(committedIds()).toEqual([1, 2, 100]);
  });

  it('commits an open group when the database is closed', async () => {
    await open();
    const p = insert(1);
    // Until the insert has run in its group (microtasks only: a macrotask would let it commit).
    for (let i = 0; i < 100 && !raw.inTransaction; i++) await Promise.resolve();
    expect(raw.inTransaction).toBe(true);
    await db.destroy();
    await p;
    expect(committedIds()).toEqual([1]);
    db = undefined as unknown as Kysely<T>;
  });

  it('on close, waits for a transaction under way and commits it whole', async () => {
    await open();
    let finish: () => void = () => undefined;
    const gate = new Promise<void>((r) => (finish = r));
    const tx = db.transaction().execute(async (t) => {
      await t.insertInto('t').values({ id: 1, name: 'a' }).execute();
      await gate;
      await t.insertInto('t').values({ id: 2, name: 'b' }).execute();
    });
    for (let i = 0; i < 100 && !raw.inTransaction; i++) await Promise.resolve();
    const closed = db.destroy();
    setTimeout(finish, 20);
    await closed;
    await tx;
    expect(committedIds()).toEqual([1, 2]);
    db = undefined as unknown as Kysely<T>;
  });

  it('on close, rolls back a transaction that does not finish in time, failing its callers', async () => {
    await open({ closeTimeoutMs: 50 });
    const queued = insert(7);
    const stuck = db.transaction().execute(async (t) => {
      await t.insertInto('t').values({ id: 1, name: 'a' }).execute();
      await new Promise(() => undefined);
    });
    void stuck;
    for (let i = 0; i < 100 && !raw.inTransaction; i++) await Promise.resolve();
    await db.destroy();
    await expect(queued).rejects.toThrow(/closed before this work was committed/);
    expect(committedIds()).toEqual([]);
    db = undefined as unknown as Kysely<T>;
  });
});

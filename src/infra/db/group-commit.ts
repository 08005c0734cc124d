/**
 * SQLite with group commit: the one connection's work is committed many callers at a time, each
 * caller answered only once the commit holding its work has landed.
 *
 * A check makes about eight small writes (its row, its queue job claimed and finished, its webhook
 * delivery claimed and logged), and on SQLite each was its own commit: a WAL append per commit, and
 * a checkpoint every thousand pages appended, for a few rows. Here, while other callers are waiting
 * for the connection, the one that held it hands it over without committing: they run in the same
 * outer transaction, committed once for all. Each caller's promise settles after that commit, so nothing a
 * caller is told — "queued", "finished", a row it reads — is ever rolled back by a later failure.
 * A group is committed once the event loop's current turn is over (the callers that turn's other
 * callbacks bring join it), or sooner when it holds `maxUnits` callers or has been open `maxMs`.
 *
 * - A Kysely transaction runs inside the group as a savepoint: its rollback undoes it alone.
 * - A single statement that fails is undone alone by SQLite (statement rollback); the group goes on.
 * - An error that ends the whole transaction (disk full, I/O) fails every caller of the group.
 * - A read with no group open runs on its own, as before; a read inside a group waits for the commit,
 *   as it may see the group's uncommitted rows.
 * - The group is begun IMMEDIATE: it takes the write lock at its start, waiting for it up to
 *   busy_timeout. A deferred transaction that reads and then writes while another connection (a
 *   monitor thread, a CLI command) has written since its read fails at once with SQLITE_BUSY, which
 *   no timeout waits out; an immediate one waits its turn. Other connections get the lock between
 *   groups.
 *
 * Durability is SQLite's own (WAL, synchronous = NORMAL); grouping changes only how many callers
 * share one commit, never what a caller has been told.
 */
import type { Database as Sqlite, Statement } from 'better-sqlite3';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  SqliteAdapter,
  type SqliteDatabase,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';

export interface GroupCommitOptions {
  /** Callers committed together at most (default 64). */
  maxUnits?: number;
  /** Longest a group stays open while callers keep arriving, in ms (default 20). */
  maxMs?: number;
  /** On close, how long to wait for the caller holding the connection (default 5,000 ms). */
  closeTimeoutMs?: number;
}

interface Member {
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface Group {
  openedAt: number;
  members: Member[];
}

/** Figures for tests and metrics: commits made and callers they carried. */
export interface GroupCommitStats {
  commits: number;
  units: number;
}

const UNIT = 'brymix_unit';

export class GroupCommitSqliteDialect implements Dialect {
  readonly #driver: GroupCommitDriver;

  constructor(database: SqliteDatabase, raw: Sqlite, options: GroupCommitOptions = {}) {
    this.#driver = new GroupCommitDriver(database, raw, options);
  }

  get stats(): GroupCommitStats {
    return this.#driver.stats;
  }

  createDriver(): Driver {
    return this.#driver;
  }
  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }
  createAdapter(): DialectAdapter {
    return new SqliteAdapter();
  }
  // biome-ignore lint/suspicious/noExplicitAny: Kysely's own signature
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}

class GroupCommitDriver implements Driver {
  readonly #db: SqliteDatabase;
  readonly #raw: Sqlite;
  readonly #maxUnits: number;
  readonly #maxMs: number;
  readonly #closeTimeoutMs: number;
  readonly #connection: DatabaseConnection;
  /** Callers waiting for the connection, first come first served. */
  readonly #waiters: Array<() => void> = [];
  #locked = false;
  #group: Group | null = null;
  /** The current holder's work ran in the group: it settles with the group's commit. */
  #enlisted = false;
  /** The current holder's transaction was rolled back: nothing of it to wait for. */
  #rolledBack = false;
  #commitScheduled = false;
  /** The group is past its turn: the holder's release commits it. */
  #commitDue = false;
  readonly stats: GroupCommitStats = { commits: 0, units: 0 };

  constructor(db: SqliteDatabase, raw: Sqlite, options: GroupCommitOptions) {
    this.#db = db;
    this.#raw = raw;
    this.#maxUnits = options.maxUnits ?? 64;
    this.#maxMs = options.maxMs ?? 20;
    this.#closeTimeoutMs = options.closeTimeoutMs ?? 5_000;
    this.#connection = {
      executeQuery: async <R>(query: CompiledQuery): Promise<QueryResult<R>> => this.#execute<R>(query),
      streamQuery: () => {
        throw new Error('streaming is not supported on SQLite here');
      },
    };
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.#locked) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    // Handed over by releaseConnection with #locked still set, or taken free here.
    this.#locked = true;
    this.#enlisted = false;
    this.#rolledBack = false;
    return this.#connection;
  }

  async beginTransaction(): Promise<void> {
    this.#openGroup();
    this.#enlisted = true;
    this.#run(`savepoint ${UNIT}`);
  }

  async commitTransaction(): Promise<void> {
    this.#run(`release ${UNIT}`);
  }

  async rollbackTransaction(): Promise<void> {
    this.#rolledBack = true;
    // An error that ended the whole transaction has already failed the group (#lost).
    if (!this.#group) return;
    this.#run(`rollback to ${UNIT}`);
    this.#run(`release ${UNIT}`);
  }

  async savepoint(): Promise<void> {
    throw new Error('nested savepoints are not supported on SQLite here');
  }
  async rollbackToSavepoint(): Promise<void> {
    throw new Error('nested savepoints are not supported on SQLite here');
  }
  async releaseSavepoint(): Promise<void> {
    throw new Error('nested savepoints are not supported on SQLite here');
  }

  async releaseConnection(): Promise<void> {
    const group = this.#group;
    let committed: Promise<void> | null = null;
    if (group && this.#enlisted && !this.#rolledBack) {
      committed = new Promise<void>((resolve, reject) => group.members.push({ resolve, reject }));
      this.stats.units++;
    }
    if (group) {
      if (
        this.#commitDue ||
        group.members.length >= this.#maxUnits ||
        performance.now() - group.openedAt >= this.#maxMs
      )
        this.#commit();
      else if (!this.#commitScheduled) {
        // Commit once this turn of the event loop is over: the callers its other callbacks bring
        // (requests, answers, timers) join the group meanwhile.
        this.#commitScheduled = true;
        setImmediate(() => {
          this.#commitScheduled = false;
          if (!this.#group) return;
          if (this.#locked) this.#commitDue = true;
          else this.#commit();
        });
      }
    }
    const next = this.#waiters.shift();
    if (next) next();
    else this.#locked = false;
    if (committed) await committed;
  }

  /**
   * Closes after the callers holding or awaiting the connection are done, so a transaction is never
   * committed half-way; their group is then committed. A holder still busy after `closeTimeoutMs`
   * (a transaction awaiting something that does not come) has its group rolled back instead: its
   * callers fail, never having been told otherwise.
   */
  async destroy(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([
      this.acquireConnection().then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), this.#closeTimeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (this.#group && done) this.#commit();
    else this.#fail(new Error('the database was closed before this work was committed'));
    this.#db.close();
  }

  #openGroup(): void {
    if (this.#group) return;
    this.#run('begin immediate');
    this.#group = { openedAt: performance.now(), members: [] };
  }

  #commit(): void {
    const group = this.#group!;
    try {
      this.#run('commit');
    } catch (err) {
      // SQLite keeps the transaction open when a commit fails (SQLITE_BUSY, I/O): undo it, tell all.
      this.#fail(err);
      return;
    }
    this.#group = null;
    this.#commitDue = false;
    this.stats.commits++;
    for (const m of group.members) m.resolve();
  }

  /** The transaction ended under the group (an error SQLite answers with a rollback): every caller in it fails. */
  #lost(err: unknown): void {
    if (this.#group && !this.#raw.inTransaction) this.#fail(err);
  }

  /** Ends the group without committing it: what is left of its transaction rolled back, every caller failed. */
  #fail(err: unknown): void {
    const group = this.#group;
    this.#group = null;
    this.#commitDue = false;
    if (this.#raw.inTransaction) this.#raw.prepare('rollback').run();
    for (const m of group?.members ?? []) m.reject(err);
  }

  #run(sql: string): void {
    this.#db.prepare(sql).run([]);
  }

  #execute<R>(query: CompiledQuery): QueryResult<R> {
    const stmt = this.#db.prepare(query.sql) as unknown as Statement;
    // A write, or any statement while a group is open, runs in the group and settles with its commit.
    if (!this.#group && !stmt.readonly) this.#openGroup();
    let result: QueryResult<R>;
    try {
      if (stmt.reader) result = { rows: stmt.all(query.parameters as unknown[]) as R[] };
      else {
        const { changes, lastInsertRowid } = stmt.run(query.parameters as unknown[]);
        result = { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
      }
    } catch (err) {
      this.#lost(err);
      throw err;
    }
    if (this.#group) this.#enlisted = true;
    return result;
  }
}

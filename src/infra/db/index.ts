/**
 * Opens the database: a SQLite file under DATA_DIR by default, PostgreSQL when DATABASE_URL
 * is set. Also runs the migrations in ./migrations.
 */

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Kysely,
  type Migration,
  type MigrationProvider,
  Migrator,
  PostgresAdapter,
  PostgresDialect,
  sql,
} from 'kysely';
import { GroupCommitSqliteDialect, type GroupCommitStats } from './group-commit.ts';
import type { Database } from './schema.ts';
import { withStatementCache } from './statement-cache.ts';

export type Db = Kysely<Database>;
type DbDialect = 'sqlite' | 'postgres';

export interface OpenDbOptions {
  databaseUrl?: string | undefined;
  dataDir: string;
  /** PostgreSQL schema to use (tests isolate themselves in their own schema). */
  pgSchema?: string;
  /** SQLite file name inside dataDir, or ':memory:'. */
  sqliteFile?: string;
  /**
   * Told of errors on idle pooled PostgreSQL connections (the server restarting, failing over or
   * terminating backends: 57P01). Without a listener such an error would end the process.
   */
  onConnectionError?: (err: Error) => void;
}

export interface DbHandle {
  db: Db;
  dialect: DbDialect;
  /** Human-readable location without credentials. */
  location: string;
  /** SQLite: commits made so far and the callers they carried (group commit, group-commit.ts). */
  commitStats?: () => GroupCommitStats;
  close(): Promise<void>;
}

export async function openDb(opts: OpenDbOptions): Promise<DbHandle> {
  if (opts.databaseUrl) {
    const pg = (await import('pg')).default;
    // bigint (int8) columns hold epoch milliseconds, well inside Number's exact range.
    pg.types.setTypeParser(20, (v: string) => Number(v));
    const pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max: 10,
      // While the server is away a request waits at most this long for a connection, then answers 503.
      connectionTimeoutMillis: 5_000,
      ...(opts.pgSchema ? { options: `-c search_path=${opts.pgSchema}` } : {}),
    });
    // An idle client's error is emitted on the pool; the pool drops that client and makes a new one
    // on the next query, so the process only has to stay alive and say so.
    pool.on('error', (err) => opts.onConnectionError?.(err));
    // A client checked out when its connection dies (inside a transaction, between queries) emits
    // on itself, where the pool no longer listens; the query in flight is rejected either way.
    pool.on('connect', (client) => client.on('error', (err) => opts.onConnectionError?.(err)));
    if (opts.pgSchema) {
      const client = await pool.connect();
      try {
        await client.query(`create schema if not exists "${opts.pgSchema.replace(/"/g, '')}"`);
      } catch (err) {
        // Two processes creating the schema at once: "if not exists" is checked before the insert, so
        // the second one can still hit the catalog's unique index (23505). The schema exists either way.
        if ((err as { code?: string }).code !== '23505' && (err as { code?: string }).code !== '42P06') throw err;
      } finally {
        client.release();
      }
    }
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    const u = new URL(opts.databaseUrl);
    return {
      db,
      dialect: 'postgres',
      location: `postgresql://${u.hostname}:${u.port || 5432}${u.pathname}`,
      close: () => db.destroy(),
    };
  }
  const Sqlite = (await import('better-sqlite3')).default;
  const file = opts.sqliteFile ?? 'brymix.sqlite';
  let path = file;
  if (file !== ':memory:') {
    mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
    path = join(opts.dataDir, file);
  }
  const sqlite = new Sqlite(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  const dialect = new GroupCommitSqliteDialect(withStatementCache(sqlite), sqlite);
  const db = new Kysely<Database>({ dialect });
  return {
    db,
    dialect: 'sqlite',
    location: path,
    commitStats: () => ({ ...dialect.stats }),
    close: () => db.destroy(),
  };
}

// migrations/ beside src/: the TypeScript sources, or their compiled .js in dist/migrations/.
const MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations/', import.meta.url));
const MIGRATION_FILE = import.meta.url.endsWith('.ts') ? /^\d{3}_[\w-]+\.ts$/ : /^\d{3}_[\w-]+\.js$/;

/** Lists numbered migration files (e.g. 001_initial.ts, or .js compiled) in order, named without extension. */
class DirectoryMigrationProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    const { readdirSync } = await import('node:fs');
    const files = readdirSync(MIGRATIONS_DIR)
      .filter((f) => MIGRATION_FILE.test(f))
      .sort();
    const out: Record<string, Migration> = {};
    for (const f of files) {
      out[f.replace(/\.[jt]s$/, '')] = (await import(join(MIGRATIONS_DIR, f))) as Migration;
    }
    return out;
  }
}

export async function migrate(db: Db): Promise<string[]> {
  // Modules land their migrations in parallel; a later-numbered one may already be applied.
  // Kysely looks for its bookkeeping tables in every schema; pin them to the one in use so a
  // second schema on the same database (tests, staging) never mistakes another's tables for its own.
  const migrationTableSchema = await currentPgSchema(db);
  const migrator = new Migrator({
    db,
    provider: new DirectoryMigrationProvider(),
    allowUnorderedMigrations: true,
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

async function currentPgSchema(db: Db): Promise<string | undefined> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return undefined;
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  return rows[0]?.schema ?? undefined;
}

export async function pingDb(db: Db): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}

/** True when an error is a unique-constraint violation on either dialect. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/**
 * better-sqlite3 behind Kysely with its statements kept: Kysely's SQLite driver prepares every query
 * it runs, and preparing cost as much as running for the short queries a check makes. The queries
 * Brymix runs are a small fixed set of SQL texts (values are bound parameters), so one prepared
 * statement per text is kept, least recently used first out, up to a bound that lists of varying
 * length (`in (?, ?, …)`) cannot exceed. SQLite re-prepares a kept statement itself when a
 * migration changes the schema under it.
 */
import type { Database as Sqlite, Statement } from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

export function withStatementCache(sqlite: Sqlite, max = 500): SqliteDatabase {
  const kept = new Map<string, Statement>();
  return {
    close: () => {
      kept.clear();
      sqlite.close();
    },
    prepare(sql: string) {
      let stmt = kept.get(sql);
      if (stmt) {
        // Most recently used last: Map keeps insertion order.
        kept.delete(sql);
      } else {
        stmt = sqlite.prepare(sql);
        if (kept.size >= max) kept.delete(kept.keys().next().value as string);
      }
      kept.set(sql, stmt);
      return stmt;
    },
  };
}

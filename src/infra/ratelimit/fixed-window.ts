/**
 * Fixed-window counters kept in the database, so every `brymix serve` process shares them (SQLite
 * in the embedded default, PostgreSQL at scale). One atomic upsert per hit. Used for the service
 * API (100 requests a minute per token) and for failed-login throttling.
 */
import { sql } from 'kysely';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/index.ts';

export interface WindowState {
  allowed: boolean;
  count: number;
  limit: number;
  remaining: number;
  /** Whole seconds until the window resets (≥ 1). */
  resetSeconds: number;
}

export function createFixedWindow({ db, clock }: { db: Db; clock: Clock }) {
  function state(count: number, windowStart: number, limit: number, windowMs: number, now: number): WindowState {
    const resetSeconds = Math.max(1, Math.ceil((windowStart + windowMs - now) / 1000));
    return { allowed: count <= limit, count, limit, remaining: Math.max(0, limit - count), resetSeconds };
  }

  return {
    /** Counts one event against `key`; `allowed` is false once the window holds more than `limit`. */
    async hit(key: string, limit: number, windowMs: number): Promise<WindowState> {
      const now = clock.now();
      const cut = now - windowMs;
      const row = await db
        .insertInto('rate_counters')
        .values({ key, count: 1, window_start: now })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet({
            count: sql<number>`case when rate_counters.window_start <= ${cut} then 1 else rate_counters.count + 1 end`,
            window_start: sql<number>`case when rate_counters.window_start <= ${cut} then ${now} else rate_counters.window_start end`,
          }),
        )
        .returning(['count', 'window_start'])
        .executeTakeFirstOrThrow();
      return state(Number(row.count), Number(row.window_start), limit, windowMs, now);
    },

    /** The current state without counting (e.g. "is this login locked?"). */
    async peek(key: string, limit: number, windowMs: number): Promise<WindowState> {
      const now = clock.now();
      const row = await db
        .selectFrom('rate_counters')
        .select(['count', 'window_start'])
        .where('key', '=', key)
        .executeTakeFirst();
      if (!row || Number(row.window_start) <= now - windowMs) return state(0, now, limit, windowMs, now);
      // "allowed" here means one more event may happen.
      const s = state(Number(row.count), Number(row.window_start), limit, windowMs, now);
      return { ...s, allowed: s.count < limit };
    },

    async reset(key: string): Promise<void> {
      await db.deleteFrom('rate_counters').where('key', '=', key).execute();
    },

    /** Housekeeping: forget windows that ended long ago. */
    async prune(olderThanMs: number): Promise<number> {
      const r = await db
        .deleteFrom('rate_counters')
        .where('window_start', '<', clock.now() - olderThanMs)
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}

export type FixedWindow = ReturnType<typeof createFixedWindow>;

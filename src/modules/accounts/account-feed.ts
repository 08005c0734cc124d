/**
 * The account poller and cache. However many API clients, SSE streams and widgets read an account,
 * Brymix reads it upstream at most once per polling interval: a poll lock (in memory, or `SET NX PX`
 * in Redis across processes) decides who reads; the snapshot is stored with the cache TTL and
 * published to every process, whose SSE subscribers get it from there. When upstream fails the last
 * good data is kept and marked stale with its age; it is never served older than the cache TTL.
 */

import { AppError } from '../../http/errors.ts';
import type { Clock } from '../../infra/clock.ts';
import type { Logger } from '../../infra/logger.ts';
import type { FeedStore } from '../../infra/pubsub/feed-store.ts';
import { isConnectorError, type Mt5Connector } from '../../mt5/connector.ts';
import type { AccountHistory } from '../../mt5/history.ts';
import type { FlatRules } from '../../rules/flat.ts';
import type { AccountService } from './account.service.ts';
import type { Mt5AccountRow } from './account.table.ts';
import {
  type AccountSnapshot,
  appendPoint,
  buildSummary,
  CHART_POINTS,
  deriveFromHistory,
  type HistoryDerived,
  infoView,
  positionView,
} from './account.ts';

export type SnapshotListener = (next: AccountSnapshot, prev: AccountSnapshot | null) => void;

interface FeedOptions {
  clock: Clock;
  logger: Logger;
  store: FeedStore;
  connectors: Mt5Connector;
  accounts: Pick<AccountService, 'credentials' | 'findById'>;
  intervalMs: number;
  maxAgeMs: number;
  historyIntervalMs: number;
  timeoutMs: number;
}

interface Watch {
  listeners: Set<SnapshotListener>;
  timer: NodeJS.Timeout | null;
  row: Mt5AccountRow;
}

/** A failure with no good data to fall back on (answered 503). */
interface FailedRecord {
  account_id: string;
  failed: { code: string; message: string; at: number };
}

export function createAccountFeed(o: FeedOptions) {
  /** This process's view of the latest snapshot per account (kept in step by the store's pub/sub). */
  const latest = new Map<string, AccountSnapshot>();
  const failures = new Map<string, FailedRecord['failed']>();
  const watches = new Map<string, Watch>();
  const inflight = new Map<string, Promise<void>>();
  /** Deal history is heavier than info/positions: re-read every historyIntervalMs or when the positions change. */
  const histories = new Map<
    string,
    { at: number; history: AccountHistory; derived: HistoryDerived; tickets: string }
  >();
  let upstreamReads = 0;

  function accept(json: string): void {
    const parsed = JSON.parse(json) as AccountSnapshot | FailedRecord;
    if ('failed' in parsed) {
      failures.set(parsed.account_id, parsed.failed);
      return;
    }
    const prev = latest.get(parsed.account_id) ?? null;
    if (prev && prev.seq >= parsed.seq) return; // our own publish echoed back, or an older one
    failures.delete(parsed.account_id);
    latest.set(parsed.account_id, parsed);
    const w = watches.get(parsed.account_id);
    if (w)
      for (const l of [...w.listeners]) {
        try {
          l(parsed, prev);
        } catch (err) {
          o.logger.warn({ err, account: parsed.account_id }, 'snapshot listener failed');
        }
      }
  }
  o.store.onMessage((_id, json) => accept(json));

  async function readUpstream(row: Mt5AccountRow, prev: AccountSnapshot | null): Promise<AccountSnapshot> {
    const creds = o.accounts.credentials(row);
    const signal = AbortSignal.timeout(o.timeoutMs);
    const now = o.clock.now();
    upstreamReads++;
    const [info, positions] = await Promise.all([
      o.connectors.getAccountInfo(creds, { signal }),
      o.connectors.getPositions(creds, { signal }),
    ]);
    const tickets = positions
      .map((p) => p.ticket)
      .sort()
      .join(',');
    let h = histories.get(row.id);
    if (!h || now - h.at >= o.historyIntervalMs || h.tickets !== tickets) {
      const history = await o.connectors.fetchHistory(creds, { signal });
      const rules = row.rules ? (JSON.parse(row.rules) as FlatRules) : null;
      h = {
        at: now,
        history,
        tickets,
        derived: deriveFromHistory(history, { rules, initialBalance: row.initial_balance, now }),
      };
      histories.set(row.id, h);
    }
    const iv = infoView(info);
    const pv = positions.map(positionView);
    const base = prev?.equity.length ? prev.equity : h.derived.equity;
    return {
      account_id: row.id,
      seq: (prev?.seq ?? 0) + 1,
      fetched_at: now,
      error: null,
      info: iv,
      positions: pv,
      summary: buildSummary(iv, pv, h.derived, h.history),
      equity: appendPoint(base, { time: Math.floor(now / 1000), value: iv.equity }, CHART_POINTS),
    };
  }

  async function current(accountId: string): Promise<AccountSnapshot | null> {
    const mine = latest.get(accountId);
    if (mine) return mine;
    const json = await o.store.get(accountId);
    if (!json) return null;
    accept(json);
    return latest.get(accountId) ?? null;
  }

  /** Makes sure this interval's upstream read happened (here or in another process). */
  async function refresh(row: Mt5AccountRow): Promise<void> {
    const running = inflight.get(row.id);
    if (running) return running;
    const p = (async () => {
      const now = o.clock.now();
      if (!(await o.store.tryLock(row.id, o.intervalMs, now))) return; // someone read it this interval
      // Another process may have published since our copy; start from the shared one.
      const storedJson = await o.store.get(row.id);
      if (storedJson) accept(storedJson);
      const prev = latest.get(row.id) ?? null;
      let next: AccountSnapshot | FailedRecord;
      try {
        next = await readUpstream(row, prev);
      } catch (err) {
        const code = isConnectorError(err) ? err.code : 'unreachable';
        const message = isConnectorError(err) ? err.message : 'MT5 server did not respond';
        if (!isConnectorError(err))
          o.logger.warn({ err: (err as Error).message, account: row.id }, 'account read failed');
        const failed = { code, message, at: now };
        next =
          prev && !prev.error
            ? { ...prev, seq: prev.seq + 1, error: failed }
            : prev
              ? { ...prev, error: failed }
              : { account_id: row.id, failed };
      }
      const json = JSON.stringify(next);
      // The stored copy expires with the cache TTL counted from the last good read.
      const ttl = 'failed' in next ? o.intervalMs : Math.max(1, next.fetched_at + o.maxAgeMs - now);
      await o.store.set(row.id, json, ttl);
      accept(json);
      await o.store.publish(row.id, json);
    })().finally(() => inflight.delete(row.id));
    inflight.set(row.id, p);
    return p;
  }

  function usable(s: AccountSnapshot | null): boolean {
    return s !== null && o.clock.now() - s.fetched_at <= o.maxAgeMs;
  }

  return {
    get upstreamReads() {
      return upstreamReads;
    },
    intervalMs: o.intervalMs,

    /** The account's data for an API answer: cached if read this interval, else read now (once for everyone). */
    async read(row: Mt5AccountRow): Promise<AccountSnapshot> {
      let s: AccountSnapshot | null = await current(row.id);
      if (!s || o.clock.now() - s.fetched_at >= o.intervalMs) {
        await refresh(row);
        s = await current(row.id);
        // Another process holds this interval's lock: wait briefly for its result.
        for (let i = 0; !usable(s) && !s?.error && !failures.has(row.id) && i < Math.ceil(o.timeoutMs / 50); i++) {
          await new Promise((r) => setTimeout(r, 50));
          s = await current(row.id);
        }
      }
      if (s && usable(s)) return s;
      const failed = failures.get(row.id) ?? s?.error;
      throw new AppError(
        'unavailable',
        failed ? `Account data is unavailable: ${failed.message}` : 'Account data is unavailable right now',
      );
    },

    /** The latest snapshot without reading upstream (null when none within the cache TTL). */
    async peek(accountId: string): Promise<AccountSnapshot | null> {
      const s = await current(accountId);
      return s && usable(s) ? s : null;
    },

    failureOf(accountId: string) {
      return failures.get(accountId) ?? null;
    },

    /** Live updates: polls every interval while anyone in this process listens. */
    subscribe(row: Mt5AccountRow, listener: SnapshotListener): () => void {
      let w = watches.get(row.id);
      if (!w) {
        w = { listeners: new Set(), timer: null, row };
        watches.set(row.id, w);
        const tick = () => {
          void refresh(w!.row).catch((err: Error) =>
            o.logger.warn({ err: err.message, account: row.id }, 'poll failed'),
          );
        };
        w.timer = setInterval(tick, o.intervalMs);
        w.timer.unref();
      }
      w.listeners.add(listener);
      return () => {
        const cur = watches.get(row.id);
        if (!cur) return;
        cur.listeners.delete(listener);
        if (cur.listeners.size === 0) {
          if (cur.timer) clearInterval(cur.timer);
          watches.delete(row.id);
        }
      };
    },

    /** Health of the feeds this process knows (admin panel). */
    health(accountId: string): {
      state: 'live' | 'stale' | 'failing' | 'idle';
      fetched_at: string | null;
      age_seconds: number | null;
      error: string | null;
      watchers: number;
    } {
      const s = latest.get(accountId) ?? null;
      const f = failures.get(accountId) ?? null;
      const watchers = watches.get(accountId)?.listeners.size ?? 0;
      if (!s)
        return {
          state: f ? 'failing' : 'idle',
          fetched_at: null,
          age_seconds: null,
          error: f?.message ?? null,
          watchers,
        };
      const age = o.clock.now() - s.fetched_at;
      const state = s.error ? 'stale' : age > o.intervalMs * 3 ? (watchers ? 'stale' : 'idle') : 'live';
      return {
        state,
        fetched_at: new Date(s.fetched_at).toISOString(),
        age_seconds: Math.round(age / 1000),
        error: s.error?.message ?? null,
        watchers,
      };
    },

    /** Forgets an account (removed from the registry). */
    forget(accountId: string): void {
      latest.delete(accountId);
      failures.delete(accountId);
      histories.delete(accountId);
      const w = watches.get(accountId);
      if (w?.timer) clearInterval(w.timer);
      watches.delete(accountId);
    },

    async close(): Promise<void> {
      for (const w of watches.values()) if (w.timer) clearInterval(w.timer);
      watches.clear();
      await Promise.allSettled([...inflight.values()]);
    },
  };
}

export type AccountFeed = ReturnType<typeof createAccountFeed>;

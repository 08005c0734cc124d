/**
 * The live process's side of monitors: which monitors it watches (leases), one upstream read per
 * account per interval however many monitors watch that account, and each reading handed to the
 * monitors' evaluators (monitor.watch.ts). A lease is a row's `lease_owner` + `lease_expires_at`,
 * renewed every third of MONITOR_LEASE_MS; a process that dies stops renewing and another takes its
 * monitors when the lease runs out (the embedded SQLite process takes every monitor at once). After
 * a restart a monitor resumes from its reader's history (`start`): its evaluator is rebuilt, and an
 * event it raises again is the same event id, recorded once.
 */
import { hostname } from 'node:os';
import type { Clock } from '../../infra/clock.ts';
import { randomBase62, type Sealer } from '../../infra/crypto/index.ts';
import type { Db } from '../../infra/db/index.ts';
import type { Logger } from '../../infra/logger.ts';
import type { Metrics } from '../../infra/metrics.ts';
import type { Mt5Credentials } from '../../mt5/connector.ts';
import type { LiveReader } from '../../mt5/live.ts';
import type { ConnectorRouter } from '../../mt5/router.ts';
import type { MonitorEvents } from './monitor.events.ts';
import { createMonitorRepository } from './monitor.repository.ts';
import type { MonitorService } from './monitor.service.ts';
import type { MonitorRow } from './monitor.table.ts';
import {
  checkStale,
  newWatch,
  observe,
  readFailed,
  seed,
  serially,
  type Watch,
  type WatchContext,
} from './monitor.watch.ts';

export interface MonitorRuntimeDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  sealer: Sealer;
  connectors: Pick<ConnectorRouter, 'live'>;
  events: MonitorEvents;
  monitors: Pick<MonitorService, 'onStarted'>;
  pollIntervalMs: number;
  staleAfterMs: number;
  readTimeoutMs: number;
  leaseMs: number;
  snapshotMs: number;
  /** Take every monitor whoever holds it (the only process of an embedded deployment). */
  takeOver: boolean;
  /** Monitors claimed per lease round at most. */
  claimBatch?: number;
}

/** One MT5 account read on behalf of every monitor watching it. */
interface Account {
  key: string;
  creds: Mt5Credentials;
  reader: LiveReader;
  cursor: string | null;
  watches: Set<Watch>;
  busy: boolean;
}

export function createMonitorRuntime(deps: MonitorRuntimeDeps) {
  const repo = createMonitorRepository(deps.db);
  const owner = `${hostname()}:${process.pid}:${randomBase62(8)}`;
  const ctx: WatchContext = {
    events: deps.events,
    repo,
    clock: deps.clock,
    logger: deps.logger,
    owner,
    staleAfterMs: deps.staleAfterMs,
    snapshotMs: deps.snapshotMs,
    onEvent: (event) => deps.metrics.monitorEvents.inc({ event }),
  };
  const watches = new Map<string, Watch>();
  const accounts = new Map<string, Account>();
  let lastLeaseAt = -Infinity;
  let leaseNow = false;
  let timer: NodeJS.Timeout | null = null;
  let stopOnStarted: (() => void) | null = null;
  let running: Promise<void> | null = null;
  const pending = new Set<Promise<void>>();

  function track(p: Promise<void>): void {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  }

  /** Same login, server and password: one account, read once per interval. */
  const accountKey = (c: Mt5Credentials) => `${c.server}\n${c.login}\n${deps.sealer.fingerprint(c.password)}`;

  function unwatch(w: Watch): void {
    w.done = true;
    watches.delete(w.row.id);
    const key = accountKey(w.creds);
    const a = accounts.get(key);
    if (!a) return;
    a.watches.delete(w);
    if (a.watches.size === 0) accounts.delete(key);
  }

  function watch(row: MonitorRow): void {
    if (!row.credentials_enc) return;
    let creds: Mt5Credentials;
    let reader: LiveReader;
    try {
      creds = JSON.parse(deps.sealer.open(row.credentials_enc, row.id)) as Mt5Credentials;
      reader = deps.connectors.live(row.mt5_server);
    } catch (err) {
      deps.logger.warn({ monitorId: row.id, err: (err as Error).message }, 'monitor cannot be watched');
      return;
    }
    const w = newWatch(row, creds, deps.clock.now());
    watches.set(row.id, w);
    const key = accountKey(creds);
    let a = accounts.get(key);
    if (!a) {
      a = { key, creds, reader, cursor: null, watches: new Set(), busy: false };
      accounts.set(key, a);
    }
    a.watches.add(w);
  }

  async function leases(): Promise<void> {
    const now = deps.clock.now();
    lastLeaseAt = now;
    leaseNow = false;
    const batch = deps.claimBatch ?? 1_000;
    const held = await repo.claimAndRenew(owner, now, deps.leaseMs, { limit: batch, takeOver: deps.takeOver });
    const heldIds = new Set(held.map((r) => r.id));
    deps.metrics.monitorsWatched.set(held.length);
    for (const w of [...watches.values()]) if (!heldIds.has(w.row.id) || w.done) unwatch(w);
    const fresh: string[] = [];
    for (const r of held) {
      const w = watches.get(r.id);
      if (!w) fresh.push(r.id);
      else if (r.sequence !== w.row.sequence || r.status !== w.row.status) {
        const row = await repo.find(r.id);
        if (row) w.row = row;
      }
    }
    for (const row of await repo.findMany(fresh)) watch(row);
    // A full batch claimed: more may be waiting, so the next round claims again at once.
    if (fresh.length >= batch) leaseNow = true;
  }

  /** The account's history seeds each watch that has no evaluator yet; the first start also sets the cursor. */
  async function seedAccount(a: Account): Promise<void> {
    const unseeded = [...a.watches].filter((w) => !w.evaluator);
    if (unseeded.length === 0 && a.cursor !== null) return;
    // A cursor saved by the process that watched the account before lets the reader go on with it.
    const resume = a.cursor ?? unseeded.find((w) => w.row.reader_cursor)?.row.reader_cursor;
    const { history, cursor } = await a.reader.start(a.creds, {
      signal: AbortSignal.timeout(deps.readTimeoutMs),
      ...(resume ? { resume } : {}),
    });
    for (const w of unseeded) seed(w, history);
    a.cursor ??= cursor;
  }

  async function readAccount(a: Account): Promise<void> {
    try {
      await seedAccount(a);
      const reading = await a.reader.read(a.creds, a.cursor!, { signal: AbortSignal.timeout(deps.readTimeoutMs) });
      const fresh = deps.clock.now() - Date.parse(reading.time) <= deps.staleAfterMs;
      deps.metrics.monitorReadings.inc({ result: fresh ? 'ok' : 'old' });
      const judged = await Promise.all(
        [...a.watches].map((w) => serially(w, () => observe(ctx, w, reading).then(() => undefined)).then(() => w)),
      );
      for (const w of judged) if (w.done) unwatch(w);
      // A reading too old to judge on leaves the cursor where it was: its deals come again.
      if (fresh) a.cursor = reading.cursor;
    } catch (err) {
      deps.metrics.monitorReadings.inc({ result: 'failed' });
      const message = ((err as Error).message || String(err)).slice(0, 300);
      for (const w of [...a.watches]) await serially(w, () => readFailed(ctx, w, message));
    }
  }

  /**
   * One round: leases when due, a read of each account not still being read (a slow account holds
   * up no other; `wait` waits for the reads), then the stale check.
   */
  async function tick(wait: boolean): Promise<void> {
    const now = deps.clock.now();
    if (leaseNow || now - lastLeaseAt >= deps.leaseMs / 3) {
      try {
        await leases();
      } catch (err) {
        deps.logger.warn({ err: (err as Error).message }, 'monitor leases could not be renewed');
      }
    }
    const round: Promise<void>[] = [];
    let overdue = 0;
    for (const a of accounts.values()) {
      if (a.busy) {
        overdue++;
        continue;
      }
      a.busy = true;
      const p = readAccount(a).finally(() => {
        a.busy = false;
      });
      track(p);
      round.push(p);
    }
    if (overdue > 0) deps.metrics.monitorReadsOverdue.inc(overdue);
    if (wait) await Promise.all(round);
    const staleBefore = deps.clock.now() - deps.staleAfterMs;
    for (const w of [...watches.values()]) {
      if (w.row.status !== 'active' || w.lastFreshAt >= staleBefore) continue;
      await serially(w, () => checkStale(ctx, w));
      if (w.done) unwatch(w);
    }
  }

  return {
    owner,
    /** Runs one round and waits for it (tests drive the clock and call this). */
    async tick(): Promise<void> {
      while (running) await running;
      running = tick(true).finally(() => {
        running = null;
      });
      return running;
    },
    /** Watches on a timer until stop(). */
    start(): void {
      if (timer) return;
      stopOnStarted = deps.monitors.onStarted(() => {
        leaseNow = true;
      });
      const round = () => {
        if (running) return;
        running = tick(false)
          .catch((err: Error) => deps.logger.error({ err: err.message }, 'monitor round failed'))
          .finally(() => {
            running = null;
          });
      };
      timer = setInterval(round, deps.pollIntervalMs);
      timer.unref();
      round();
    },
    /** Stops watching and gives the leases up, so another process takes the monitors at once. */
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = null;
      stopOnStarted?.();
      stopOnStarted = null;
      while (running) await running.catch(() => undefined);
      await Promise.allSettled([...pending]);
      if (watches.size > 0 || lastLeaseAt > -Infinity)
        await repo
          .release(owner)
          .catch((err: Error) => deps.logger.warn({ err: err.message }, 'could not release monitor leases'));
      for (const w of [...watches.values()]) unwatch(w);
    },
    /** How many monitors and accounts this process watches now. */
    stats: () => ({ monitors: watches.size, accounts: accounts.size }),
  };
}

export type MonitorRuntime = ReturnType<typeof createMonitorRuntime>;

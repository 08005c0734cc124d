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
import { createLeases } from './monitor.leases.ts';
import { createMonitorRepository, type FigureRow, LIVE_STATUSES, type Partition } from './monitor.repository.ts';
import type { MonitorService } from './monitor.service.ts';
import type { MonitorRow } from './monitor.table.ts';
import type { LiveFigures } from './monitor.ts';
import {
  checkStale,
  judge,
  liveFigures,
  newWatch,
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
  monitors: Pick<MonitorService, 'onStarted' | 'onStopped' | 'useLive'>;
  pollIntervalMs: number;
  staleAfterMs: number;
  readTimeoutMs: number;
  leaseMs: number;
  snapshotMs: number;
  /** See WatchContext.replayWindowMs (default: MONITOR_REPLAY_WINDOW_S's default, 120 s). */
  replayWindowMs?: number;
  /**
   * Take every monitor whoever holds it (the only process of an embedded deployment), or with
   * `partition` every monitor of that part (one of the process's monitor threads, each taking its
   * own part: no lease is renewed, since no other process looks).
   */
  takeOver: boolean;
  partition?: Partition;
  /** Monitors claimed per lease round at most. */
  claimBatch?: number;
  /** Told of each event raised, after its commit (a monitor thread tells the main thread's queue). */
  onEvent?: (event: string) => void;
}

/** One MT5 account read on behalf of every monitor watching it. */
interface Account {
  key: string;
  creds: Mt5Credentials;
  reader: LiveReader;
  cursor: string | null;
  watches: Set<Watch>;
  busy: boolean;
  /** Which tenth of the interval it is read in: a second's reads are spread over the second. */
  slot: number;
  /** Every watch has its evaluator and the reader its cursor (a watch added later clears it). */
  seeded: boolean;
  /** When its last read began (0: never). */
  readAt: number;
  /** Reads failed in a row; after a failure the account waits (doubling, at most MAX_BACKOFF_MS) before the next. */
  failures: number;
  retryAt: number;
}

/** The longest wait between reads of an account that keeps failing (a wrong password is not tried every second). */
const MAX_BACKOFF_MS = 10_000;

/** The interval is cut in this many slots, each account read in its own. */
const SLOTS = 10;

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
    replayWindowMs: deps.replayWindowMs ?? 120_000,
    onEvent: (event) => {
      deps.metrics.monitorEvents.inc({ event });
      deps.onEvent?.(event);
    },
    save: (w, figures) => saves.push({ w, figures }),
  };
  /** Figures waiting for the round's single write. */
  let saves: Array<{ w: Watch; figures: FigureRow }> = [];
  let slotCounter = 0;
  let nextSlot = 0;
  let housekeeping: Promise<void> | null = null;
  const watches = new Map<string, Watch>();
  const accounts = new Map<string, Account>();
  /** The accounts of each slot (a slot's tick reads only its own). */
  const bySlot = Array.from({ length: SLOTS }, () => new Set<Account>());
  let timer: NodeJS.Timeout | null = null;
  let stopListening: (() => void) | null = null;
  let running: Promise<void> | null = null;
  const pending = new Set<Promise<void>>();

  /** A monitor this runtime watches, as of its last reading (null when it does not watch it). */
  function figures(row: MonitorRow): LiveFigures | null {
    const w = watches.get(row.id);
    return w && !w.done && w.row.sequence >= row.sequence ? liveFigures(w) : null;
  }
  const leases = createLeases({ deps, repo, owner, watches, watch, unwatch });
  const claimSoon = () => leases.claimSoon();
  /** A monitor was stopped through the API: its watch ends now. */
  function drop(id: string): void {
    const w = watches.get(id);
    if (w) unwatch(w);
  }
  // GET shows a monitor this process watches as of its last reading, not as of its last saved figures.
  deps.monitors.useLive(figures);

  function track(p: Promise<void>): void {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  }

  /**
   * Writes the figures queued since the last flush in one transaction. A monitor not updated (an
   * event since, a stop, the lease lost) is reread: the watch ends unless it is still this process's.
   */
  async function flushSaves(): Promise<void> {
    const batch = saves;
    saves = [];
    if (batch.length === 0) return;
    try {
      const missed = await repo.saveFigures(
        owner,
        batch.map((b) => b.figures),
      );
      for (const id of missed) {
        const w = watches.get(id);
        const row = w && (await repo.find(id));
        if (!w || !row) continue;
        if (row.lease_owner !== owner || !(LIVE_STATUSES as readonly string[]).includes(row.status)) unwatch(w);
        else w.row = row;
      }
    } catch (err) {
      deps.logger.warn({ err: (err as Error).message, monitors: batch.length }, 'monitor figures could not be saved');
    }
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
    if (a.watches.size > 0) return;
    accounts.delete(key);
    bySlot[a.slot]!.delete(a);
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
      a = {
        key,
        creds,
        reader,
        cursor: null,
        watches: new Set(),
        seeded: false,
        busy: false,
        slot: nextSlot++ % SLOTS,
        readAt: 0,
        failures: 0,
        retryAt: 0,
      };
      accounts.set(key, a);
      bySlot[a.slot]!.add(a);
    }
    a.watches.add(w);
    a.seeded = false;
  }

  /** The account's history seeds each watch that has no evaluator yet; the first start also sets the cursor. */
  async function seedAccount(a: Account, signal: AbortSignal): Promise<void> {
    const unseeded = [...a.watches].filter((w) => !w.evaluator);
    // A cursor saved by the process that watched the account before lets the reader go on with it.
    const resume = a.cursor ?? unseeded.find((w) => w.row.reader_cursor)?.row.reader_cursor;
    const { history, cursor } = await a.reader.start(a.creds, {
      signal,
      ...(resume ? { resume } : {}),
    });
    for (const w of unseeded) seed(ctx, w, history);
    a.cursor ??= cursor;
    a.seeded = true;
  }

  async function readAccount(a: Account, signal: AbortSignal): Promise<void> {
    try {
      if (!a.seeded) await seedAccount(a, signal);
      const reading = await a.reader.read(a.creds, a.cursor!, { signal });
      const at = Date.parse(reading.time);
      const fresh = deps.clock.now() - at <= deps.staleAfterMs;
      if (fresh) counts.ok++;
      else counts.old++;
      // Judged at once; only a monitor that raises events is waited for.
      let raising: Promise<void>[] | null = null;
      for (const w of a.watches) {
        const p = judge(ctx, w, reading, at);
        if (!p) continue;
        raising ??= [];
        raising.push(p);
      }
      if (raising) await Promise.all(raising);
      for (const w of a.watches) if (w.done) unwatch(w);
      // A reading too old to judge on leaves the cursor where it was: its deals come again.
      if (fresh) a.cursor = reading.cursor;
      a.failures = 0;
    } catch (err) {
      counts.failed++;
      a.failures++;
      a.retryAt = deps.clock.now() + Math.min(MAX_BACKOFF_MS, deps.pollIntervalMs * 2 ** (a.failures - 1));
      const message = ((err as Error).message || String(err)).slice(0, 300);
      for (const w of [...a.watches]) await serially(w, () => readFailed(ctx, w, message));
    }
  }

  /** The readings counted since the last flush, added to the metrics once per slot (not once per reading). */
  const counts = { ok: 0, old: 0, failed: 0 };
  function flushCounts(): void {
    for (const result of ['ok', 'old', 'failed'] as const) {
      if (counts[result] === 0) continue;
      deps.metrics.monitorReadings.inc({ result }, counts[result]);
      counts[result] = 0;
    }
  }

  /** Reads the accounts of `slot` (all when null) not still being read; a slow one holds up no other. */
  function readSlot(slot: number | null): Promise<void>[] {
    const round: Promise<void>[] = [];
    let overdue = 0;
    const now = performance.now();
    const late = deps.pollIntervalMs * 1.5;
    // One deadline for the slot's reads (a timer per read costs more than the read).
    const signal = AbortSignal.timeout(deps.readTimeoutMs);
    for (const a of slot === null ? accounts.values() : bySlot[slot]!) {
      // Still being read, or read later than its interval allows: this process is not keeping up.
      if (a.failures > 0 && deps.clock.now() < a.retryAt) continue;
      if (a.busy) {
        overdue++;
        continue;
      }
      if (slot !== null && a.readAt > 0 && now - a.readAt > late) overdue++;
      a.readAt = now;
      a.busy = true;
      const p = readAccount(a, signal).finally(() => {
        a.busy = false;
      });
      track(p);
      round.push(p);
    }
    if (overdue > 0) deps.metrics.monitorReadsOverdue.inc(overdue);
    return round;
  }

  /** Leases when due (or new monitors claimed), then, once per interval, the stale check of every watch. */
  async function keepHouse(staleCheck: boolean): Promise<void> {
    if (leases.due()) {
      try {
        await leases.round(leases.fullDue());
      } catch (err) {
        deps.logger.warn({ err: (err as Error).message }, 'monitor leases could not be renewed');
      }
    }
    if (!staleCheck) return;
    const staleBefore = deps.clock.now() - deps.staleAfterMs;
    for (const w of [...watches.values()]) {
      if (w.row.status !== 'active' || w.lastFreshAt >= staleBefore) continue;
      await serially(w, () => checkStale(ctx, w));
      if (w.done) unwatch(w);
    }
  }

  /** One slot of the timer: its reads, the figures queued so far, and housekeeping once per interval. */
  function slotTick(): void {
    const slot = slotCounter++ % SLOTS;
    readSlot(slot);
    flushCounts();
    void flushSaves();
    if ((slot === 0 || leases.due()) && !housekeeping)
      housekeeping = keepHouse(slot === 0)
        .catch((err: Error) => deps.logger.error({ err: err.message }, 'monitor housekeeping failed'))
        .finally(() => {
          housekeeping = null;
        });
  }

  return {
    owner,
    /** Runs one whole round (leases, every account read, figures saved, the stale check) and waits for it: tests drive the clock and call this. */
    async tick(): Promise<void> {
      while (running) await running;
      running = (async () => {
        if (leases.due()) await leases.round(leases.fullDue());
        await Promise.all(readSlot(null));
        flushCounts();
        await flushSaves();
        await keepHouse(true);
      })().finally(() => {
        running = null;
      });
      return running;
    },
    /** Watches on a timer until stop(): each account read once per interval, the reads spread over it. */
    start(): void {
      if (timer) return;
      const offStarted = deps.monitors.onStarted(claimSoon);
      const offStopped = deps.monitors.onStopped(drop);
      stopListening = () => {
        offStarted();
        offStopped();
      };
      timer = setInterval(slotTick, Math.max(1, Math.round(deps.pollIntervalMs / SLOTS)));
      timer.unref();
      slotTick();
    },
    /** Stops watching and gives the leases up, so another process takes the monitors at once. */
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = null;
      stopListening?.();
      stopListening = null;
      while (running) await running.catch(() => undefined);
      while (housekeeping) await housekeeping;
      await Promise.allSettled([...pending]);
      await flushSaves();
      if (watches.size > 0 || leases.started())
        await Promise.all([repo.release(owner), repo.leave(owner)]).catch((err: Error) =>
          deps.logger.warn({ err: err.message }, 'could not release monitor leases'),
        );
      for (const w of [...watches.values()]) unwatch(w);
    },
    figures,
    claimSoon,
    drop,
    /** How many monitors and accounts this process watches now. */
    stats: () => ({ monitors: watches.size, accounts: accounts.size }),
  };
}

export type MonitorRuntime = ReturnType<typeof createMonitorRuntime>;

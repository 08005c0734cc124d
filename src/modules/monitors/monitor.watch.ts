/**
 * One watched monitor in a live process: its evaluator, and the judgement after each observation.
 * Events follow the order within one reading: recovered (fresh data after a stale spell),
 * then each alert level crossed, then breached or objectives_met. A monitor is judged only on a
 * reading younger than the stale threshold. Every event is raised through MonitorEvents, under the
 * lease this process holds: when the monitor changed under it (stopped, taken by another process)
 * the watch ends.
 */
import type { Clock } from '../../infra/clock.ts';
import type { Logger } from '../../infra/logger.ts';
import type { Mt5Credentials } from '../../mt5/connector.ts';
import type { AccountHistory } from '../../mt5/history.ts';
import type { LiveReading } from '../../mt5/live.ts';
import { createLiveEvaluator, type LiveEvaluator } from '../../rules/live.ts';
import type { RuleSpec } from '../../rules/registry.ts';
import type { Evaluation } from '../../rules/types.ts';
import type { MonitorEvents, RaiseInput } from './monitor.events.ts';
import { type FigureRow, LIVE_STATUSES, type MonitorRepository } from './monitor.repository.ts';
import type { MonitorRow } from './monitor.table.ts';
import { alertSubject, type LiveFigures, type MonitorSnapshot, type MonitorStatus, readSnapshot } from './monitor.ts';

export interface WatchContext {
  events: MonitorEvents;
  repo: MonitorRepository;
  clock: Clock;
  logger: Logger;
  /** This live process (the lease holder). */
  owner: string;
  staleAfterMs: number;
  snapshotMs: number;
  /** Account time a late deal or reading may lag the newest and still be replayed exactly (live.ts). */
  replayWindowMs: number;
  /** Told of each event raised (metrics). */
  onEvent?: (event: string) => void;
  /** Queues a watch's figures (no event) for the round's single write. */
  save(w: Watch, figures: FigureRow): void;
}

type ConnectionState = 'connecting' | 'connected' | 'error';

export interface Watch {
  row: MonitorRow;
  creds: Mt5Credentials;
  rules: RuleSpec[];
  alerts: number[];
  evaluator: LiveEvaluator | null;
  /** Positions open at the last reading (-1 before the first). */
  positionsOpen: number;
  /** The highest deal ticket applied: a deal seen in the seed is not applied again from a reading. */
  lastTicket: number;
  /** Items the evaluator placed later than their time (older than the replay window), as last logged. */
  lateBeyondWindow: number;
  /** When the last fresh reading was taken (or the watch began, before any). */
  lastFreshAt: number;
  /** When the last reading judged was taken (null before the first). */
  lastObservationAt: number | null;
  lastSavedAt: number;
  /** Alerts raised (or found raised before): alertSubject keys. */
  sentAlerts: Set<string>;
  connection: { state: ConnectionState; since: number; error: string | null };
  connectionChanged: boolean;
  /** The watch is over (ended, stopped, or the lease lost). */
  done: boolean;
  /** Judgements of one monitor run one at a time: the last one queued, and how many have not ended. */
  chain: Promise<void>;
  inFlight: number;
}

export function newWatch(row: MonitorRow, creds: Mt5Credentials, now: number): Watch {
  return {
    row,
    creds,
    rules: JSON.parse(row.rules) as RuleSpec[],
    alerts: JSON.parse(row.alerts) as number[],
    evaluator: null,
    positionsOpen: -1,
    lastTicket: -Infinity,
    lateBeyondWindow: 0,
    lastFreshAt: now,
    lastObservationAt: null,
    lastSavedAt: 0,
    sentAlerts: new Set(),
    connection: {
      state: row.connection_state as ConnectionState,
      since: row.connection_since,
      error: row.connection_error,
    },
    connectionChanged: false,
    done: false,
    chain: Promise.resolve(),
    inFlight: 0,
  };
}

/** Runs `fn` after the watch's earlier judgements. */
export function serially(w: Watch, fn: () => Promise<void>): Promise<void> {
  w.inFlight++;
  const done = () => {
    w.inFlight--;
  };
  const p = w.chain.then(fn, fn);
  w.chain = p.then(done, done);
  return p;
}

/**
 * Judges a reading: at once when nothing of the monitor is in flight (the common case costs no
 * promise), else after what is. Returns the promise of the events it raised, or null.
 */
export function judge(ctx: WatchContext, w: Watch, reading: LiveReading, at: number): Promise<void> | null {
  if (w.inFlight === 0) {
    const raising = observe(ctx, w, reading, at);
    return raising && serially(w, () => raising);
  }
  return serially(w, () => observe(ctx, w, reading, at) ?? Promise.resolve());
}

export function seed(ctx: Pick<WatchContext, 'replayWindowMs'>, w: Watch, history: AccountHistory): void {
  w.evaluator = createLiveEvaluator(history, w.rules, {
    initialBalance: w.row.initial_balance,
    replayWindowMs: ctx.replayWindowMs,
  });
  for (const d of history.deals) if (d.ticket > w.lastTicket) w.lastTicket = d.ticket;
}

function setConnection(w: Watch, state: ConnectionState, error: string | null, now: number): void {
  if (w.connection.state === state && w.connection.error === error) return;
  w.connection = { state, since: w.connection.state === state ? w.connection.since : now, error };
  w.connectionChanged = true;
}

type LimitRoom = ReturnType<LiveEvaluator['limits']>[number];

function snapshotOf(evaluation: Evaluation, limits: LimitRoom[]): MonitorSnapshot {
  return {
    metrics: evaluation.metrics,
    violations: evaluation.violations as unknown as MonitorSnapshot['violations'],
    objectives: evaluation.objectives as unknown as MonitorSnapshot['objectives'],
    equity_source: evaluation.equity_source,
    limits: limits.map((l) => ({ ...l })),
  };
}

/** Raises an event under this process's lease; on a changed monitor, rereads it once and tries again. */
async function raise(ctx: WatchContext, w: Watch, input: Omit<RaiseInput, 'guard'>): Promise<boolean> {
  for (let tries = 0; tries < 2; tries++) {
    const r = await ctx.events.raise(w.row, { ...input, guard: { owner: ctx.owner, statuses: LIVE_STATUSES } });
    if (r.result === 'raised') {
      ctx.onEvent?.(input.event);
      // The event's figures came from the evaluator, which keeps newer ones: the row need not hold them.
      w.row = w.evaluator ? { ...r.row, snapshot: null } : r.row;
      return true;
    }
    if (r.result === 'duplicate') return true;
    const fresh = await ctx.repo.find(w.row.id);
    if (!fresh || fresh.lease_owner !== ctx.owner || !(LIVE_STATUSES as readonly string[]).includes(fresh.status)) {
      w.done = true;
      return false;
    }
    w.row = fresh;
  }
  return false;
}

const ended = (status: MonitorStatus, now: number) => ({
  credentials_enc: null,
  ended_at: now,
  lease_owner: null,
  lease_expires_at: null,
  status,
});

/**
 * Applies one reading (`at`: its time in ms) and judges it. Most readings raise nothing: they are
 * judged here and now, and null is returned. A reading that raises events returns the promise of
 * raising them, in order; the caller runs later judgements of the monitor after it (serially).
 * A reading older than the stale threshold is not judged (old data never decides).
 */
function observe(ctx: WatchContext, w: Watch, reading: LiveReading, at: number): Promise<void> | null {
  if (w.done || !w.evaluator) return null;
  const now = ctx.clock.now();
  if (!(now - at <= ctx.staleAfterMs)) return null;
  let deals = reading.deals;
  if (deals.length > 0) {
    deals = deals.filter((d) => d.ticket > w.lastTicket);
    for (const d of deals) if (d.ticket > w.lastTicket) w.lastTicket = d.ticket;
  }
  w.evaluator.apply({
    deals,
    equity: { time: reading.time, balance: reading.balance, equity: reading.equity },
    equityMs: at,
    positions: reading.positions,
  });
  if (w.evaluator.lateBeyondWindow() > w.lateBeyondWindow) {
    // Counted, not dropped: the deal's money and the reading's equity are judged at a later instant.
    w.lateBeyondWindow = w.evaluator.lateBeyondWindow();
    ctx.logger.warn(
      { monitor_id: w.row.id, late_beyond_window: w.lateBeyondWindow, replay_window_ms: ctx.replayWindowMs },
      'a deal or reading arrived later than MONITOR_REPLAY_WINDOW_S: judged at the oldest checkpoint',
    );
  }
  if (at > w.lastFreshAt) w.lastFreshAt = at;
  w.lastObservationAt = at;
  setConnection(w, 'connected', null, now);
  const limits = w.evaluator.limits();
  let crossed: string[] | null = null;
  for (const limit of limits)
    for (const level of w.alerts) {
      if (limit.used_percent < level) break;
      const subject = alertSubject(limit.rule, level, limit.day);
      if (w.sentAlerts.has(subject)) continue;
      crossed ??= [];
      crossed.push(subject);
    }
  const breachedNow = w.evaluator.breached();
  // The full verdict costs more than a reading: it is taken when the reading can change an
  // objective (deals booked, positions opened or closed), when an event needs it, and when the
  // figures are due to be saved.
  const positionsChanged = reading.positions.length !== w.positionsOpen;
  w.positionsOpen = reading.positions.length;
  const saveDue = now - w.lastSavedAt >= ctx.snapshotMs || w.connectionChanged;
  const stale = w.row.status === 'stale';
  if (!(breachedNow || crossed || deals.length > 0 || positionsChanged || saveDue || stale)) return null;
  const evaluation = w.evaluator.evaluation();
  // The verdict decides: the evaluator's quick answer only says when to take it.
  const ending = evaluation.outcome === 'breached' || evaluation.outcome === 'passed';
  const observed = { last_observation_at: at, reader_cursor: reading.cursor, ...connectionColumns(w) };
  if (!(stale || crossed || ending)) {
    if (saveDue) save(ctx, w, snapshotOf(evaluation, limits), observed);
    return null;
  }
  return raiseAll(ctx, w, {
    at,
    now,
    evaluation,
    snapshot: snapshotOf(evaluation, limits),
    observed,
    crossed,
    stale,
    saveDue,
  });
}

/** The events one reading raised, in the order: recovered, the alerts crossed, breached or objectives met. */
async function raiseAll(
  ctx: WatchContext,
  w: Watch,
  r: {
    at: number;
    now: number;
    evaluation: Evaluation;
    snapshot: MonitorSnapshot;
    observed: ReturnType<typeof connectionColumns> & { last_observation_at: number; reader_cursor: string };
    crossed: string[] | null;
    stale: boolean;
    saveDue: boolean;
  },
): Promise<void> {
  const { at, snapshot, observed } = r;
  if (r.stale) {
    // The stale spell is the last event while stale, so "after its sequence" names it in every process.
    const ok = await raise(ctx, w, {
      event: 'monitor.recovered',
      subject: `after:${w.row.sequence - 1}`,
      occurredAt: at,
      status: 'active',
      snapshot,
      patch: observed,
    });
    if (!ok) return;
  }
  for (const subject of r.crossed ?? []) {
    const ok = await raise(ctx, w, {
      event: 'monitor.alert',
      subject,
      occurredAt: at,
      status: 'active',
      snapshot,
      patch: observed,
    });
    if (!ok) return;
    w.sentAlerts.add(subject);
  }
  if (r.evaluation.outcome === 'breached' || r.evaluation.outcome === 'passed') {
    const breached = r.evaluation.outcome === 'breached';
    await raise(ctx, w, {
      event: breached ? 'monitor.breached' : 'monitor.objectives_met',
      occurredAt: at,
      status: breached ? 'breached' : 'passed',
      snapshot,
      patch: { ...observed, ...ended(breached ? 'breached' : 'passed', r.now) },
    });
    w.done = true;
    return;
  }
  if (r.saveDue) save(ctx, w, snapshot, observed);
}

/** The figures of the watch's evaluator, or those last saved before it had one (after a restart). */
function heldFigures(w: Watch): MonitorSnapshot {
  return w.evaluator ? snapshotOf(w.evaluator.evaluation(), w.evaluator.limits()) : readSnapshot(w.row);
}

/** The monitor's figures as of its last reading (GET shows them when this process watches it). */
export function liveFigures(w: Watch): LiveFigures | null {
  if (!w.evaluator || w.lastObservationAt === null) return null;
  return {
    snapshot: heldFigures(w),
    last_observation_at: w.lastObservationAt,
    ...connectionColumns(w),
  };
}

function connectionColumns(w: Watch) {
  return {
    connection_state: w.connection.state,
    connection_since: w.connection.since,
    connection_error: w.connection.error,
  };
}

/** Queues the watch's figures for the round's one write (WatchContext.save); they count as saved. */
function save(
  ctx: WatchContext,
  w: Watch,
  snapshot: MonitorSnapshot | null,
  columns: ReturnType<typeof connectionColumns> & { last_observation_at?: number; reader_cursor?: string },
): void {
  const now = ctx.clock.now();
  const figures: FigureRow = {
    id: w.row.id,
    sequence: w.row.sequence,
    snapshot: snapshot ? JSON.stringify(snapshot) : null,
    last_observation_at: columns.last_observation_at ?? null,
    reader_cursor: columns.reader_cursor ?? null,
    ...columns,
    updated_at: now,
  };
  ctx.save(w, figures);
  // Saved figures are not kept here: the evaluator holds newer ones (heldFigures).
  w.row = { ...w.row, ...columns, ...(w.evaluator ? { snapshot: null } : {}), updated_at: now };
  w.lastSavedAt = now;
  w.connectionChanged = false;
}

/** A reading failed: the connection state and error are saved when they change. */
export async function readFailed(ctx: WatchContext, w: Watch, error: string): Promise<void> {
  if (w.done) return;
  setConnection(w, 'error', error, ctx.clock.now());
  if (w.connectionChanged) save(ctx, w, null, connectionColumns(w));
}

/** No fresh reading for longer than the threshold: the monitor is stale (once per spell). */
export async function checkStale(ctx: WatchContext, w: Watch): Promise<void> {
  if (w.done || w.row.status !== 'active') return;
  const now = ctx.clock.now();
  if (now - w.lastFreshAt <= ctx.staleAfterMs) return;
  await raise(ctx, w, {
    event: 'monitor.stale',
    subject: `after:${w.row.sequence}`,
    occurredAt: now,
    status: 'stale',
    snapshot: heldFigures(w),
    patch: connectionColumns(w),
  });
}

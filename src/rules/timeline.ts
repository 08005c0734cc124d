/**
 * The state stream every rule reads (reference/rules.md §3, §6): deals in time order with their
 * cash effect in cents, equity points (observed snapshots, or balance at deal instants when the
 * account is flat or nothing else is known), and the positions built from the deals.
 */
import type { AccountHistory, Deal, HistoryAccount, SymbolSpec } from '../mt5/history.ts';
import { toCents } from './money.ts';
import { m1Bound } from './m1-bound.ts';
import { parseUtcMs } from './time.ts';

/** Deal types that move money in or out of the account without trading: never P/L or drawdown. */
const ADJUSTMENT_TYPES = new Set(['balance', 'credit', 'bonus']);
/** Volumes as integers of 1e-8 lots, so partial closes sum exactly. */
const vol = (v: number): number => Math.round(v * 1e8);

export interface TimedDeal {
  ms: number;
  deal: Deal;
  /** profit + commission + swap + fee, in cents. */
  cents: number;
  isTrade: boolean;
  isAdjustment: boolean;
}

export interface EquityPoint {
  ms: number;
  /** Closed balance (exact, from deals) at this instant, in cents. */
  balance: number;
  equity: number;
  /** Sum of deposits/withdrawals/credits so far: shifts every money reference (T20). */
  adjustments: number;
  observed: boolean;
}

/**
 * Equity points as columns (struct of arrays): at a million deals, objects per point cost more
 * in allocation and GC than the rules themselves.
 */
export interface PointColumns {
  length: number;
  ms: Float64Array;
  /** Closed balance (exact, from deals), cents. */
  balance: Float64Array;
  /** Equity, cents. */
  equity: Float64Array;
  /** Deposits/withdrawals/credits so far, cents. */
  adjustments: Float64Array;
  /** Where the point's equity comes from: 0 balance, 1 observed, 2 M1-bar lower bound. */
  observed: Uint8Array;
}

export const SOURCE_BALANCE = 0;
export const SOURCE_OBSERVED = 1;
export const SOURCE_M1_BOUND = 2;

export interface Trade {
  position_id: number;
  symbol: string;
  side: 'buy' | 'sell';
  /** Largest open volume of the trade, in lots. */
  volume: number;
  /** Volume-weighted entry price. */
  openPrice: number;
  /** Stop loss attached at entry, when the source knows it. */
  sl: number | null;
  openMs: number;
  /** Last exit; null while volume remains open. */
  closeMs: number | null;
  /** Net P/L of the trade's deals in cents (entry commissions included). */
  cents: number;
}

export interface Timeline {
  icCents: number;
  startBalanceCents: number;
  deals: TimedDeal[];
  /** The equity stream in columns (fast path). */
  pts: PointColumns;
  /** The same stream as objects (convenient; built on first use). */
  readonly points: EquityPoint[];
  trades: Trade[];
  finalBalance: number;
  finalAdjustments: number;
  /** Equity now: the last observation when it is not older than the last deal, else balance + open P/L. */
  finalEquity: number;
  openPositions: number;
  observed: boolean;
  /** 'observed' snapshots, 'm1_bound' from bars, or 'balance_only'. */
  equitySource: 'observed' | 'm1_bound' | 'balance_only';
  /** Symbols the M1 bound could not value. */
  boundSkipped: string[];
  /** Contract specifications by symbol, when the history carries them (max_risk_per_trade_pct). */
  symbols?: Record<string, SymbolSpec>;
  /** The history's account header (currency, login), for currency checks and evidence. */
  account?: HistoryAccount;
  /** Positions open at an instant (evidence for a breach). */
  openAt(ms: number): Array<{ position_id: number; symbol: string; side: 'buy' | 'sell'; volume: number }>;
}

const parseTime = parseUtcMs;

/** MT5 order: time (ms), then ticket — so deals sharing a millisecond always sort the same way. */
const byTimeThenTicket = (a: TimedDeal, b: TimedDeal) => a.ms - b.ms || a.deal.ticket - b.deal.ticket;

export function buildTimeline(history: AccountHistory, initialBalance?: number): Timeline {
  const startBalanceCents = toCents(history.account.initial_balance);
  const icCents = toCents(initialBalance ?? history.account.initial_balance);
  const deals: TimedDeal[] = new Array(history.deals.length);
  let dealsSorted = true;
  for (let i = 0; i < history.deals.length; i++) {
    const deal = history.deals[i]!;
    const ms = parseTime(deal.time);
    deals[i] = {
      ms,
      deal,
      cents: toCents(deal.profit) + toCents(deal.commission) + toCents(deal.swap) + toCents(deal.fee),
      isTrade: deal.type === 'buy' || deal.type === 'sell',
      isAdjustment: ADJUSTMENT_TYPES.has(deal.type),
    };
    if (i > 0 && dealsSorted) {
      const prev = deals[i - 1]!;
      if (prev.ms > ms || (prev.ms === ms && prev.deal.ticket > deal.ticket)) dealsSorted = false;
    }
  }
  // Connectors deliver deals in order; sort only when they are not.
  if (!dealsSorted) deals.sort(byTimeThenTicket);
  const equityIn = history.equity ?? [];
  let snapMs = new Float64Array(equityIn.length);
  let snapEq = new Float64Array(equityIn.length);
  let snapshotsSorted = true;
  for (let i = 0; i < equityIn.length; i++) {
    snapMs[i] = parseTime(equityIn[i]!.time);
    snapEq[i] = toCents(equityIn[i]!.equity);
    if (i > 0 && snapMs[i - 1]! > snapMs[i]!) snapshotsSorted = false;
  }
  if (!snapshotsSorted) {
    const order = Array.from(snapMs.keys()).sort((a, b) => snapMs[a]! - snapMs[b]!);
    snapMs = Float64Array.from(order, (i) => snapMs[i]!);
    snapEq = Float64Array.from(order, (i) => snapEq[i]!);
  }
  const snapCount = equityIn.length;
  const observed = snapCount > 0;

  const openVolume = new Map<number, number>();
  const current = new Map<number, Trade>();
  const trades: Trade[] = [];
  const cap = deals.length + snapCount;
  const pts: PointColumns = { length: 0, ms: new Float64Array(cap), balance: new Float64Array(cap), equity: new Float64Array(cap), adjustments: new Float64Array(cap), observed: new Uint8Array(cap) };
  const push = (ms: number, bal: number, eq: number, adj: number, obs: number) => {
    const n = pts.length++;
    pts.ms[n] = ms;
    pts.balance[n] = bal;
    pts.equity[n] = eq;
    pts.adjustments[n] = adj;
    pts.observed[n] = obs;
  };
  let balance = startBalanceCents;
  let adjustments = 0;
  let openCount = 0;
  let si = 0;
  let lastObservedMs = -Infinity;
  let lastObservedEquity = startBalanceCents;

  const pushSnapshotsUpTo = (ms: number, inclusive: boolean) => {
    while (si < snapCount && (inclusive ? snapMs[si]! <= ms : snapMs[si]! < ms)) {
      push(snapMs[si]!, balance, snapEq[si]!, adjustments, 1);
      lastObservedMs = snapMs[si]!;
      lastObservedEquity = snapEq[si]!;
      si++;
    }
  };

  for (const td of deals) {
    pushSnapshotsUpTo(td.ms, false);
    balance += td.cents;
    if (td.isAdjustment) adjustments += td.cents;
    const d = td.deal;
    if (td.isTrade) {
      const before = openVolume.get(d.position_id) ?? 0;
      let after = before;
      let trade = current.get(d.position_id);
      if (d.entry === 'in') {
        if (!trade) {
          trade = { position_id: d.position_id, symbol: d.symbol, side: d.type as 'buy' | 'sell', volume: 0, openPrice: d.price, sl: d.sl ?? null, openMs: td.ms, closeMs: null, cents: 0 };
          current.set(d.position_id, trade);
          trades.push(trade);
        }
        after = before + vol(d.volume);
      } else if (d.entry === 'out' || d.entry === 'out_by') {
        after = Math.max(0, before - vol(d.volume));
      } else {
        // INOUT (netting reversal): closes the position and opens the opposite one with the rest.
        const rest = vol(d.volume) - before;
        if (trade) {
          trade.cents += td.cents;
          trade.closeMs = td.ms;
          current.delete(d.position_id);
        }
        after = Math.max(0, rest);
        if (after > 0) {
          const next: Trade = { position_id: d.position_id, symbol: d.symbol, side: d.type as 'buy' | 'sell', volume: after / 1e8, openPrice: d.price, sl: d.sl ?? null, openMs: td.ms, closeMs: null, cents: 0 };
          current.set(d.position_id, next);
          trades.push(next);
        }
        trade = undefined;
      }
      if (trade) {
        trade.cents += td.cents;
        if (d.entry === 'in') {
          // Volume-weighted entry price over scaling-in deals.
          trade.openPrice = (trade.openPrice * before + d.price * vol(d.volume)) / after;
          trade.volume = Math.max(trade.volume, after / 1e8);
        }
        if (after === 0 && before > 0) {
          trade.closeMs = td.ms;
          current.delete(d.position_id);
        }
      }
      if (before > 0 && after === 0) openCount--;
      if (before === 0 && after > 0) openCount++;
      openVolume.set(d.position_id, after);
    }
    // Equity is known at a deal instant when nothing is open (it is the balance) or when no
    // observations exist at all (balance-only evaluation, reported with low confidence).
    if (openCount === 0 || !observed) push(td.ms, balance, balance, adjustments, 0);
  }
  pushSnapshotsUpTo(Infinity, true);

  const lastDealMs = deals.length ? deals[deals.length - 1]!.ms : -Infinity;
  const openProfit = (history.positions ?? []).reduce((s, p) => s + toCents(p.profit) + toCents(p.swap), 0);
  const openPositions = Math.max(openCount, (history.positions ?? []).length);
  const finalEquity = observed && lastObservedMs >= lastDealMs ? lastObservedEquity : balance + (openPositions > 0 ? openProfit : 0);

  // Without observed equity, bars give a conservative per-minute bound between deal instants.
  let equitySource: Timeline['equitySource'] = observed ? 'observed' : 'balance_only';
  let boundSkipped: string[] = [];
  let columns = pts;
  const bound = observed ? null : m1Bound(history, trades, deals);
  if (bound && bound.ms.length > 0) {
    equitySource = 'm1_bound';
    boundSkipped = bound.skipped;
    columns = mergeBound(pts, bound.ms, bound.floating, deals, startBalanceCents);
  }

  // Trades are in opening order: binary-search the last one opened by `ms`, then walk back no
  // further than the longest hold; trades never closed are checked separately.
  let longestHold = 0;
  const neverClosed: Trade[] = [];
  for (const t of trades) {
    if (t.closeMs === null) neverClosed.push(t);
    else longestHold = Math.max(longestHold, t.closeMs - t.openMs);
  }
  const openAt = (ms: number) => {
    let lo = 0;
    let hi = trades.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (trades[mid]!.openMs <= ms) lo = mid + 1;
      else hi = mid;
    }
    const found: Trade[] = [];
    for (let i = lo - 1; i >= 0 && trades[i]!.openMs >= ms - longestHold; i--) {
      const t = trades[i]!;
      if (t.closeMs !== null && t.closeMs > ms) found.push(t);
    }
    for (const t of neverClosed) if (t.openMs <= ms) found.push(t);
    return found
      .sort((a, b) => a.openMs - b.openMs)
      .map((t) => ({ position_id: t.position_id, symbol: t.symbol, side: t.side, volume: t.volume }));
  };
  let pointObjects: EquityPoint[] | null = null;
  return {
    get points(): EquityPoint[] {
      pointObjects ??= Array.from({ length: columns.length }, (_, i) => ({ ms: columns.ms[i]!, balance: columns.balance[i]!, equity: columns.equity[i]!, adjustments: columns.adjustments[i]!, observed: columns.observed[i] === SOURCE_OBSERVED }));
      return pointObjects;
    },
    pts: columns,
    icCents,
    startBalanceCents,
    deals,
    trades,
    finalBalance: balance,
    finalAdjustments: adjustments,
    finalEquity,
    openPositions,
    observed,
    equitySource,
    boundSkipped,
    openAt,
    symbols: history.symbols,
    account: history.account,
  };
}

/** Whether equity breaches a floor under a comparator and tolerance (all cents). */
export function breaches(equity: number, floor: number, comparator: 'lt' | 'lte', tolerance: number): boolean {
  const limit = floor - tolerance;
  return comparator === 'lt' ? equity < limit : equity <= limit;
}

/** Merges bound minutes (balance at that minute + worst floating) into the deal-instant points. */
function mergeBound(pts: PointColumns, ms: number[], floating: number[], deals: TimedDeal[], startBalance: number): PointColumns {
  const cap = pts.length + ms.length;
  const out: PointColumns = { length: 0, ms: new Float64Array(cap), balance: new Float64Array(cap), equity: new Float64Array(cap), adjustments: new Float64Array(cap), observed: new Uint8Array(cap) };
  let i = 0;
  let j = 0;
  let di = 0;
  let balance = startBalance;
  let adjustments = 0;
  while (i < pts.length || j < ms.length) {
    const takeBound = j < ms.length && (i >= pts.length || ms[j]! < pts.ms[i]!);
    const n = out.length++;
    if (takeBound) {
      while (di < deals.length && deals[di]!.ms <= ms[j]!) {
        balance += deals[di]!.cents;
        if (deals[di]!.isAdjustment) adjustments += deals[di]!.cents;
        di++;
      }
      out.ms[n] = ms[j]!;
      out.balance[n] = balance;
      out.equity[n] = balance + floating[j]!;
      out.adjustments[n] = adjustments;
      out.observed[n] = SOURCE_M1_BOUND;
      j++;
    } else {
      out.ms[n] = pts.ms[i]!;
      out.balance[n] = pts.balance[i]!;
      out.equity[n] = pts.equity[i]!;
      out.adjustments[n] = pts.adjustments[i]!;
      out.observed[n] = pts.observed[i]!;
      i++;
    }
  }
  return out;
}

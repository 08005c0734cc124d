/**
 * The state stream every rule reads (reference/rules.md §3, §6): deals in time order with their
 * cash effect in cents, equity points (observed snapshots, or balance at deal instants when the
 * account is flat or nothing else is known), and the positions built from the deals.
 *
 * Everything is held in columns (typed arrays), built in one pass over the decoded history
 * (decode.ts): at a million deals, an object per deal or per position cost more in allocation and
 * GC than the rules themselves. `deals`, `trades` and `points` give the same data as objects,
 * built on first use, for the families that read few of them.
 */
import type { AccountHistory, Deal, HistoryAccount, SymbolSpec } from '../mt5/history.ts';
import { FRESH_ARENA, type Columns } from './arena.ts';
import { DEAL_ADJUSTMENT, DEAL_INOUT, DEAL_OPENS, DEAL_SELL, DEAL_TRADE, decodeHistory, type DealColumns, type DealTotals, type DecodedHistory } from './decode.ts';
import { toCents } from './money.ts';
import { m1Bound } from './m1-bound.ts';
import { PositionTable } from './position-table.ts';

export { DEAL_ADJUSTMENT, DEAL_OPENS, DEAL_TRADE, type DealColumns, type DealTotals } from './decode.ts';

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

/** Positions (trades) in opening order. */
export interface TradeColumns {
  length: number;
  openMs: Float64Array;
  /** Last exit; NaN while volume remains open. */
  closeMs: Float64Array;
  /** Net P/L of the trade's deals in cents (entry commissions included). */
  cents: Float64Array;
  /** Largest open volume, in lots. */
  volume: Float64Array;
  /** Volume-weighted entry price. */
  openPrice: Float64Array;
  /** 0 buy, 1 sell. */
  sell: Uint8Array;
  /** Index in the deal columns of the deal that opened it (position id, symbol, stop loss). */
  opener: Int32Array;
}

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

/** A position open at some instant, as a breach's evidence shows it. */
export interface OpenPosition {
  position_id: number;
  symbol: string;
  side: 'buy' | 'sell';
  volume: number;
  open_time: string;
}

export interface Timeline {
  icCents: number;
  startBalanceCents: number;
  /** Deals in time order (columns: the fast path). */
  dl: DealColumns;
  /** Positions in opening order (columns: the fast path). */
  tr: TradeColumns;
  /** The equity stream (columns: the fast path). */
  pts: PointColumns;
  /** The same deals as objects (built on first use). */
  readonly deals: TimedDeal[];
  /** The same positions as objects (built on first use). */
  readonly trades: Trade[];
  /** The same equity stream as objects (built on first use). */
  readonly points: EquityPoint[];
  totals: DealTotals;
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
  openAt(ms: number): OpenPosition[];
  /** Tickets of one position's trade deals booked in [fromMs, toMs], in deal order (evidence). */
  positionDeals(positionId: number, fromMs: number, toMs: number): number[];
  /**
   * The deals behind a breach (evidence): trade deals booked in [fromMs, toMs] and the earlier
   * deals of the positions still `open`; the latest `max` tickets in deal order, and how many in all.
   */
  dealsBehind(fromMs: number, toMs: number, open: ReadonlyArray<OpenPosition>, max: number): { tickets: number[]; total: number };
}

/** What one pass over the decoded deals and snapshots produces. */
interface Pass {
  tr: TradeColumns;
  pts: PointColumns;
  balance: number;
  adjustments: number;
  openCount: number;
}

function pointColumns(cap: number, c: Columns): PointColumns {
  return { length: 0, ms: c.float64(cap), balance: c.float64(cap), equity: c.float64(cap), adjustments: c.float64(cap), observed: c.uint8(cap) };
}

/** Every trade is opened by a deal, so there are never more trades than deals. */
function tradeColumns(cap: number, c: Columns): TradeColumns {
  return { length: 0, openMs: c.float64(cap), closeMs: c.float64(cap), cents: c.float64(cap), volume: c.float64(cap), openPrice: c.float64(cap), sell: c.uint8(cap), opener: c.int32(cap) };
}

/**
 * One pass over the decoded deals and snapshots, merged by time (snapshots strictly before a
 * deal's instant come first): the balance, the equity points and the positions.
 */
function pass(dec: DecodedHistory, startBalance: number, c: Columns): Pass {
  const D = dec.deals;
  const S = dec.snapshots;
  const n = D.length;
  const snapCount = S.length;
  const observed = snapCount > 0;
  const pts = pointColumns(n + snapCount, c);
  const P_ms = pts.ms;
  const P_balance = pts.balance;
  const P_equity = pts.equity;
  const P_adjustments = pts.adjustments;
  const P_observed = pts.observed;
  const tr = tradeColumns(n, c);
  const table = new PositionTable();
  let np = 0;
  let balance = startBalance;
  let adjustments = 0;
  let openCount = 0;
  let si = 0;
  // Snapshot columns in locals, and the merge written out twice rather than as a closure: a
  // closure over balance, adjustments and np would keep them in a context slot, not a register.
  const S_ms = S.ms;
  const S_equity = S.equity;
  const open = (t: number, i: number, ms: number, volume: number) => {
    tr.openMs[t] = ms;
    tr.closeMs[t] = NaN;
    tr.cents[t] = 0;
    tr.volume[t] = volume;
    tr.openPrice[t] = D.price[i]!;
    tr.sell[t] = D.flags[i]! & DEAL_SELL ? 1 : 0;
    tr.opener[t] = i;
  };

  for (let i = 0; i < n; i++) {
    const ms = D.ms[i]!;
    for (; si < snapCount && S_ms[si]! < ms; si++, np++) {
      P_ms[np] = S_ms[si]!;
      P_balance[np] = balance;
      P_equity[np] = S_equity[si]!;
      P_adjustments[np] = adjustments;
      P_observed[np] = SOURCE_OBSERVED;
    }
    const cents = D.cents[i]!;
    const flags = D.flags[i]!;
    balance += cents;
    if (flags & DEAL_TRADE) {
      const pid = D.positionId[i]!;
      const v = D.volume[i]!;
      const slot = table.find(pid);
      const before = slot >= 0 ? table.volumeAt(slot) : 0;
      let t = slot >= 0 ? table.tradeAt(slot) : -1;
      let after: number;
      if (flags & DEAL_INOUT) {
        // Netting reversal: closes the position and opens the opposite one with the rest.
        if (t >= 0) {
          tr.cents[t]! += cents;
          tr.closeMs[t] = ms;
          table.remove(slot);
        }
        after = Math.max(0, v - before);
        if (after > 0) {
          const next = tr.length++;
          open(next, i, ms, after / 1e8);
          table.insert(pid, next, after);
        }
      } else if (flags & DEAL_OPENS) {
        after = before + v;
        if (t < 0) {
          t = tr.length++;
          open(t, i, ms, 0);
          table.insert(pid, t, after);
        } else table.setVolume(slot, after);
        tr.cents[t]! += cents;
        // Volume-weighted entry price over scaling-in deals.
        tr.openPrice[t] = (tr.openPrice[t]! * before + D.price[i]! * v) / after;
        if (after / 1e8 > tr.volume[t]!) tr.volume[t] = after / 1e8;
      } else {
        // out, out_by
        after = Math.max(0, before - v);
        if (t >= 0) {
          tr.cents[t]! += cents;
          if (after === 0 && before > 0) {
            tr.closeMs[t] = ms;
            table.remove(slot);
          } else table.setVolume(slot, after);
        }
      }
      if (before > 0 && after === 0) openCount--;
      else if (before === 0 && after > 0) openCount++;
    } else if (flags & DEAL_ADJUSTMENT) adjustments += cents;
    // Equity is known at a deal instant when nothing is open (it is the balance) or when no
    // observations exist at all (balance-only evaluation, reported with low confidence).
    if (openCount === 0 || !observed) {
      P_ms[np] = ms;
      P_balance[np] = balance;
      P_equity[np] = balance;
      P_adjustments[np] = adjustments;
      P_observed[np] = SOURCE_BALANCE;
      np++;
    }
  }
  for (; si < snapCount; si++, np++) {
    P_ms[np] = S_ms[si]!;
    P_balance[np] = balance;
    P_equity[np] = S_equity[si]!;
    P_adjustments[np] = adjustments;
    P_observed[np] = SOURCE_OBSERVED;
  }
  pts.length = np;
  return { tr, pts, balance, adjustments, openCount };
}

/**
 * Builds the timeline. Its columns come from `columns`: fresh arrays by default; an evaluation
 * passes a borrowed arena (arena.ts) and must not keep the timeline past its end.
 */
export function buildTimeline(history: AccountHistory, initialBalance?: number, columns: Columns = FRESH_ARENA): Timeline {
  return timelineOf(decodeHistory(history, columns), initialBalance, columns);
}

/** The timeline of an already decoded history (decode.ts). */
export function timelineOf(dec: DecodedHistory, initialBalance?: number, columns: Columns = FRESH_ARENA): Timeline {
  const history = dec.history;
  const startBalanceCents = toCents(history.account.initial_balance);
  const icCents = toCents(initialBalance ?? history.account.initial_balance);
  const run = pass(dec, startBalanceCents, columns);
  const dl = dec.deals;
  const { tr, balance, adjustments } = run;
  const S = dec.snapshots;
  const observed = S.length > 0;
  const lastObservedMs = observed ? S.ms[S.length - 1]! : -Infinity;
  const lastObservedEquity = observed ? S.equity[S.length - 1]! : startBalanceCents;

  const lastDealMs = dl.length ? dl.ms[dl.length - 1]! : -Infinity;
  const openProfit = (history.positions ?? []).reduce((s, p) => s + toCents(p.profit) + toCents(p.swap), 0);
  const openPositions = Math.max(run.openCount, (history.positions ?? []).length);
  const finalEquity = observed && lastObservedMs >= lastDealMs ? lastObservedEquity : balance + (openPositions > 0 ? openProfit : 0);

  let dealObjects: TimedDeal[] | null = null;
  let tradeObjects: Trade[] | null = null;
  let pointObjects: EquityPoint[] | null = null;
  const tradesView = () => (tradeObjects ??= Array.from({ length: tr.length }, (_, i) => tradeAt(dl, tr, i)));

  // Without observed equity, bars give a conservative per-minute bound between deal instants.
  let equitySource: Timeline['equitySource'] = observed ? 'observed' : 'balance_only';
  let boundSkipped: string[] = [];
  let pts = run.pts;
  const bound = observed || !history.bars || !history.symbols ? null : m1Bound(history, tradesView());
  if (bound && bound.ms.length > 0) {
    equitySource = 'm1_bound';
    boundSkipped = bound.skipped;
    pts = mergeBound(run.pts, bound.ms, bound.floating, dl, startBalanceCents, columns);
  }

  return {
    get deals(): TimedDeal[] {
      dealObjects ??= Array.from({ length: dl.length }, (_, i) => ({ ms: dl.ms[i]!, deal: dl.src[i]!, cents: dl.cents[i]!, isTrade: (dl.flags[i]! & DEAL_TRADE) !== 0, isAdjustment: (dl.flags[i]! & DEAL_ADJUSTMENT) !== 0 }));
      return dealObjects;
    },
    get trades(): Trade[] {
      return tradesView();
    },
    get points(): EquityPoint[] {
      pointObjects ??= Array.from({ length: pts.length }, (_, i) => ({ ms: pts.ms[i]!, balance: pts.balance[i]!, equity: pts.equity[i]!, adjustments: pts.adjustments[i]!, observed: pts.observed[i] === SOURCE_OBSERVED }));
      return pointObjects;
    },
    dl,
    tr,
    pts,
    totals: dec.totals,
    icCents,
    startBalanceCents,
    finalBalance: balance,
    finalAdjustments: adjustments,
    finalEquity,
    openPositions,
    observed,
    equitySource,
    boundSkipped,
    openAt: openAtOf(dl, tr),
    ...dealEvidence(dl),
    symbols: history.symbols,
    account: history.account,
  };
}

function tradeAt(dl: DealColumns, tr: TradeColumns, i: number): Trade {
  const d = dl.src[tr.opener[i]!]!;
  const close = tr.closeMs[i]!;
  return { position_id: d.position_id, symbol: d.symbol, side: tr.sell[i] ? 'sell' : 'buy', volume: tr.volume[i]!, openPrice: tr.openPrice[i]!, sl: d.sl ?? null, openMs: tr.openMs[i]!, closeMs: Number.isNaN(close) ? null : close, cents: tr.cents[i]! };
}

/** Index of the first time ≥ ms in a sorted column. */
function firstAtOrAfter(times: ArrayLike<number>, length: number, ms: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! < ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Deal tickets for evidence, in deal order. Both scan the typed columns over a time range found by
 * binary search, so a violation costs what its own window holds, not the whole history.
 */
function dealEvidence(dl: DealColumns): Pick<Timeline, 'positionDeals' | 'dealsBehind'> {
  const isTradeOf = (i: number, id: number) => (dl.flags[i]! & DEAL_TRADE) !== 0 && dl.positionId[i] === id;
  return {
    positionDeals(id, fromMs, toMs) {
      const out: number[] = [];
      for (let i = firstAtOrAfter(dl.ms, dl.length, fromMs); i < dl.length && dl.ms[i]! <= toMs; i++) if (isTradeOf(i, id)) out.push(dl.src[i]!.ticket);
      return out;
    },
    dealsBehind(fromMs, toMs, open, max) {
      const lo = firstAtOrAfter(dl.ms, dl.length, fromMs);
      let hi = lo;
      while (hi < dl.length && dl.ms[hi]! <= toMs) hi++;
      // The open positions' deals before the window (a position carried over a reset).
      const earlier: number[] = [];
      for (const p of open) for (let i = firstAtOrAfter(dl.ms, lo, Date.parse(p.open_time)); i < lo; i++) if (isTradeOf(i, p.position_id)) earlier.push(i);
      earlier.sort((x, y) => x - y);
      let total = earlier.length;
      for (let i = lo; i < hi; i++) if (dl.flags[i]! & DEAL_TRADE) total++;
      // The latest `max`, walking back from the breach.
      const rows: number[] = [];
      for (let i = hi - 1; i >= lo && rows.length < max; i--) if (dl.flags[i]! & DEAL_TRADE) rows.push(i);
      for (let k = earlier.length - 1; k >= 0 && rows.length < max; k--) rows.push(earlier[k]!);
      rows.reverse();
      return { tickets: rows.map((i) => dl.src[i]!.ticket), total };
    },
  };
}

/**
 * Positions open at an instant. Trades are in opening order: binary-search the last one opened
 * by `ms`, then walk back no further than the longest hold; trades never closed are checked
 * separately.
 */
function openAtOf(dl: DealColumns, tr: TradeColumns): Timeline['openAt'] {
  let longestHold = 0;
  const neverClosed: number[] = [];
  for (let i = 0; i < tr.length; i++) {
    const close = tr.closeMs[i]!;
    if (Number.isNaN(close)) neverClosed.push(i);
    else longestHold = Math.max(longestHold, close - tr.openMs[i]!);
  }
  return (ms: number) => {
    let lo = 0;
    let hi = tr.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (tr.openMs[mid]! <= ms) lo = mid + 1;
      else hi = mid;
    }
    const found: number[] = [];
    for (let i = lo - 1; i >= 0 && tr.openMs[i]! >= ms - longestHold; i--) if (tr.closeMs[i]! > ms) found.push(i);
    for (const i of neverClosed) if (tr.openMs[i]! <= ms) found.push(i);
    return found
      .sort((a, b) => tr.openMs[a]! - tr.openMs[b]! || a - b)
      .map((i) => {
        const t = tradeAt(dl, tr, i);
        return { position_id: t.position_id, symbol: t.symbol, side: t.side, volume: t.volume, open_time: new Date(t.openMs).toISOString() };
      });
  };
}

/** Merges bound minutes (balance at that minute + worst floating) into the deal-instant points. */
function mergeBound(pts: PointColumns, ms: number[], floating: number[], dl: DealColumns, startBalance: number, c: Columns): PointColumns {
  const out = pointColumns(pts.length + ms.length, c);
  let i = 0;
  let j = 0;
  let di = 0;
  let balance = startBalance;
  let adjustments = 0;
  while (i < pts.length || j < ms.length) {
    const takeBound = j < ms.length && (i >= pts.length || ms[j]! < pts.ms[i]!);
    const n = out.length++;
    if (takeBound) {
      while (di < dl.length && dl.ms[di]! <= ms[j]!) {
        balance += dl.cents[di]!;
        if (dl.flags[di]! & DEAL_ADJUSTMENT) adjustments += dl.cents[di]!;
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

/**
 * Building the timeline (timeline.ts): one pass over the decoded deals and snapshots, merged by
 * time, gives the balance, the equity points and the positions; without observed equity, M1 bars
 * add a per-minute lower bound between deal instants (m1-bound.ts).
 */
import type { AccountHistory } from '../mt5/history.ts';
import { type Columns, FRESH_ARENA } from './arena.ts';
import {
  DEAL_ADJUSTMENT,
  DEAL_INOUT,
  DEAL_OPENS,
  DEAL_SELL,
  DEAL_TRADE,
  type DealColumns,
  type DecodedHistory,
  decodeHistory,
} from './decode.ts';
import { m1Bound } from './m1-bound.ts';
import { toCents } from './money.ts';
import { PositionTable } from './position-table.ts';
import {
  EQUITY_FROM_BALANCE,
  EQUITY_M1_BOUND,
  EQUITY_OBSERVED,
  type EquitySource,
  type PointColumns,
  type TimedDeal,
  type Timeline,
  type Trade,
  type TradeColumns,
} from './timeline.ts';
import { dealEvidence, openAtOf, timedDealAt, tradeAt } from './timeline-evidence.ts';

/** What one pass over the decoded deals and snapshots produces. */
interface Pass {
  trades: TradeColumns;
  points: PointColumns;
  balance: number;
  adjustments: number;
  openCount: number;
}

function allocatePoints(capacity: number, c: Columns): PointColumns {
  return {
    length: 0,
    ms: c.float64(capacity),
    balance: c.float64(capacity),
    equity: c.float64(capacity),
    adjustments: c.float64(capacity),
    equitySource: c.uint8(capacity),
  };
}

/** Every trade is opened by a deal, so there are never more trades than deals. */
function allocateTrades(capacity: number, c: Columns): TradeColumns {
  return {
    length: 0,
    openMs: c.float64(capacity),
    closeMs: c.float64(capacity),
    cents: c.float64(capacity),
    volume: c.float64(capacity),
    openPrice: c.float64(capacity),
    sell: c.uint8(capacity),
    opener: c.int32(capacity),
  };
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
  const points = allocatePoints(n + snapCount, c);
  const P_ms = points.ms;
  const P_balance = points.balance;
  const P_equity = points.equity;
  const P_adjustments = points.adjustments;
  const P_source = points.equitySource;
  const trades = allocateTrades(n, c);
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
    trades.openMs[t] = ms;
    trades.closeMs[t] = NaN;
    trades.cents[t] = 0;
    trades.volume[t] = volume;
    trades.openPrice[t] = D.price[i]!;
    trades.sell[t] = D.flags[i]! & DEAL_SELL ? 1 : 0;
    trades.opener[t] = i;
  };

  for (let i = 0; i < n; i++) {
    const ms = D.ms[i]!;
    for (; si < snapCount && S_ms[si]! < ms; si++, np++) {
      P_ms[np] = S_ms[si]!;
      P_balance[np] = balance;
      P_equity[np] = S_equity[si]!;
      P_adjustments[np] = adjustments;
      P_source[np] = EQUITY_OBSERVED;
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
          trades.cents[t]! += cents;
          trades.closeMs[t] = ms;
          table.remove(slot);
        }
        after = Math.max(0, v - before);
        if (after > 0) {
          const next = trades.length++;
          open(next, i, ms, after / 1e8);
          table.insert(pid, next, after);
        }
      } else if (flags & DEAL_OPENS) {
        after = before + v;
        if (t < 0) {
          t = trades.length++;
          open(t, i, ms, 0);
          table.insert(pid, t, after);
        } else table.setVolume(slot, after);
        trades.cents[t]! += cents;
        // Volume-weighted entry price over scaling-in deals.
        trades.openPrice[t] = (trades.openPrice[t]! * before + D.price[i]! * v) / after;
        if (after / 1e8 > trades.volume[t]!) trades.volume[t] = after / 1e8;
      } else {
        // out, out_by
        after = Math.max(0, before - v);
        if (t >= 0) {
          trades.cents[t]! += cents;
          if (after === 0 && before > 0) {
            trades.closeMs[t] = ms;
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
      P_source[np] = EQUITY_FROM_BALANCE;
      np++;
    }
  }
  for (; si < snapCount; si++, np++) {
    P_ms[np] = S_ms[si]!;
    P_balance[np] = balance;
    P_equity[np] = S_equity[si]!;
    P_adjustments[np] = adjustments;
    P_source[np] = EQUITY_OBSERVED;
  }
  points.length = np;
  return { trades, points, balance, adjustments, openCount };
}

/**
 * Builds the timeline. Its columns come from `columns`: fresh arrays by default; an evaluation
 * passes a borrowed arena (arena.ts) and must not keep the timeline past its end.
 */
export function buildTimeline(
  history: AccountHistory,
  initialBalance?: number,
  columns: Columns = FRESH_ARENA,
): Timeline {
  return timelineOf(decodeHistory(history, columns), initialBalance, columns);
}

/** The timeline of an already decoded history (decode.ts). */
export function timelineOf(dec: DecodedHistory, initialBalance?: number, columns: Columns = FRESH_ARENA): Timeline {
  const history = dec.history;
  const startBalanceCents = toCents(history.account.initial_balance);
  const initialCapitalCents = toCents(initialBalance ?? history.account.initial_balance);
  const run = pass(dec, startBalanceCents, columns);
  const deals = dec.deals;
  const { trades, balance, adjustments } = run;
  const S = dec.snapshots;
  const equityObserved = S.length > 0;
  const lastObservedMs = equityObserved ? S.ms[S.length - 1]! : -Infinity;
  const lastObservedEquity = equityObserved ? S.equity[S.length - 1]! : startBalanceCents;

  const lastDealMs = deals.length ? deals.ms[deals.length - 1]! : -Infinity;
  const openProfit = (history.positions ?? []).reduce((s, p) => s + toCents(p.profit) + toCents(p.swap), 0);
  const openPositions = Math.max(run.openCount, (history.positions ?? []).length);
  const finalEquity =
    equityObserved && lastObservedMs >= lastDealMs
      ? lastObservedEquity
      : balance + (openPositions > 0 ? openProfit : 0);

  let dealObjects: TimedDeal[] | null = null;
  let tradeObjects: Trade[] | null = null;
  const tradesView = () =>
    (tradeObjects ??= Array.from({ length: trades.length }, (_, i) => tradeAt(deals, trades, i)));

  // Without observed equity, bars give a conservative per-minute bound between deal instants.
  let equitySource: EquitySource = equityObserved ? 'observed' : 'balance_only';
  let boundSkipped: string[] = [];
  let points = run.points;
  const bound = equityObserved || !history.bars || !history.symbols ? null : m1Bound(history, tradesView());
  if (bound && bound.ms.length > 0) {
    equitySource = 'm1_bound';
    boundSkipped = bound.skipped;
    points = mergeBound(run.points, bound.ms, bound.floating, deals, startBalanceCents, columns);
  }

  return {
    get deals(): TimedDeal[] {
      dealObjects ??= Array.from({ length: deals.length }, (_, i) => timedDealAt(deals, i));
      return dealObjects;
    },
    get trades(): Trade[] {
      return tradesView();
    },
    dealColumns: deals,
    tradeColumns: trades,
    pointColumns: points,
    totals: dec.totals,
    initialCapitalCents,
    startBalanceCents,
    finalBalance: balance,
    finalAdjustments: adjustments,
    finalEquity,
    openPositions,
    equityObserved,
    equitySource,
    boundSkipped,
    openAt: openAtOf(deals, trades),
    ...dealEvidence(deals),
    symbols: history.symbols,
    account: history.account,
  };
}

/** Merges bound minutes (balance at that minute + worst floating) into the deal-instant points. */
function mergeBound(
  points: PointColumns,
  ms: number[],
  floating: number[],
  deals: DealColumns,
  startBalance: number,
  c: Columns,
): PointColumns {
  const out = allocatePoints(points.length + ms.length, c);
  let i = 0;
  let j = 0;
  let di = 0;
  let balance = startBalance;
  let adjustments = 0;
  while (i < points.length || j < ms.length) {
    const takeBound = j < ms.length && (i >= points.length || ms[j]! < points.ms[i]!);
    const n = out.length++;
    if (takeBound) {
      while (di < deals.length && deals.ms[di]! <= ms[j]!) {
        balance += deals.cents[di]!;
        if (deals.flags[di]! & DEAL_ADJUSTMENT) adjustments += deals.cents[di]!;
        di++;
      }
      out.ms[n] = ms[j]!;
      out.balance[n] = balance;
      out.equity[n] = balance + floating[j]!;
      out.adjustments[n] = adjustments;
      out.equitySource[n] = EQUITY_M1_BOUND;
      j++;
    } else {
      out.ms[n] = points.ms[i]!;
      out.balance[n] = points.balance[i]!;
      out.equity[n] = points.equity[i]!;
      out.adjustments[n] = points.adjustments[i]!;
      out.equitySource[n] = points.equitySource[i]!;
      i++;
    }
  }
  return out;
}

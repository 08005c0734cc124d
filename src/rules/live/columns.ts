/**
 * The timeline of a live account, grown in place: the same columns timeline-pass.ts builds in one
 * pass (deals, positions, equity points), appended to one deal or one equity reading at a time in
 * O(1) amortized, and viewed as a `Timeline` the batch families read. The pass's merge order holds
 * as long as each item comes after everything before it (a deal after the last reading, a reading
 * not before the last deal); the caller rebuilds when one does not.
 */
import type { AccountHistory, Deal, OpenPosition } from '../../mt5/history.ts';
import { DEAL_ADJUSTMENT, DEAL_INOUT, DEAL_OPENS, DEAL_SELL, DEAL_TRADE, type DealColumns } from '../decode.ts';
import { toCents } from '../money.ts';
import { PositionTable } from '../position-table.ts';
import { parseUtcMs } from '../time.ts';
import {
  EQUITY_FROM_BALANCE,
  EQUITY_OBSERVED,
  type PointColumns,
  type TimedDeal,
  type Timeline,
  type Trade,
  type TradeColumns,
} from '../timeline.ts';
import { dealEvidence, tradeAt } from '../timeline-evidence.ts';
import { shareInClones } from './clone.ts';

/** Rows each column holds before its first doubling. */
const INITIAL = 8;

/** A Float64Array/Uint8Array/Int32Array that doubles when full. */
function grow<A extends Float64Array | Uint8Array | Int32Array>(a: A, need: number): A {
  if (need <= a.length) return a;
  const next = new (a.constructor as new (n: number) => A)(Math.max(need, a.length * 2, 16));
  next.set(a);
  return next;
}

/** Decodes one deal as decode.ts does: cents, flags, position columns. */
function decodeDeal(d: Deal): { cents: number; commission: number; swap: number; flags: number } {
  const commission = toCents(d.commission) + toCents(d.fee);
  const swap = toCents(d.swap);
  const cents = toCents(d.profit) + commission + swap;
  const type = d.type;
  let flags = 0;
  if (type === 'buy' || type === 'sell') {
    const entry = d.entry;
    flags =
      DEAL_TRADE |
      (type === 'sell' ? DEAL_SELL : 0) |
      (entry === 'in' ? DEAL_OPENS : entry === 'inout' ? DEAL_OPENS | DEAL_INOUT : 0);
  } else if (type === 'balance' || type === 'credit' || type === 'bonus') flags = DEAL_ADJUSTMENT;
  return { cents, commission, swap, flags };
}

export class LiveColumns {
  readonly deals: DealColumns & { src: Deal[] };
  readonly trades: TradeColumns;
  readonly points: PointColumns;
  readonly totals = { commissions: 0, swaps: 0, deposits: 0, withdrawals: 0 };
  private readonly table = new PositionTable();
  balance: number;
  adjustments = 0;
  openCount = 0;
  /** Equity readings so far, and the last one. */
  snapshots = 0;
  lastSnapshotMs = -Infinity;
  lastSnapshotEquity: number;
  lastDealMs = -Infinity;
  lastTicket = -Infinity;
  /** Longest hold of a closed trade, and the trades never closed (openAt's search bounds). */
  longestHold = 0;
  readonly neverClosed = new Set<number>();
  /** The trade index just closed by the last deal, or -1 (incremental statistics read it). */
  closedTrade = -1;

  constructor(
    readonly startBalanceCents: number,
    /** Whether equity points come from readings (else from the balance at every deal). */
    readonly observed: boolean,
  ) {
    this.balance = startBalanceCents;
    this.lastSnapshotEquity = startBalanceCents;
    // Small to begin with (an account watched live has a handful of deals a day, and 25,000 are
    // watched at once); each column doubles when full.
    const f = () => new Float64Array(INITIAL);
    this.deals = {
      length: 0,
      ms: f(),
      cents: f(),
      flags: new Uint8Array(INITIAL),
      positionId: f(),
      volume: f(),
      price: f(),
      src: [],
    };
    this.trades = {
      length: 0,
      openMs: f(),
      closeMs: f(),
      cents: f(),
      volume: f(),
      openPrice: f(),
      sell: new Uint8Array(INITIAL),
      opener: new Int32Array(INITIAL),
    };
    this.points = {
      length: 0,
      ms: f(),
      balance: f(),
      equity: f(),
      adjustments: f(),
      equitySource: new Uint8Array(INITIAL),
    };
  }

  /** Whether a deal at `ms` with `ticket` comes after everything so far in the batch's merge order. */
  dealInOrder(ms: number, ticket: number): boolean {
    return ms > this.lastSnapshotMs && (ms > this.lastDealMs || (ms === this.lastDealMs && ticket >= this.lastTicket));
  }

  snapshotInOrder(ms: number): boolean {
    return ms >= this.lastSnapshotMs && ms >= this.lastDealMs;
  }

  private point(ms: number, equity: number, source: number): void {
    const P = this.points;
    const n = P.length;
    if (n === P.ms.length) {
      P.ms = grow(P.ms, n + 1);
      P.balance = grow(P.balance, n + 1);
      P.equity = grow(P.equity, n + 1);
      P.adjustments = grow(P.adjustments, n + 1);
      P.equitySource = grow(P.equitySource, n + 1);
    }
    P.ms[n] = ms;
    P.balance[n] = this.balance;
    P.equity[n] = equity;
    P.adjustments[n] = this.adjustments;
    P.equitySource[n] = source;
    P.length = n + 1;
  }

  /** Appends an equity reading at `ms` of `equity` cents (already known to be in order). */
  addSnapshot(ms: number, equity: number): void {
    this.snapshots++;
    this.lastSnapshotMs = ms;
    this.lastSnapshotEquity = equity;
    this.point(ms, equity, EQUITY_OBSERVED);
  }

  /**
   * Appends a deal (already known to be in order) at `ms`, its time unless the caller placed it later
   * (a deal older than the replay window, live.ts); true when it added an equity point.
   */
  addDeal(d: Deal, ms = parseUtcMs(d.time)): boolean {
    const { cents, commission, swap, flags } = decodeDeal(d);
    const D = this.deals;
    const i = D.length;
    if (i === D.ms.length) {
      D.ms = grow(D.ms, i + 1);
      D.cents = grow(D.cents, i + 1);
      D.flags = grow(D.flags, i + 1);
      D.positionId = grow(D.positionId, i + 1);
      D.volume = grow(D.volume, i + 1);
      D.price = grow(D.price, i + 1);
    }
    D.ms[i] = ms;
    D.cents[i] = cents;
    D.flags[i] = flags;
    if (flags & DEAL_TRADE) {
      D.positionId[i] = d.position_id;
      D.volume[i] = Math.round(d.volume * 1e8);
      D.price[i] = d.price;
    }
    D.src.push(shareInClones(d));
    D.length = i + 1;
    this.lastDealMs = ms;
    this.lastTicket = d.ticket;
    this.totals.commissions += commission;
    this.totals.swaps += swap;
    if (flags & DEAL_ADJUSTMENT) {
      if (cents > 0) this.totals.deposits += cents;
      else this.totals.withdrawals -= cents;
    }
    this.balance += cents;
    this.closedTrade = -1;
    if (flags & DEAL_TRADE) this.trade(i, ms, cents, flags);
    else if (flags & DEAL_ADJUSTMENT) this.adjustments += cents;
    if (this.openCount === 0 || !this.observed) {
      this.point(ms, this.balance, EQUITY_FROM_BALANCE);
      return true;
    }
    return false;
  }

  private newTrade(i: number, ms: number, volume: number): number {
    const T = this.trades;
    const t = T.length;
    if (t === T.openMs.length) {
      T.openMs = grow(T.openMs, t + 1);
      T.closeMs = grow(T.closeMs, t + 1);
      T.cents = grow(T.cents, t + 1);
      T.volume = grow(T.volume, t + 1);
      T.openPrice = grow(T.openPrice, t + 1);
      T.sell = grow(T.sell, t + 1);
      T.opener = grow(T.opener, t + 1);
    }
    T.openMs[t] = ms;
    T.closeMs[t] = NaN;
    T.cents[t] = 0;
    T.volume[t] = volume;
    T.openPrice[t] = this.deals.price[i]!;
    T.sell[t] = this.deals.flags[i]! & DEAL_SELL ? 1 : 0;
    T.opener[t] = i;
    T.length = t + 1;
    this.neverClosed.add(t);
    return t;
  }

  private close(t: number, ms: number): void {
    this.trades.closeMs[t] = ms;
    this.neverClosed.delete(t);
    this.longestHold = Math.max(this.longestHold, ms - this.trades.openMs[t]!);
    this.closedTrade = t;
  }

  /** The position bookkeeping of timeline-pass.ts for one trade deal. */
  private trade(i: number, ms: number, cents: number, flags: number): void {
    const D = this.deals;
    const T = this.trades;
    const table = this.table;
    const pid = D.positionId[i]!;
    const v = D.volume[i]!;
    const slot = table.find(pid);
    const before = slot >= 0 ? table.volumeAt(slot) : 0;
    let t = slot >= 0 ? table.tradeAt(slot) : -1;
    let after: number;
    if (flags & DEAL_INOUT) {
      if (t >= 0) {
        T.cents[t]! += cents;
        this.close(t, ms);
        table.remove(slot);
      }
      after = Math.max(0, v - before);
      if (after > 0) table.insert(pid, this.newTrade(i, ms, after / 1e8), after);
    } else if (flags & DEAL_OPENS) {
      after = before + v;
      if (t < 0) {
        t = this.newTrade(i, ms, 0);
        table.insert(pid, t, after);
      } else table.setVolume(slot, after);
      T.cents[t]! += cents;
      T.openPrice[t] = (T.openPrice[t]! * before + D.price[i]! * v) / after;
      if (after / 1e8 > T.volume[t]!) T.volume[t] = after / 1e8;
    } else {
      after = Math.max(0, before - v);
      if (t >= 0) {
        T.cents[t]! += cents;
        if (after === 0 && before > 0) {
          this.close(t, ms);
          table.remove(slot);
        } else table.setVolume(slot, after);
      }
    }
    if (before > 0 && after === 0) this.openCount--;
    else if (before === 0 && after > 0) this.openCount++;
  }

  /**
   * Keeps only the last equity point: the incremental families have read the others (they keep what
   * they need from them), and nothing else reads past points (live.ts); what the columns hold then no
   * longer grows with the readings. The next point is appended at index 1.
   */
  keepLastPoint(): void {
    const P = this.points;
    const n = P.length;
    if (n <= 1) return;
    P.ms[0] = P.ms[n - 1]!;
    P.balance[0] = P.balance[n - 1]!;
    P.equity[0] = P.equity[n - 1]!;
    P.adjustments[0] = P.adjustments[n - 1]!;
    P.equitySource[0] = P.equitySource[n - 1]!;
    P.length = 1;
  }

  /** Equity now, as timelineOf computes it. */
  finalEquity(positions: readonly OpenPosition[]): number {
    const open = Math.max(this.openCount, positions.length);
    if (this.snapshots > 0 && this.lastSnapshotMs >= this.lastDealMs) return this.lastSnapshotEquity;
    const openProfit = positions.reduce((s, p) => s + toCents(p.profit) + toCents(p.swap), 0);
    return this.balance + (open > 0 ? openProfit : 0);
  }

  /** The columns as a Timeline (views, no copy), valid until the next append. */
  timeline(history: AccountHistory, initialCapitalCents: number): Timeline {
    const D = this.deals;
    const T = this.trades;
    const P = this.points;
    const deals: DealColumns = {
      length: D.length,
      ms: D.ms.subarray(0, D.length),
      cents: D.cents.subarray(0, D.length),
      flags: D.flags.subarray(0, D.length),
      positionId: D.positionId.subarray(0, D.length),
      volume: D.volume.subarray(0, D.length),
      price: D.price.subarray(0, D.length),
      src: D.src,
    };
    const positions = history.positions ?? [];
    let dealObjects: TimedDeal[] | null = null;
    let tradeObjects: Trade[] | null = null;
    const tradesView = () =>
      (tradeObjects ??= Array.from({ length: T.length }, (_, i) => tradeAt(deals, this.trades, i)));
    const longestHold = this.longestHold;
    const neverClosed = [...this.neverClosed];
    return {
      get deals(): TimedDeal[] {
        dealObjects ??= Array.from({ length: deals.length }, (_, i) => ({
          ms: deals.ms[i]!,
          deal: deals.src[i]!,
          cents: deals.cents[i]!,
          isTrade: (deals.flags[i]! & DEAL_TRADE) !== 0,
          isAdjustment: (deals.flags[i]! & DEAL_ADJUSTMENT) !== 0,
        }));
        return dealObjects;
      },
      get trades(): Trade[] {
        return tradesView();
      },
      dealColumns: deals,
      tradeColumns: {
        length: T.length,
        openMs: T.openMs.subarray(0, T.length),
        closeMs: T.closeMs.subarray(0, T.length),
        cents: T.cents.subarray(0, T.length),
        volume: T.volume.subarray(0, T.length),
        openPrice: T.openPrice.subarray(0, T.length),
        sell: T.sell.subarray(0, T.length),
        opener: T.opener.subarray(0, T.length),
      },
      pointColumns: {
        length: P.length,
        ms: P.ms.subarray(0, P.length),
        balance: P.balance.subarray(0, P.length),
        equity: P.equity.subarray(0, P.length),
        adjustments: P.adjustments.subarray(0, P.length),
        equitySource: P.equitySource.subarray(0, P.length),
      },
      totals: { ...this.totals },
      initialCapitalCents,
      startBalanceCents: this.startBalanceCents,
      finalBalance: this.balance,
      finalAdjustments: this.adjustments,
      finalEquity: this.finalEquity(positions),
      openPositions: Math.max(this.openCount, positions.length),
      equityObserved: this.snapshots > 0,
      equitySource: this.snapshots > 0 ? 'observed' : 'balance_only',
      boundSkipped: [],
      openAt: (ms) => openAt(deals, T, longestHold, neverClosed, ms),
      ...dealEvidence(deals),
      symbols: history.symbols,
      account: history.account,
    };
  }
}

/** timeline-evidence.ts's openAt with the search bounds kept up to date instead of recomputed. */
function openAt(deals: DealColumns, trades: TradeColumns, longestHold: number, neverClosed: number[], ms: number) {
  let lo = 0;
  let hi = trades.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (trades.openMs[mid]! <= ms) lo = mid + 1;
    else hi = mid;
  }
  const found: number[] = [];
  for (let i = lo - 1; i >= 0 && trades.openMs[i]! >= ms - longestHold; i--) if (trades.closeMs[i]! > ms) found.push(i);
  for (const i of neverClosed) if (trades.openMs[i]! <= ms) found.push(i);
  return found
    .sort((a, b) => trades.openMs[a]! - trades.openMs[b]! || a - b)
    .map((i) => {
      const t = tradeAt(deals, trades, i);
      return {
        position_id: t.position_id,
        symbol: t.symbol,
        side: t.side,
        volume: t.volume,
        open_time: new Date(t.openMs).toISOString(),
      };
    });
}

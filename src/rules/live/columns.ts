/**
 * The timeline of a live account, grown in place: the same columns timeline-pass.ts builds in one
 * pass (deals, positions, equity points), appended to one deal or one equity reading at a time in
 * O(1) amortized, and viewed as a `Timeline` the batch families read. The pass's merge order holds
 * as long as each item comes after everything before it (a deal after the last reading, a reading
 * not before the last deal); the caller rebuilds when one does not.
 */
import type { Deal, OpenPosition } from '../../mt5/history.ts';
import { DEAL_ADJUSTMENT, DEAL_INOUT, DEAL_OPENS, DEAL_SELL, DEAL_TRADE, type DealColumns } from '../decode.ts';
import { toCents } from '../money.ts';
import { PositionTable } from '../position-table.ts';
import { parseUtcMs } from '../time.ts';
import { EQUITY_FROM_BALANCE, EQUITY_OBSERVED, type PointColumns, type TradeColumns } from '../timeline.ts';
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

type Position = Pick<LiveColumns, 'lastSnapshotMs' | 'lastDealMs' | 'lastTicket'>;

/** Whether a deal at `ms` with `ticket` comes after position `p` (columns or a checkpoint) in merge order. */
export function dealAfter(p: Position, ms: number, ticket: number): boolean {
  return ms > p.lastSnapshotMs && (ms > p.lastDealMs || (ms === p.lastDealMs && ticket >= p.lastTicket));
}

/** Whether a reading at `ms` comes after position `p` in merge order. */
export function readingAfter(p: Position, ms: number): boolean {
  return ms >= p.lastSnapshotMs && ms >= p.lastDealMs;
}

/** LiveColumns.checkpoint's answer. */
export interface ColumnsCheckpoint {
  observed: boolean;
  snapshots: number;
  lastSnapshotMs: number;
  lastSnapshotEquity: number;
  lastDealMs: number;
  lastTicket: number;
  /** The deals it holds (the first ones in merge order). */
  deals: number;
  /** The last equity point: ms, balance, equity, adjustments, source. */
  point: [number, number, number, number, number] | null;
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
  /** The trade index the last deal opened or added to, or -1 (max_risk_per_trade_pct reads it). */
  openedTrade = -1;

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
    return dealAfter(this, ms, ticket);
  }

  snapshotInOrder(ms: number): boolean {
    return readingAfter(this, ms);
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
    this.openedTrade = -1;
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
      if (after > 0) {
        this.openedTrade = this.newTrade(i, ms, after / 1e8);
        table.insert(pid, this.openedTrade, after);
      }
    } else if (flags & DEAL_OPENS) {
      after = before + v;
      if (t < 0) {
        t = this.newTrade(i, ms, 0);
        table.insert(pid, t, after);
      } else table.setVolume(slot, after);
      T.cents[t]! += cents;
      T.openPrice[t] = (T.openPrice[t]! * before + D.price[i]! * v) / after;
      if (after / 1e8 > T.volume[t]!) T.volume[t] = after / 1e8;
      this.openedTrade = t;
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
   * What a checkpoint keeps of the columns: the readings' part of the state and the last point. The
   * rest (deals, trades, positions, balance, totals) follows from the deals and is rebuilt by
   * `restore` (a checkpoint is used only when an item arrives late, rarely; copying the columns
   * every window would cost each watched account about 6 KiB a copy).
   */
  checkpoint(): ColumnsCheckpoint {
    const P = this.points;
    const n = P.length;
    return {
      observed: this.observed,
      snapshots: this.snapshots,
      lastSnapshotMs: this.lastSnapshotMs,
      lastSnapshotEquity: this.lastSnapshotEquity,
      lastDealMs: this.lastDealMs,
      lastTicket: this.lastTicket,
      deals: this.deals.length,
      point:
        n === 0
          ? null
          : [P.ms[n - 1]!, P.balance[n - 1]!, P.equity[n - 1]!, P.adjustments[n - 1]!, P.equitySource[n - 1]!],
    };
  }

  /** The columns a checkpoint was taken of, from the deals before it (at their merge instants). */
  static restore(
    startBalanceCents: number,
    c: ColumnsCheckpoint,
    deals: readonly { deal: Deal; ms: number }[],
  ): LiveColumns {
    const cols = new LiveColumns(startBalanceCents, c.observed);
    for (let i = 0; i < c.deals; i++) cols.addDeal(deals[i]!.deal, deals[i]!.ms);
    cols.snapshots = c.snapshots;
    cols.lastSnapshotMs = c.lastSnapshotMs;
    cols.lastSnapshotEquity = c.lastSnapshotEquity;
    const P = cols.points;
    P.length = 0;
    if (c.point) {
      P.ms[0] = c.point[0];
      P.balance[0] = c.point[1];
      P.equity[0] = c.point[2];
      P.adjustments[0] = c.point[3];
      P.equitySource[0] = c.point[4];
      P.length = 1;
    }
    return cols;
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

  /** The evaluation instant (evaluate.ts's evaluationInstant): the last deal's or equity point's time. */
  instant(): number {
    const P = this.points;
    return Math.max(this.deals.length > 0 ? this.lastDealMs : 0, P.length > 0 ? P.ms[P.length - 1]! : 0);
  }

  /** Equity now, as timelineOf computes it. */
  finalEquity(positions: readonly OpenPosition[]): number {
    const open = Math.max(this.openCount, positions.length);
    if (this.snapshots > 0 && this.lastSnapshotMs >= this.lastDealMs) return this.lastSnapshotEquity;
    const openProfit = positions.reduce((s, p) => s + toCents(p.profit) + toCents(p.swap), 0);
    return this.balance + (open > 0 ? openProfit : 0);
  }
}

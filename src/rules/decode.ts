/**
 * Decoding a history into the columns the engine reads: ISO times to epoch milliseconds, amounts
 * to integer cents, volumes to integers of 1e-8 lots, deal type and entry to flags; deals in MT5
 * order (time, then ticket) and snapshots in time order. This is the only step that reads the
 * history's JSON objects and strings, and at a million deals it is most of the work (about
 * 100 ns per ISO time on this project's CI machine), so it is done once per history:
 * `evaluate` decodes and evaluates; `decodeHistory` + `evaluateDecoded` evaluate one history
 * against several rule sets, or at several instants, without reading it again.
 */
import type { AccountHistory, Deal, EquitySnapshot } from '../mt5/history.ts';
import { type Columns, FRESH_ARENA } from './arena.ts';
import { toCents } from './money.ts';
import { parseUtcMs } from './time.ts';

/** A trade deal (buy or sell). */
export const DEAL_TRADE = 1;
/** Deposits, withdrawals, credits and bonuses: money in or out, never P/L or drawdown. */
export const DEAL_ADJUSTMENT = 2;
/** A trade deal that opens volume (entry `in` or `inout`). */
export const DEAL_OPENS = 4;
/** Entry `inout`: a netting reversal. */
export const DEAL_INOUT = 8;
/** A sell deal. */
export const DEAL_SELL = 16;

export interface DealColumns {
  length: number;
  ms: Float64Array;
  /** profit + commission + swap + fee, in cents. */
  cents: Float64Array;
  /** DEAL_* bits. */
  flags: Uint8Array;
  /** Trade deals only (other rows are unspecified): position id, volume in 1e-8 lots, price. */
  positionId: Float64Array;
  volume: Float64Array;
  price: Float64Array;
  /** The deal objects in the same (time) order, for evidence. */
  src: readonly Deal[];
}

interface SnapshotColumns {
  length: number;
  ms: Float64Array;
  /** Observed equity, cents. */
  equity: Float64Array;
  /** The snapshot objects in the same (time) order. */
  src: readonly EquitySnapshot[];
}

/** Sums over all deals, in cents. */
export interface DealTotals {
  /** Commissions and fees. */
  commissions: number;
  swaps: number;
  deposits: number;
  withdrawals: number;
}

export interface DecodedHistory {
  history: AccountHistory;
  deals: DealColumns;
  snapshots: SnapshotColumns;
  totals: DealTotals;
}

/** Decodes a history; columns come from `columns` (fresh arrays unless an evaluation lends its arena). */
export function decodeHistory(history: AccountHistory, columns: Columns = FRESH_ARENA): DecodedHistory {
  let decoded = decodeDeals(history.deals, columns);
  // Connectors deliver deals and snapshots in order; sort only when they are not.
  if (!decoded) decoded = decodeDeals(inMt5Order(history.deals), columns)!;
  const equity = history.equity ?? [];
  let snapshots = decodeSnapshots(equity, columns);
  if (!snapshots) snapshots = decodeSnapshots(inTimeOrder(equity), columns)!;
  return { history, deals: decoded.deals, snapshots, totals: decoded.totals };
}

/** Null when the deals are not in MT5 order. */
function decodeDeals(deals: readonly Deal[], c: Columns): { deals: DealColumns; totals: DealTotals } | null {
  const n = deals.length;
  const out: DealColumns = {
    length: n,
    ms: c.float64(n),
    cents: c.float64(n),
    flags: c.uint8(n),
    positionId: c.float64(n),
    volume: c.float64(n),
    price: c.float64(n),
    src: deals,
  };
  let commissions = 0;
  let swaps = 0;
  let deposits = 0;
  let withdrawals = 0;
  let prevMs = -Infinity;
  let prevTicket = -Infinity;
  for (let i = 0; i < n; i++) {
    const d = deals[i]!;
    const ms = parseUtcMs(d.time);
    const ticket = d.ticket;
    if (ms < prevMs || (ms === prevMs && ticket < prevTicket)) return null;
    prevMs = ms;
    prevTicket = ticket;
    const commission = toCents(d.commission) + toCents(d.fee);
    const swap = toCents(d.swap);
    const cents = toCents(d.profit) + commission + swap;
    commissions += commission;
    swaps += swap;
    out.ms[i] = ms;
    out.cents[i] = cents;
    const type = d.type;
    if (type === 'buy' || type === 'sell') {
      const entry = d.entry;
      out.flags[i] =
        DEAL_TRADE |
        (type === 'sell' ? DEAL_SELL : 0) |
        (entry === 'in' ? DEAL_OPENS : entry === 'inout' ? DEAL_OPENS | DEAL_INOUT : 0);
      out.positionId[i] = d.position_id;
      out.volume[i] = Math.round(d.volume * 1e8);
      out.price[i] = d.price;
    } else if (type === 'balance' || type === 'credit' || type === 'bonus') {
      out.flags[i] = DEAL_ADJUSTMENT;
      if (cents > 0) deposits += cents;
      else withdrawals -= cents;
    } else out.flags[i] = 0;
  }
  return { deals: out, totals: { commissions, swaps, deposits, withdrawals } };
}

/** Null when the snapshots are not in time order. */
function decodeSnapshots(snaps: readonly EquitySnapshot[], c: Columns): SnapshotColumns | null {
  const n = snaps.length;
  const out: SnapshotColumns = { length: n, ms: c.float64(n), equity: c.float64(n), src: snaps };
  let prev = -Infinity;
  for (let i = 0; i < n; i++) {
    const s = snaps[i]!;
    const ms = parseUtcMs(s.time);
    if (ms < prev) return null;
    prev = ms;
    out.ms[i] = ms;
    out.equity[i] = toCents(s.equity);
  }
  return out;
}

/** MT5 order: time, then ticket; stable for ties. */
function inMt5Order(deals: readonly Deal[]): Deal[] {
  const ms = Float64Array.from(deals, (d) => parseUtcMs(d.time));
  return Array.from(deals.keys())
    .sort((a, b) => ms[a]! - ms[b]! || deals[a]!.ticket - deals[b]!.ticket || a - b)
    .map((i) => deals[i]!);
}

function inTimeOrder(snaps: readonly EquitySnapshot[]): EquitySnapshot[] {
  const ms = Float64Array.from(snaps, (s) => parseUtcMs(s.time));
  return Array.from(snaps.keys())
    .sort((a, b) => ms[a]! - ms[b]! || a - b)
    .map((i) => snaps[i]!);
}

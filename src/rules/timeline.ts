/**
 * The state stream every rule reads (reference/rules.md §3, §6): deals in time order with their
 * cash effect in cents, equity points (observed snapshots, or balance at deal instants when the
 * account is flat or nothing else is known), and the positions built from the deals.
 *
 * Everything is held in columns (typed arrays), built in one pass over the decoded history
 * (timeline-pass.ts): at a million deals, an object per deal or per position cost more in
 * allocation and GC than the rules themselves. `deals` and `trades` give the same data as
 * objects, built on first use, for the families that read few of them.
 */
import type { Deal, HistoryAccount, SymbolSpec } from '../mt5/history.ts';
import type { DealColumns, DealTotals } from './decode.ts';

/** Equity points as columns (struct of arrays). */
export interface PointColumns {
  length: number;
  ms: Float64Array;
  /** Closed balance (exact, from deals), cents. */
  balance: Float64Array;
  /** Equity, cents. */
  equity: Float64Array;
  /** Deposits/withdrawals/credits so far, cents: they shift every money reference (T20). */
  adjustments: Float64Array;
  /** Where the point's equity comes from: EQUITY_FROM_BALANCE, EQUITY_OBSERVED or EQUITY_M1_BOUND. */
  equitySource: Uint8Array;
}

/** Equity is the closed balance: nothing was open, or nothing else is known. */
export const EQUITY_FROM_BALANCE = 0;
/** Equity as the account reported it (a snapshot). */
export const EQUITY_OBSERVED = 1;
/** The M1-bar lower bound on equity (m1-bound.ts): a breach on it alone is only possible. */
export const EQUITY_M1_BOUND = 2;

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
interface OpenPosition {
  position_id: number;
  symbol: string;
  side: 'buy' | 'sell';
  volume: number;
  open_time: string;
}

export type EquitySource = 'observed' | 'm1_bound' | 'balance_only';

export interface Timeline {
  initialCapitalCents: number;
  startBalanceCents: number;
  /** Deals in time order (columns: the fast path). */
  dealColumns: DealColumns;
  /** Positions in opening order (columns: the fast path). */
  tradeColumns: TradeColumns;
  /** The equity stream (columns: the fast path). */
  pointColumns: PointColumns;
  /** The same deals as objects (built on first use). */
  readonly deals: TimedDeal[];
  /** The same positions as objects (built on first use). */
  readonly trades: Trade[];
  totals: DealTotals;
  finalBalance: number;
  finalAdjustments: number;
  /** Equity now: the last observation when it is not older than the last deal, else balance + open P/L. */
  finalEquity: number;
  openPositions: number;
  /** Whether the history carries equity snapshots. */
  equityObserved: boolean;
  /** 'observed' snapshots, 'm1_bound' from bars, or 'balance_only'. */
  equitySource: EquitySource;
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
  dealsBehind(
    fromMs: number,
    toMs: number,
    open: ReadonlyArray<OpenPosition>,
    max: number,
  ): { tickets: number[]; total: number };
}

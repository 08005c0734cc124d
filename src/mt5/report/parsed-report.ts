/**
 * What `parseReport` gives: the account line, the five blocks of the terminal's "Trade History
 * Report" as typed records, its Summary and Results, and the cross-checks of the report's own
 * totals against the rows (reference/mt5.md §4).
 */
import type { ZipLimits } from './zip.ts';

export interface ReportAccount {
  login: string;
  currency: string;
  server: string;
  name: string;
  company: string;
  /** `demo` | `real` | `contest` as the report writes it, or null. */
  trade_mode: string | null;
  margin_mode: 'hedging' | 'netting' | null;
  /** When the report was made, server clock `YYYY-MM-DD HH:mm[:ss]`. */
  generated_at: string | null;
}

/** Times below are server-clock wall times `YYYY-MM-DD HH:mm:ss` (no zone), as the report shows them. */
export interface ReportPosition {
  time: string;
  position: number;
  symbol: string;
  type: string;
  volume: number;
  price: number;
  sl: number | null;
  tp: number | null;
  close_time: string;
  /** Volume-weighted for partially closed positions (§4.5). */
  close_price: number;
  commission: number;
  swap: number;
  profit: number;
  /** The hidden cell after Type (EA name or id). */
  comment: string;
}

export interface ReportOrder {
  open_time: string;
  order: number;
  symbol: string;
  type: string;
  volume_filled: number;
  volume_requested: number;
  /** null for `market`. */
  price: number | null;
  sl: number | null;
  tp: number | null;
  time: string | null;
  state: string;
  comment: string;
}

export interface ReportDeal {
  time: string;
  deal: number;
  symbol: string;
  /** `buy`, `sell`, `balance`, `credit`, … (English in every language, §4.4). */
  type: string;
  /** `in`, `out`, `in/out`, `out by`, or '' for balance operations. */
  direction: string;
  volume: number;
  price: number;
  order: number;
  commission: number;
  fee: number;
  swap: number;
  profit: number;
  /** Running balance after the deal (includes credit deals). */
  balance: number;
  comment: string;
}

export interface ReportOpenPosition {
  time: string;
  position: number;
  symbol: string;
  type: string;
  volume: number;
  price: number;
  sl: number | null;
  tp: number | null;
  market_price: number;
  swap: number;
  profit: number;
  comment: string;
}

export interface ReportWorkingOrder {
  open_time: string;
  order: number;
  symbol: string;
  type: string;
  volume_filled: number;
  volume_requested: number;
  price: number | null;
  sl: number | null;
  tp: number | null;
  market_price: number | null;
  state: string;
  comment: string;
}

export interface ReportSummary {
  balance: number | null;
  credit: number | null;
  floating_pl: number | null;
  equity: number | null;
  free_margin: number | null;
  margin: number | null;
  /** Percent, e.g. 917.63. */
  margin_level: number | null;
}

export type ReportResults = Record<string, number | null>;

export interface ReportMismatch {
  check: string;
  /** What the report states. */
  report: number;
  /** What the parser computed from the rows. */
  computed: number;
  difference: number;
  message: string;
}

export interface ParsedReport {
  format: 'html' | 'xlsx';
  account: ReportAccount;
  positions: ReportPosition[];
  orders: ReportOrder[];
  deals: ReportDeal[];
  open_positions: ReportOpenPosition[];
  working_orders: ReportWorkingOrder[];
  summary: ReportSummary;
  results: ReportResults;
  /** What the parser computed from the deals (the other side of every cross-check). */
  computed: {
    total_net_profit: number;
    gross_profit: number;
    gross_loss: number;
    total_trades: number;
    final_balance: number | null;
    deposits: number;
    withdrawals: number;
    credit: number;
  };
  mismatches: ReportMismatch[];
  warnings: string[];
}

export interface ParseReportOptions {
  /** File name, used only to pick the format when the bytes are ambiguous. */
  filename?: string;
  /** Inflation limits for xlsx uploads (defaults: `DEFAULT_ZIP_LIMITS`); past one, `ReportTooLargeError`. */
  zipLimits?: Partial<ZipLimits>;
}

/**
 * The normalized account history every connector yields and the rule engine reads.
 * Connectors convert broker (server-clock) times to UTC and record the offset, so rules never
 * see connector quirks (reference/mt5.md §3.5, §3.6). JSON field names are snake_case because
 * the same object is accepted by the CLI (`check --history`) and documented as a JSON Schema.
 */

/** MT5 deal types in lower case (reference/mt5.md §3.1). */
export type DealType =
  | 'buy'
  | 'sell'
  | 'balance'
  | 'credit'
  | 'charge'
  | 'correction'
  | 'bonus'
  | 'commission'
  | 'commission_daily'
  | 'commission_monthly'
  | 'commission_agent_daily'
  | 'commission_agent_monthly'
  | 'interest'
  | 'buy_canceled'
  | 'sell_canceled'
  | 'dividend'
  | 'dividend_franked'
  | 'tax';

/** MT5 deal entry (reference/mt5.md §3.2). */
export type DealEntry = 'in' | 'out' | 'inout' | 'out_by';

export interface Deal {
  ticket: number;
  order: number;
  /** UTC ISO-8601 with milliseconds. */
  time: string;
  type: DealType;
  entry: DealEntry;
  position_id: number;
  symbol: string;
  volume: number;
  price: number;
  /** Money fields in the account currency, as the server booked them. */
  profit: number;
  commission: number;
  swap: number;
  fee: number;
  comment: string;
  /** Stop loss attached to the position at entry, when the source knows it. */
  sl?: number | null;
  tp?: number | null;
}

export interface EquitySnapshot {
  time: string;
  balance: number;
  equity: number;
}

export interface OpenPosition {
  ticket: number;
  symbol: string;
  type: 'buy' | 'sell';
  volume: number;
  open_price: number;
  current_price: number;
  /** Stop loss and take profit; absent or null when the position has none. */
  sl?: number | null;
  tp?: number | null;
  swap: number;
  profit: number;
  open_time: string;
}

export interface Bar {
  time: string;
  open: number;
  high: number;
  low: number;
  close: number;
  spread_points: number;
}

export interface SymbolSpec {
  contract_size: number;
  point: number;
  profit_currency: string;
}

export interface HistoryAccount {
  login: string;
  server: string;
  currency: string;
  /** Balance before the first deal in `deals`. */
  initial_balance: number;
  /** Broker clock minus UTC at the time of reading, in minutes (informational). */
  server_utc_offset_minutes: number;
  margin_mode: 'hedging' | 'netting';
}

export interface AccountHistory {
  account: HistoryAccount;
  deals: Deal[];
  equity?: EquitySnapshot[];
  positions?: OpenPosition[];
  bars?: Record<string, Bar[]>;
  symbols?: Record<string, SymbolSpec>;
}

/** Current account state, as `account_info()` reports it. */
export interface AccountInfo {
  login: string;
  server: string;
  currency: string;
  leverage: number;
  balance: number;
  equity: number;
  credit: number;
  margin: number;
  free_margin: number;
  margin_level: number | null;
  as_of: string;
}

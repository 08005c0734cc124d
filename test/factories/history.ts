/** Builders of small account histories for rule tests. */
import type { AccountHistory, Deal, EquitySnapshot } from '../../src/mt5/history.ts';

let ticket = 1000;

export function deal(time: string, patch: Partial<Deal> = {}): Deal {
  ticket++;
  return {
    ticket,
    order: ticket,
    time,
    type: 'buy',
    entry: 'in',
    position_id: 1,
    symbol: 'EURUSD',
    volume: 1,
    price: 1.1,
    profit: 0,
    commission: 0,
    swap: 0,
    fee: 0,
    comment: '',
    ...patch,
  };
}

/** A round trip: entry at `open`, exit at `close` with `profit`. */
export function roundTrip(
  position_id: number,
  open: string,
  close: string,
  profit: number,
  patch: Partial<Deal> = {},
): Deal[] {
  return [
    deal(open, { position_id, entry: 'in', type: 'buy', ...patch }),
    deal(close, { position_id, entry: 'out', type: 'sell', profit, ...patch }),
  ];
}

export function balanceOp(time: string, amount: number): Deal {
  return deal(time, { type: 'balance', entry: 'in', position_id: 0, symbol: '', volume: 0, price: 0, profit: amount });
}

export function history(deals: Deal[], equity?: EquitySnapshot[], initial = 100_000): AccountHistory {
  return {
    account: {
      login: '1',
      server: 'Test',
      currency: 'USD',
      initial_balance: initial,
      server_utc_offset_minutes: 120,
      margin_mode: 'hedging',
    },
    deals,
    ...(equity ? { equity } : {}),
    positions: [],
  };
}

export function snap(time: string, balance: number, equity: number): EquitySnapshot {
  return { time, balance, equity };
}

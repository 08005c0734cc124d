/** Deterministic generator of large histories for bench/rules.ts. */
import type { AccountHistory, Deal, EquitySnapshot } from '../src/mt5/history.ts';

function mulberry32(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generate(deals: number): AccountHistory {
  const rnd = mulberry32(20260116);
  const out: Deal[] = [];
  const equity: EquitySnapshot[] = [];
  const symbols = ['EURUSD', 'GBPUSD', 'USDJPY', 'XAUUSD'];
  let t = Date.parse('2026-01-05T07:00:00.000Z');
  let balance = 100_000;
  let ticket = 1;
  const iso = (ms: number) => new Date(ms).toISOString();
  for (let p = 0; p < deals / 2; p++) {
    // Weekday sessions 07:00–21:00 UTC.
    const now = new Date(t);
    if (now.getUTCHours() >= 21 || now.getUTCDay() === 0 || now.getUTCDay() === 6) {
      const next = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1, 7));
      while (next.getUTCDay() === 0 || next.getUTCDay() === 6) next.setUTCDate(next.getUTCDate() + 1);
      t = next.getTime();
    }
    const hold = 5_000 + Math.floor(rnd() * 35_000);
    const side = rnd() < 0.5 ? 'buy' : 'sell';
    const symbol = symbols[p % symbols.length]!;
    const volume = Math.round((0.1 + rnd() * 2) * 100) / 100;
    const commission = -Math.round(volume * 350) / 100;
    // Small edge so balances wander without a monotone trend; cents exact.
    const profit = Math.round((rnd() - 0.499) * 400 * volume * 100) / 100;
    const position = ticket;
    out.push({
      ticket: ticket++,
      order: position,
      time: iso(t),
      type: side,
      entry: 'in',
      position_id: position,
      symbol,
      volume,
      price: 1.1,
      profit: 0,
      commission,
      swap: 0,
      fee: 0,
      comment: '',
    });
    balance += commission;
    for (let s = 5_000; s < hold; s += 5_000) {
      const floating = Math.round(profit * (s / hold) * (0.5 + rnd()) * 100) / 100;
      equity.push({
        time: iso(t + s),
        balance: Math.round(balance * 100) / 100,
        equity: Math.round((balance + floating) * 100) / 100,
      });
    }
    t += hold;
    out.push({
      ticket: ticket++,
      order: ticket,
      time: iso(t),
      type: side === 'buy' ? 'sell' : 'buy',
      entry: 'out',
      position_id: position,
      symbol,
      volume,
      price: 1.1,
      profit,
      commission,
      swap: 0,
      fee: 0,
      comment: '',
    });
    balance += profit + commission;
    t += 1_000 + Math.floor(rnd() * 19_000);
  }
  return {
    account: {
      login: 'bench',
      server: 'Bench',
      currency: 'USD',
      initial_balance: 100_000,
      server_utc_offset_minutes: 120,
      margin_mode: 'hedging',
    },
    deals: out,
    equity,
    positions: [],
  };
}

/**
 * The M1-bar lower bound on equity (reference/rules.md §6.3, approach 3), for histories without
 * observed equity: for each minute a position is open, take its adverse extreme — the bid low for
 * a long, the ask high (high + spread) for a short — and add all positions' worst P/L to the
 * closed balance. The bound is conservative (extremes of different positions need not coincide),
 * so a breach found only on it is reported as *possible*, never as a failure. Partial first and
 * last minutes are counted whole (more conservative). Positions whose profit currency is not the
 * account currency are left out (no conversion rates here) and reported.
 */
import type { AccountHistory } from '../mt5/history.ts';
import { toCents } from './money.ts';
import { parseUtcMs } from './time.ts';
import type { Trade } from './timeline.ts';

export interface BoundPoints {
  ms: number[];
  /** Worst floating P/L of all open positions in that minute, cents (≤ 0 or positive). */
  floating: number[];
  /** Symbols skipped for lack of bars, specs or a same-currency profit. */
  skipped: string[];
}

export function m1Bound(history: AccountHistory, trades: Trade[]): BoundPoints | null {
  const bars = history.bars;
  const specs = history.symbols;
  if (!bars || !specs || trades.length === 0) return null;
  const parsed = new Map<string, { ms: Float64Array; low: Float64Array; high: Float64Array; spread: Float64Array }>();
  const byMinute = new Map<number, number>();
  const skipped = new Set<string>();
  const lastMs = trades.reduce((m, t) => Math.max(m, t.closeMs ?? 0), 0);
  for (const t of trades) {
    const spec = specs[t.symbol];
    const series = bars[t.symbol];
    if (!spec || !series || series.length === 0 || spec.profit_currency !== history.account.currency) {
      skipped.add(t.symbol);
      continue;
    }
    let p = parsed.get(t.symbol);
    if (!p) {
      p = {
        ms: Float64Array.from(series, (b) => parseUtcMs(b.time)),
        low: Float64Array.from(series, (b) => b.low),
        high: Float64Array.from(series, (b) => b.high),
        spread: Float64Array.from(series, (b) => b.spread_points),
      };
      parsed.set(t.symbol, p);
    }
    const end = t.closeMs ?? lastMs;
    // First bar whose minute overlaps the position: bar.ms + 60 s > openMs.
    let lo = 0;
    let hi = p.ms.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (p.ms[mid]! + 60_000 <= t.openMs) lo = mid + 1;
      else hi = mid;
    }
    const perUnit = t.volume * spec.contract_size;
    for (let i = lo; i < p.ms.length && p.ms[i]! < end; i++) {
      const worstPrice = t.side === 'buy' ? p.low[i]! : p.high[i]! + p.spread[i]! * spec.point;
      const pnl = toCents((t.side === 'buy' ? worstPrice - t.openPrice : t.openPrice - worstPrice) * perUnit);
      byMinute.set(p.ms[i]!, (byMinute.get(p.ms[i]!) ?? 0) + pnl);
    }
  }
  const ms = [...byMinute.keys()].sort((a, b) => a - b);
  return { ms, floating: ms.map((m) => byMinute.get(m)!), skipped: [...skipped] };
}

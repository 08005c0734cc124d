/**
 * Trading statistics named as MetaApi MetaStats / Myfxbook users know them
 * (reference/ecosystem.md §1.4, rules.md §5.2). Closed-trade and balance based, like MetaStats;
 * the loss-limit verdicts use equity elsewhere.
 */
import { dayClock } from './days.ts';
import { DEAL_ADJUSTMENT } from './decode.ts';
import { fromCents, pct2 } from './money.ts';
import type { Timeline } from './timeline.ts';

export interface DailyGrowth {
  date: string;
  balance: number;
  profit: number;
}

/**
 * `resetTz`/`resetTime`: the day dailyGrowth and best/worst day are split on, always the caller's
 * (the rule set's day, day-basis.ts, or the firm's configured one): there is no default zone.
 */
export function statistics(timeline: Timeline, resetTz: string, resetTime: string) {
  // Closed trades, in one pass over the trade columns.
  const T = timeline.tradeColumns;
  let closed = 0;
  let wins = 0;
  let losses = 0;
  let longs = 0;
  let grossProfit = 0;
  let grossLoss = 0;
  let bestTrade = -Infinity;
  let worstTrade = Infinity;
  let held = 0;
  let lots = 0;
  for (let i = 0; i < T.length; i++) {
    const close = T.closeMs[i]!;
    if (Number.isNaN(close)) continue;
    const cents = T.cents[i]!;
    closed++;
    if (cents > 0) {
      wins++;
      grossProfit += cents;
    } else if (cents < 0) {
      losses++;
      grossLoss -= cents;
    }
    if (!T.sell[i]) longs++;
    if (cents > bestTrade) bestTrade = cents;
    if (cents < worstTrade) worstTrade = cents;
    held += close - T.openMs[i]!;
    lots += T.volume[i]!;
  }
  const { commissions, swaps, deposits, withdrawals } = timeline.totals;

  // Daily growth on closed balance (MetaStats dailyGrowth), and the balance high-water mark.
  const clock = dayClock(resetTz, resetTime);
  const daily: DailyGrowth[] = [];
  let balance = timeline.startBalanceCents;
  let highest = balance;
  let highestMs: number | null = null;
  let maxBalanceDrawdown = 0;
  let last: DailyGrowth | undefined;
  let date = '';
  let dayEnd = -Infinity;
  const D = timeline.dealColumns;
  for (let i = 0; i < D.length; i++) {
    const ms = D.ms[i]!;
    const cents = D.cents[i]!;
    balance += cents;
    if (balance > highest) {
      highest = balance;
      highestMs = ms;
    }
    if (highest > 0) maxBalanceDrawdown = Math.max(maxBalanceDrawdown, (highest - balance) / highest);
    if (ms >= dayEnd) {
      // Deals are in time order: look up the day only once an instant passes the day's end.
      const span = clock.spanOf(ms);
      date = span.day;
      dayEnd = span.end;
    }
    const dayProfit = D.flags[i]! & DEAL_ADJUSTMENT ? 0 : cents;
    if (last && last.date === date) {
      last.balance = balance;
      last.profit += dayProfit;
    } else {
      last = { date, balance, profit: dayProfit };
      daily.push(last);
    }
  }
  const days = daily.map((d) => ({ date: d.date, balance: fromCents(d.balance), profit: fromCents(d.profit) }));
  const best = days.reduce<DailyGrowth | null>((b, d) => (!b || d.profit > b.profit ? d : b), null);
  const worst = days.reduce<DailyGrowth | null>((w, d) => (!w || d.profit < w.profit ? d : w), null);
  const net = grossProfit - grossLoss;
  const base = timeline.initialCapitalCents + timeline.finalAdjustments;

  return {
    balance: fromCents(timeline.finalBalance),
    equity: fromCents(timeline.finalEquity),
    highestBalance: fromCents(highest),
    highestBalanceDate: highestMs === null ? null : new Date(highestMs).toISOString(),
    profit: fromCents(timeline.finalBalance - base),
    absoluteGain: pct2(((timeline.finalBalance - base) / timeline.initialCapitalCents) * 100),
    maxDrawdown: pct2(maxBalanceDrawdown * 100),
    trades: closed,
    longTrades: longs,
    shortTrades: closed - longs,
    wonTradesPercent: closed ? pct2((wins / closed) * 100) : 0,
    lostTradesPercent: closed ? pct2((losses / closed) * 100) : 0,
    profitFactor: grossLoss === 0 ? (grossProfit > 0 ? null : 0) : Number((grossProfit / grossLoss).toFixed(2)),
    expectancy: closed ? fromCents(Math.round(net / closed)) : 0,
    averageWin: wins ? fromCents(Math.round(grossProfit / wins)) : 0,
    averageLoss: losses ? fromCents(-Math.round(grossLoss / losses)) : 0,
    bestTrade: closed ? fromCents(bestTrade) : 0,
    worstTrade: closed ? fromCents(worstTrade) : 0,
    averageTradeLengthInMilliseconds: closed ? Math.round(held / closed) : 0,
    lots: Number(lots.toFixed(2)),
    commissions: fromCents(commissions),
    interest: fromCents(swaps),
    deposits: fromCents(deposits),
    withdrawals: fromCents(withdrawals),
    bestDay: best,
    worstDay: worst,
    dailyGrowth: days,
  };
}

export type Statistics = ReturnType<typeof statistics>;

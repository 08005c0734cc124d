/**
 * Trading statistics named as MetaApi MetaStats / Myfxbook users know them
 * (reference/ecosystem.md §1.4, rules.md §5.2). Closed-trade and balance based, like MetaStats;
 * the loss-limit verdicts use equity elsewhere.
 */
import { dayClock } from './days.ts';
import { fromCents, pct2 } from './money.ts';
import type { Timeline } from './timeline.ts';

export interface DailyGrowth {
  date: string;
  balance: number;
  profit: number;
}

export function statistics(tl: Timeline, tz = 'Europe/Prague') {
  const closed = tl.trades.filter((t) => t.closeMs !== null);
  const wins = closed.filter((t) => t.cents > 0);
  const losses = closed.filter((t) => t.cents < 0);
  const grossProfit = wins.reduce((s, t) => s + t.cents, 0);
  const grossLoss = -losses.reduce((s, t) => s + t.cents, 0);
  let commissions = 0;
  let swaps = 0;
  let deposits = 0;
  let withdrawals = 0;
  for (const td of tl.deals) {
    commissions += Math.round(td.deal.commission * 100) + Math.round(td.deal.fee * 100);
    swaps += Math.round(td.deal.swap * 100);
    if (td.isAdjustment) {
      if (td.cents > 0) deposits += td.cents;
      else withdrawals -= td.cents;
    }
  }

  // Daily growth on closed balance (MetaStats dailyGrowth), and the balance high-water mark.
  const clock = dayClock(tz);
  const daily: DailyGrowth[] = [];
  let balance = tl.startBalanceCents;
  let highest = balance;
  let highestMs: number | null = null;
  let maxBalanceDrawdown = 0;
  for (const td of tl.deals) {
    balance += td.cents;
    if (balance > highest) {
      highest = balance;
      highestMs = td.ms;
    }
    if (highest > 0) maxBalanceDrawdown = Math.max(maxBalanceDrawdown, (highest - balance) / highest);
    const date = clock.dayOf(td.ms);
    const last = daily.at(-1);
    const dayProfit = td.isAdjustment ? 0 : td.cents;
    if (last && last.date === date) {
      last.balance = balance;
      last.profit += dayProfit;
    } else daily.push({ date, balance, profit: dayProfit });
  }
  const days = daily.map((d) => ({ date: d.date, balance: fromCents(d.balance), profit: fromCents(d.profit) }));
  const best = days.reduce<DailyGrowth | null>((b, d) => (!b || d.profit > b.profit ? d : b), null);
  const worst = days.reduce<DailyGrowth | null>((w, d) => (!w || d.profit < w.profit ? d : w), null);
  const net = grossProfit - grossLoss;
  const base = tl.icCents + tl.finalAdjustments;

  return {
    balance: fromCents(tl.finalBalance),
    equity: fromCents(tl.finalEquity),
    highestBalance: fromCents(highest),
    highestBalanceDate: highestMs === null ? null : new Date(highestMs).toISOString(),
    profit: fromCents(tl.finalBalance - base),
    absoluteGain: pct2(((tl.finalBalance - base) / tl.icCents) * 100),
    maxDrawdown: pct2(maxBalanceDrawdown * 100),
    trades: closed.length,
    longTrades: closed.filter((t) => t.side === 'buy').length,
    shortTrades: closed.filter((t) => t.side === 'sell').length,
    wonTradesPercent: closed.length ? pct2((wins.length / closed.length) * 100) : 0,
    lostTradesPercent: closed.length ? pct2((losses.length / closed.length) * 100) : 0,
    profitFactor: grossLoss === 0 ? (grossProfit > 0 ? null : 0) : Number((grossProfit / grossLoss).toFixed(2)),
    expectancy: closed.length ? fromCents(Math.round(net / closed.length)) : 0,
    averageWin: wins.length ? fromCents(Math.round(grossProfit / wins.length)) : 0,
    averageLoss: losses.length ? fromCents(-Math.round(grossLoss / losses.length)) : 0,
    bestTrade: closed.length ? fromCents(closed.reduce((m, t) => Math.max(m, t.cents), -Infinity)) : 0,
    worstTrade: closed.length ? fromCents(closed.reduce((m, t) => Math.min(m, t.cents), Infinity)) : 0,
    averageTradeLengthInMilliseconds: closed.length ? Math.round(closed.reduce((s, t) => s + (t.closeMs! - t.openMs), 0) / closed.length) : 0,
    lots: Number(closed.reduce((s, t) => s + t.volume, 0).toFixed(2)),
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

/**
 * The evaluation's own figures kept up to date deal by deal and point by point: the statistics
 * (statistics.ts: closed trades, daily growth in the rule set's day, the balance high-water mark),
 * the trading days of any day, and the static drawdown. Same arithmetic as the batch functions;
 * a closed trade is final (its position is out of the table), so it is counted once, when it closes.
 */

import type { DayPnl } from '../day-figures.ts';
import type { DayClock } from '../days.ts';
import { dayClock } from '../days.ts';
import { DEAL_ADJUSTMENT, DEAL_OPENS } from '../decode.ts';
import type { Figures } from '../evaluate.ts';
import { fromCents, pct2 } from '../money.ts';
import type { DailyGrowth, Statistics } from '../statistics.ts';
import type { Timeline } from '../timeline.ts';
import type { LiveColumns } from './columns.ts';

/**
 * The day figures of one reset zone and time (day-figures.ts): the days on which a position was
 * opened, and the closed P/L of each day with deals.
 */
class DayFigures {
  readonly days = new Set<string>();
  readonly pnl: DayPnl[] = [];
  private dayEnd = -Infinity;
  private pnlDay = '';
  private pnlEnd = -Infinity;
  private readonly clock: DayClock;
  constructor(tz: string, time: string) {
    this.clock = dayClock(tz, time);
  }
  deal(ms: number, flags: number, cents: number): void {
    if (flags & DEAL_OPENS && ms >= this.dayEnd) {
      const span = this.clock.spanOf(ms);
      this.days.add(span.day);
      this.dayEnd = span.end;
    }
    if (flags & DEAL_ADJUSTMENT) return;
    if (ms >= this.pnlEnd) {
      const span = this.clock.spanOf(ms);
      this.pnlDay = span.day;
      this.pnlEnd = span.end;
    }
    const last = this.pnl[this.pnl.length - 1];
    if (last && last.day === this.pnlDay) last.cents += cents;
    else this.pnl.push({ day: this.pnlDay, cents });
  }
}

export class LiveFigures {
  private closed = 0;
  private wins = 0;
  private losses = 0;
  private longs = 0;
  private grossProfit = 0;
  private grossLoss = 0;
  private bestTrade = -Infinity;
  private worstTrade = Infinity;
  private held = 0;
  private lots = 0;
  private balance: number;
  private highest: number;
  private highestMs: number | null = null;
  private maxBalanceDrawdown = 0;
  private readonly daily: DailyGrowth[] = [];
  private date = '';
  private dayEnd = -Infinity;
  private readonly clock: DayClock;
  private worstStatic = 0;
  private readonly byDay = new Map<string, DayFigures>();
  private dealsSeen = 0;

  constructor(
    private readonly cols: LiveColumns,
    private readonly ic: number,
    /** The day dailyGrowth and best/worst day are split on. */
    private readonly day: { tz: string; time: string },
  ) {
    this.balance = cols.startBalanceCents;
    this.highest = this.balance;
    this.clock = dayClock(day.tz, day.time);
  }

  /** The deal at index `i` was appended (and `closedTrade` says which trade it closed, if any). */
  deal(i: number): void {
    const D = this.cols.deals;
    const T = this.cols.trades;
    const t = this.cols.closedTrade;
    if (t >= 0) {
      const cents = T.cents[t]!;
      this.closed++;
      if (cents > 0) {
        this.wins++;
        this.grossProfit += cents;
      } else if (cents < 0) {
        this.losses++;
        this.grossLoss -= cents;
      }
      if (!T.sell[t]) this.longs++;
      if (cents > this.bestTrade) this.bestTrade = cents;
      if (cents < this.worstTrade) this.worstTrade = cents;
      this.held += T.closeMs[t]! - T.openMs[t]!;
      this.lots += T.volume[t]!;
    }
    const ms = D.ms[i]!;
    const cents = D.cents[i]!;
    this.balance += cents;
    if (this.balance > this.highest) {
      this.highest = this.balance;
      this.highestMs = ms;
    }
    if (this.highest > 0)
      this.maxBalanceDrawdown = Math.max(this.maxBalanceDrawdown, (this.highest - this.balance) / this.highest);
    if (ms >= this.dayEnd) {
      const span = this.clock.spanOf(ms);
      this.date = span.day;
      this.dayEnd = span.end;
    }
    const dayProfit = D.flags[i]! & DEAL_ADJUSTMENT ? 0 : cents;
    const last = this.daily[this.daily.length - 1];
    if (last && last.date === this.date) {
      last.balance = this.balance;
      last.profit += dayProfit;
    } else this.daily.push({ date: this.date, balance: this.balance, profit: dayProfit });
    for (const o of this.byDay.values()) o.deal(ms, D.flags[i]!, cents);
    this.dealsSeen = i + 1;
  }

  point(i: number): void {
    const P = this.cols.points;
    this.worstStatic = Math.max(this.worstStatic, this.ic + P.adjustments[i]! - P.equity[i]!);
  }

  /** A zone's day figures; the first request replays the deals once, later ones are kept up to date. */
  dayFigures(tz: string, time: string): DayFigures {
    const key = `${tz}|${time}`;
    let o = this.byDay.get(key);
    if (!o) {
      o = new DayFigures(tz, time);
      const D = this.cols.deals;
      for (let i = 0; i < this.dealsSeen; i++) o.deal(D.ms[i]!, D.flags[i]!, D.cents[i]!);
      this.byDay.set(key, o);
    }
    return o;
  }

  /** Days with a position opened, in a zone and time. */
  tradingDays(tz: string, time: string): number {
    return this.dayFigures(tz, time).days.size;
  }

  figures(timeline: Timeline): Figures {
    return {
      statistics: (tz, time) => {
        if (tz !== this.day.tz || time !== this.day.time) throw new RangeError('statistics asked for another day');
        return this.statistics(timeline);
      },
      tradingDays: (tz, time) => this.tradingDays(tz, time),
      maxDrawdownPercent: () => pct2((this.worstStatic / this.ic) * 100),
    };
  }

  private statistics(timeline: Timeline): Statistics {
    const { closed, wins, losses, longs, grossProfit, grossLoss } = this;
    const { commissions, swaps, deposits, withdrawals } = timeline.totals;
    const days = this.daily.map((d) => ({ date: d.date, balance: fromCents(d.balance), profit: fromCents(d.profit) }));
    const best = days.reduce<DailyGrowth | null>((b, d) => (!b || d.profit > b.profit ? d : b), null);
    const worst = days.reduce<DailyGrowth | null>((w, d) => (!w || d.profit < w.profit ? d : w), null);
    const net = grossProfit - grossLoss;
    const base = timeline.initialCapitalCents + timeline.finalAdjustments;
    return {
      balance: fromCents(timeline.finalBalance),
      equity: fromCents(timeline.finalEquity),
      highestBalance: fromCents(this.highest),
      highestBalanceDate: this.highestMs === null ? null : new Date(this.highestMs).toISOString(),
      profit: fromCents(timeline.finalBalance - base),
      absoluteGain: pct2(((timeline.finalBalance - base) / timeline.initialCapitalCents) * 100),
      maxDrawdown: pct2(this.maxBalanceDrawdown * 100),
      trades: closed,
      longTrades: longs,
      shortTrades: closed - longs,
      wonTradesPercent: closed ? pct2((wins / closed) * 100) : 0,
      lostTradesPercent: closed ? pct2((losses / closed) * 100) : 0,
      profitFactor: grossLoss === 0 ? (grossProfit > 0 ? null : 0) : Number((grossProfit / grossLoss).toFixed(2)),
      expectancy: closed ? fromCents(Math.round(net / closed)) : 0,
      averageWin: wins ? fromCents(Math.round(grossProfit / wins)) : 0,
      averageLoss: losses ? fromCents(-Math.round(grossLoss / losses)) : 0,
      bestTrade: closed ? fromCents(this.bestTrade) : 0,
      worstTrade: closed ? fromCents(this.worstTrade) : 0,
      averageTradeLengthInMilliseconds: closed ? Math.round(this.held / closed) : 0,
      lots: Number(this.lots.toFixed(2)),
      commissions: fromCents(commissions),
      interest: fromCents(swaps),
      deposits: fromCents(deposits),
      withdrawals: fromCents(withdrawals),
      bestDay: best,
      worstDay: worst,
      dailyGrowth: days,
    };
  }
}

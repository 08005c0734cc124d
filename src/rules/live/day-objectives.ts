/**
 * The objectives judged on whole days, from the live figures' days (kept up to date deal by deal):
 * min_trading_days (days with a position opened), best_day and min_profitable_days (closed P/L of
 * each day). The results come from the batch families' own functions of those days.
 */
import { type BestDayRule, bestDayOf } from '../families/best-day.ts';
import type { FamilyResult } from '../families/family.ts';
import type { MinProfitableDaysRule } from '../families/min-profitable-days.ts';
import { minProfitableDaysOf } from '../families/min-profitable-days.ts';
import type { MinTradingDaysRule } from '../families/min-trading-days.ts';
import type { LiveFamily } from './family.ts';
import type { LiveFigures } from './figures.ts';

/** One of the three, over the live figures (a class, so live.ts can copy it with the figures). */
export class LiveDayObjective implements LiveFamily {
  constructor(
    private readonly rule: MinTradingDaysRule | BestDayRule | MinProfitableDaysRule,
    private readonly figures: LiveFigures,
    private readonly ic: number,
  ) {
    // Asked once now, so the figures keep this zone's days from here on.
    figures.dayFigures(rule.reset_tz, rule.reset_time);
  }

  point(): void {}
  limit(): null {
    return null;
  }
  hardBreach(): boolean {
    return false;
  }
  result(): FamilyResult {
    const { rule, figures } = this;
    const days = figures.dayFigures(rule.reset_tz, rule.reset_time);
    if (rule.type === 'best_day') return bestDayOf(rule, days.pnl, this.ic);
    if (rule.type === 'min_profitable_days') return minProfitableDaysOf(rule, days.pnl, this.ic);
    const count = days.days.size;
    return {
      violations: [],
      objectives: [{ rule: 'min_trading_days', target: rule.days, current: count, met: count >= rule.days }],
      metrics: { trading_days: count },
    };
  }
}

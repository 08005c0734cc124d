/**
 * The objectives judged on whole days, from the live figures' days (kept up to date deal by deal):
 * min_trading_days (days with a position opened), best_day and min_profitable_days (closed P/L of
 * each day). The results come from the batch families' own functions of those days.
 */
import { type BestDayRule, bestDayOf } from '../families/best-day.ts';
import type { MinProfitableDaysRule } from '../families/min-profitable-days.ts';
import { minProfitableDaysOf } from '../families/min-profitable-days.ts';
import type { MinTradingDaysRule } from '../families/min-trading-days.ts';
import type { LiveFamily } from './family.ts';
import type { LiveFigures } from './figures.ts';

const objective = (result: LiveFamily['result']): LiveFamily => ({
  point() {},
  limit: () => null,
  hardBreach: () => false,
  result,
});

export function liveMinTradingDays(rule: MinTradingDaysRule, figures: LiveFigures): LiveFamily {
  // Asked once now, so the figures keep this zone's days from here on.
  figures.dayFigures(rule.reset_tz, rule.reset_time);
  return objective(() => {
    const count = figures.tradingDays(rule.reset_tz, rule.reset_time);
    return {
      violations: [],
      objectives: [{ rule: 'min_trading_days', target: rule.days, current: count, met: count >= rule.days }],
      metrics: { trading_days: count },
    };
  });
}

export function liveBestDay(rule: BestDayRule, figures: LiveFigures, ic: number): LiveFamily {
  const days = figures.dayFigures(rule.reset_tz, rule.reset_time);
  return objective(() => bestDayOf(rule, days.pnl, ic));
}

export function liveMinProfitableDays(rule: MinProfitableDaysRule, figures: LiveFigures, ic: number): LiveFamily {
  const days = figures.dayFigures(rule.reset_tz, rule.reset_time);
  return objective(() => minProfitableDaysOf(rule, days.pnl, ic));
}

/** min_trading_days from the live figures' days with an opening deal (families/min-trading-days.ts). */
import type { MinTradingDaysRule } from '../families/min-trading-days.ts';
import type { LiveFamily } from './family.ts';
import type { LiveFigures } from './figures.ts';

export function liveMinTradingDays(rule: MinTradingDaysRule, figures: LiveFigures): LiveFamily {
  // Asked once now, so the figures keep this zone's days from here on.
  figures.tradingDays(rule.reset_tz, rule.reset_time);
  return {
    point() {},
    limit: () => null,
    hardBreach: () => false,
    result() {
      const count = figures.tradingDays(rule.reset_tz, rule.reset_time);
      return {
        violations: [],
        objectives: [{ rule: 'min_trading_days', target: rule.days, current: count, met: count >= rule.days }],
        metrics: { trading_days: count },
      };
    },
  };
}

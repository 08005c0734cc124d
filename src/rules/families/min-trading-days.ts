/**
 * Minimum trading days, FTMO's open-day variant: distinct days in the firm's zone on which at
 * least one position was opened; a trade held over several days counts once (reference/rules.md §3.4).
 */
import { z } from 'zod';
import { tradingDays } from '../day-figures.ts';
import { resetTime, resetTz } from '../spec-fields.ts';
import type { FamilyContext, FamilyResult, RuleFamily } from './family.ts';

const minTradingDaysSchema = z
  .object({
    type: z.literal('min_trading_days'),
    days: z.number().int('must be a whole number').min(0).max(365),
    reset_tz: resetTz,
    reset_time: resetTime,
  })
  .strict();
export type MinTradingDaysRule = z.infer<typeof minTradingDaysSchema>;

function evaluateMinTradingDays(rule: MinTradingDaysRule, { timeline }: FamilyContext): FamilyResult {
  const count = tradingDays(timeline, rule.reset_tz, rule.reset_time).length;
  return {
    violations: [],
    objectives: [{ rule: 'min_trading_days', target: rule.days, current: count, met: count >= rule.days }],
    metrics: { trading_days: count },
  };
}

export const minTradingDaysFamily: RuleFamily<MinTradingDaysRule> = {
  type: 'min_trading_days',
  schema: minTradingDaysSchema as z.ZodType<MinTradingDaysRule>,
  evaluate: evaluateMinTradingDays,
};

/**
 * Minimum trading days, FTMO's open-day variant: distinct days in the firm's zone on which at
 * least one position was opened; a trade held over several days counts once (reference/rules.md §3.4).
 */
import { z } from 'zod';
import { dayClock } from '../days.ts';
import { resetTime, resetTz } from '../spec-fields.ts';
import { DEAL_OPENS, type Timeline } from '../timeline.ts';
import type { FamilyContext, FamilyResult, RuleFamily } from './family.ts';

export const minTradingDaysSchema = z
  .object({
    type: z.literal('min_trading_days'),
    days: z.number().int('must be a whole number').min(0).max(365),
    reset_tz: resetTz,
    reset_time: resetTime,
  })
  .strict();
export type MinTradingDaysRule = z.infer<typeof minTradingDaysSchema>;

export function tradingDays(tl: Timeline, tz: string, resetTimeText = '00:00'): string[] {
  const clock = dayClock(tz, resetTimeText);
  const days = new Set<string>();
  const D = tl.dl;
  let dayEnd = -Infinity;
  for (let i = 0; i < D.length; i++) {
    // Deals are in time order: a day is added once, when an opening deal first passes its start.
    if (D.flags[i]! & DEAL_OPENS && D.ms[i]! >= dayEnd) {
      const span = clock.spanOf(D.ms[i]!);
      days.add(span.day);
      dayEnd = span.end;
    }
  }
  return [...days].sort();
}

export function evaluateMinTradingDays(rule: MinTradingDaysRule, { tl }: FamilyContext): FamilyResult {
  const count = tradingDays(tl, rule.reset_tz, rule.reset_time).length;
  return { violations: [], objectives: [{ rule: 'min_trading_days', target: rule.days, current: count, met: count >= rule.days }], metrics: { trading_days: count } };
}

export const minTradingDaysFamily: RuleFamily<MinTradingDaysRule> = { type: 'min_trading_days', schema: minTradingDaysSchema as z.ZodType<MinTradingDaysRule>, evaluate: evaluateMinTradingDays };

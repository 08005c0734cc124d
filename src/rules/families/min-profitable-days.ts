/**
 * Minimum profitable days (reference/rules.md §3.4, The5ers, T18): days of the reset zone whose
 * closed P/L (trade P/L, commissions, swaps, fees; never balance operations) is at least
 * `min_profit_pct` of the initial capital. At IC 100,000 and 0.5 %: +500.00 counts, +499.99 does
 * not. An objective (pending until met), never a violation.
 */
import { z } from 'zod';
import { type DayPnl, dailyClosedPnl } from '../day-figures.ts';
import { fromCents } from '../money.ts';
import { resetTime, resetTz } from '../spec-fields.ts';
import type { FamilyContext, FamilyResult, RuleFamily } from './family.ts';

const minProfitableDaysSchema = z
  .object({
    type: z.literal('min_profitable_days'),
    days: z.number().int('must be a whole number').min(0).max(365),
    /** A day counts when its closed P/L ≥ this percent of IC. */
    min_profit_pct: z.number().finite().min(0).max(100, 'must be at most 100').default(0.5),
    reset_tz: resetTz,
    reset_time: resetTime,
  })
  .strict();
export type MinProfitableDaysRule = z.infer<typeof minProfitableDaysSchema>;

function evaluateMinProfitableDays(rule: MinProfitableDaysRule, { timeline }: FamilyContext): FamilyResult {
  return minProfitableDaysOf(
    rule,
    dailyClosedPnl(timeline, rule.reset_tz, rule.reset_time),
    timeline.initialCapitalCents,
  );
}

/** The result from the closed P/L of each day (in the rule's reset zone) and the initial capital in cents. */
export function minProfitableDaysOf(
  rule: MinProfitableDaysRule,
  days: readonly DayPnl[],
  initialCapitalCents: number,
): FamilyResult {
  const threshold = Math.round((initialCapitalCents * rule.min_profit_pct) / 100);
  // With a 0 % threshold a day must still make money (≥ 1 cent), not merely break even.
  const counts = (cents: number) => cents >= Math.max(threshold, 1);
  const profitable = days.filter((d) => counts(d.cents));
  const met = profitable.length >= rule.days;
  return {
    violations: [],
    objectives: [{ rule: 'min_profitable_days', target: rule.days, current: profitable.length, met }],
    metrics: {
      profitable_days: profitable.length,
      profitable_day_threshold: fromCents(threshold),
      profitable_day_dates: profitable.map((d) => d.day),
    },
  };
}

export const minProfitableDaysFamily: RuleFamily<MinProfitableDaysRule> = {
  type: 'min_profitable_days',
  schema: minProfitableDaysSchema as z.ZodType<MinProfitableDaysRule>,
  evaluate: evaluateMinProfitableDays,
};

/**
 * Best day / consistency (reference/rules.md §3.5, T5, T6): the best trading day's closed P/L as a
 * share of a denominator must not exceed `cap_pct`:
 *   net_profit     closed P/L of all days, losing days included (E8, Topstep)
 *   positive_days  sum of the profitable days only (the dataset's FTMO 1-Step encoding)
 *   profit_target  profit_target_pct · IC
 * A day's P/L is every non-adjustment deal booked that day in the reset zone (trade P/L,
 * commissions, swaps, fees; deposits and withdrawals never count). Failing the cap keeps the
 * challenge pending (an objective), it never disqualifies: no violation is ever reported.
 * The cap is `cap_pct` plus `tolerance_pct` (percentage points); a best day of exactly the cap is
 * allowed under `comparator` `gt` ("at most 50 %"), not under `gte` ("less than 50 %").
 */
import { z } from 'zod';
import { type DayPnl, dailyClosedPnl } from '../day-figures.ts';
import { fromCents, pct2 } from '../money.ts';
import { ceilingComparator, exceeds, pct, resetTime, resetTz } from '../spec-fields.ts';
import type { FamilyContext, FamilyResult, RuleFamily } from './family.ts';

const bestDaySchema = z
  .object({
    type: z.literal('best_day'),
    cap_pct: pct,
    denominator: z.enum(['net_profit', 'positive_days', 'profit_target']).default('net_profit'),
    /** Required with denominator `profit_target`: the target as a percent of IC. */
    profit_target_pct: z.number().finite().gt(0, 'must be greater than 0').max(1000, 'must be at most 1000').optional(),
    comparator: ceilingComparator,
    /** Percentage points added to the cap, in the trader's favour. */
    tolerance_pct: z.number().finite().min(0).max(100).default(0),
    reset_tz: resetTz,
    reset_time: resetTime,
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.denominator === 'profit_target' && r.profit_target_pct === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['profit_target_pct'],
        message: 'is required when denominator is profit_target',
      });
  });
export type BestDayRule = z.infer<typeof bestDaySchema>;

function evaluateBestDay(rule: BestDayRule, { timeline }: FamilyContext): FamilyResult {
  return bestDayOf(rule, dailyClosedPnl(timeline, rule.reset_tz, rule.reset_time), timeline.initialCapitalCents);
}

/** The result from the closed P/L of each day (in the rule's reset zone) and the initial capital in cents. */
export function bestDayOf(rule: BestDayRule, days: readonly DayPnl[], initialCapitalCents: number): FamilyResult {
  const best = days.reduce<DayPnl | null>((b, d) => (!b || d.cents > b.cents ? d : b), null);
  const bestCents = Math.max(0, best?.cents ?? 0);
  const denominator =
    rule.denominator === 'net_profit'
      ? days.reduce((s, d) => s + d.cents, 0)
      : rule.denominator === 'positive_days'
        ? days.reduce((s, d) => s + Math.max(0, d.cents), 0)
        : Math.round((initialCapitalCents * rule.profit_target_pct!) / 100);
  // No profitable day: nothing can be concentrated. A profitable day with a net result ≤ 0 is
  // more than the whole profit (the ratio is undefined, reported as at least 100 %).
  const cap = Math.round((rule.cap_pct + rule.tolerance_pct) * 1e6) / 1e6;
  const met = bestCents === 0 || (denominator > 0 && !exceeds(bestCents * 100, cap * denominator, rule.comparator));
  const ratio = bestCents === 0 ? 0 : denominator > 0 ? (bestCents / denominator) * 100 : null;
  // The smallest denominator (net profit or positive-days sum) under which the best day fits the cap.
  // Under `gte` the best day must stay strictly below the cap: one cent more than an exact fit.
  const fit = (bestCents * 100) / cap;
  const required = rule.comparator === 'gt' ? Math.ceil(fit) : Math.floor(fit) + 1;
  return {
    violations: [],
    objectives: [{ rule: 'best_day', target: rule.cap_pct, current: ratio === null ? 100 : pct2(ratio), met }],
    metrics: {
      best_day_profit: fromCents(bestCents),
      best_day_date: bestCents > 0 ? best!.day : null,
      best_day_ratio_percent: ratio === null ? null : pct2(ratio),
      best_day_cap_percent: rule.cap_pct,
      best_day_comparator: rule.comparator,
      best_day_tolerance_percent: rule.tolerance_pct,
      best_day_denominator: rule.denominator,
      best_day_denominator_amount: fromCents(denominator),
      best_day_required_denominator: rule.denominator === 'profit_target' ? null : fromCents(required),
      best_day_met: met,
    },
  };
}

export const bestDayFamily: RuleFamily<BestDayRule> = {
  type: 'best_day',
  schema: bestDaySchema as z.ZodType<BestDayRule>,
  evaluate: evaluateBestDay,
};

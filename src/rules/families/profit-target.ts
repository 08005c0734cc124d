/**
 * Profit target on closed balance with every position closed (FTMO, E8): balance − IC ≥ pct·IC
 * and flat. Never a violation: an objective that stays pending (reference/rules.md §3.3, T17).
 */
import { z } from 'zod';
import { fromCents, pct2 } from '../money.ts';
import type { FamilyContext, FamilyResult, RuleFamily } from './family.ts';

const profitTargetSchema = z
  .object({
    type: z.literal('profit_target'),
    pct: z.number().finite().gt(0, 'must be greater than 0').max(1000, 'must be at most 1000'),
    /** FTMO: the target counts only once every position is closed. */
    require_flat: z.boolean().default(true),
  })
  .strict();
export type ProfitTargetRule = z.infer<typeof profitTargetSchema>;

function evaluateProfitTarget(rule: ProfitTargetRule, { timeline }: FamilyContext): FamilyResult {
  const profit = timeline.finalBalance - (timeline.initialCapitalCents + timeline.finalAdjustments);
  const target = Math.round((timeline.initialCapitalCents * rule.pct) / 100);
  const flat = timeline.openPositions === 0;
  const met = profit >= target && (flat || !rule.require_flat);
  return {
    violations: [],
    objectives: [
      { rule: 'profit_target', target: rule.pct, current: pct2((profit / timeline.initialCapitalCents) * 100), met },
    ],
    metrics: {
      profit_target_percent: rule.pct,
      profit_target_met: met,
      profit_target_amount: fromCents(target),
      positions_open: !flat,
    },
  };
}

export const profitTargetFamily: RuleFamily<ProfitTargetRule> = {
  type: 'profit_target',
  schema: profitTargetSchema as z.ZodType<ProfitTargetRule>,
  evaluate: evaluateProfitTarget,
};

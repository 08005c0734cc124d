/**
 * Maximum trades per day (reference/rules.md §2.8, E8: 2,000 positions per day): positions opened
 * on one trading day of the reset zone (a netting reversal opens a new one) must not exceed
 * `count` plus `tolerance` (exactly the limit is allowed under `comparator` `gt`, a breach under
 * `gte`). One violation per day over the limit, timed at the opening that exceeded it.
 */
import { z } from 'zod';
import { dayClock } from '../days.ts';
import { EVIDENCE_IDS_MAX, evidence } from '../evidence.ts';
import { ceilingComparator, exceeds, resetTime, resetTz, severity } from '../spec-fields.ts';
import type { Timeline, Trade } from '../timeline.ts';
import type { Violation } from '../types.ts';
import type { FamilyContext, FamilyResult, RuleFamily } from './family.ts';

const maxDailyTradesSchema = z
  .object({
    type: z.literal('max_daily_trades'),
    count: z.number().int('must be a whole number').min(1).max(10_000_000),
    comparator: ceilingComparator,
    /** Trades added to the limit, in the trader's favour. */
    tolerance: z.number().int('must be a whole number').min(0).max(10_000_000).default(0),
    reset_tz: resetTz,
    reset_time: resetTime,
    severity,
  })
  .strict();
export type MaxDailyTradesRule = z.infer<typeof maxDailyTradesSchema>;

function evaluateMaxDailyTrades(rule: MaxDailyTradesRule, { timeline }: FamilyContext): FamilyResult {
  const clock = dayClock(rule.reset_tz, rule.reset_time);
  const days: Array<{ day: string; trades: Trade[] }> = [];
  const byDay = new Map<string, Trade[]>();
  // Trades are listed in opening order.
  for (const t of timeline.trades) {
    const day = clock.dayOf(t.openMs);
    let list = byDay.get(day);
    if (!list) {
      list = [];
      byDay.set(day, list);
      days.push({ day, trades: list });
    }
    list.push(t);
  }
  const violations: Violation[] = [];
  let busiest = 0;
  for (const { day, trades } of days) {
    busiest = Math.max(busiest, trades.length);
    if (exceeds(trades.length, rule.count + rule.tolerance, rule.comparator))
      violations.push(dailyTradesViolation(rule, timeline, day, trades));
  }
  return dailyTradesResult(rule, violations, busiest);
}

/** A position opened: what the rule counts and names. */
export type Opening = Pick<Trade, 'position_id' | 'symbol' | 'openMs'>;

/** A day with more positions opened than allowed, as a violation. */
export function dailyTradesViolation(
  rule: MaxDailyTradesRule,
  timeline: Pick<Timeline, 'positionDeals'>,
  day: string,
  trades: readonly Opening[],
): Violation {
  const limit = rule.count + rule.tolerance;
  // The opening that breached: the one past the limit, or the one reaching it under `gte`.
  const allowed = rule.comparator === 'gt' ? limit : limit - 1;
  const excess = trades.slice(allowed);
  const first = excess[0]!;
  return {
    rule: 'max_daily_trades',
    description: `${trades.length} positions opened on ${day} (max: ${rule.count})`,
    severity: rule.severity,
    timestamp: new Date(first.openMs).toISOString(),
    day,
    ticket: first.position_id,
    symbol: first.symbol,
    trades: trades.length,
    max_trades: rule.count,
    comparator: rule.comparator,
    tolerance: rule.tolerance,
    // The first ones over the limit (the evidence's `positions` keeps the latest); `trades` says how many.
    excess_positions: excess.slice(0, EVIDENCE_IDS_MAX).map((t) => t.position_id),
    reset_tz: rule.reset_tz,
    ...evidence({
      firstMs: first.openMs,
      worstValue: trades.length,
      worstMs: trades[trades.length - 1]!.openMs,
      limit,
      unit: 'trades',
      positions: excess.map((t) => t.position_id),
      // The opening deals of the positions over the limit.
      deals: excess.flatMap((t) => timeline.positionDeals(t.position_id, t.openMs, t.openMs).slice(0, 1)),
    }),
  };
}

export const dailyTradesResult = (
  rule: MaxDailyTradesRule,
  violations: Violation[],
  busiest: number,
): FamilyResult => ({
  violations,
  objectives: [],
  metrics: { max_daily_trades: busiest, max_daily_trades_limit: rule.count },
});

export const maxDailyTradesFamily: RuleFamily<MaxDailyTradesRule> = {
  type: 'max_daily_trades',
  schema: maxDailyTradesSchema as z.ZodType<MaxDailyTradesRule>,
  evaluate: evaluateMaxDailyTrades,
};

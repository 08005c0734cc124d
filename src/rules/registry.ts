/**
 * Every rule family, by type. Adding a family = a file in families/ exporting `{ type, schema,
 * evaluate }` plus one entry in FAMILIES; the list-form rule schema follows from it.
 */
import { z } from 'zod';
import { bestDayFamily } from './families/best-day.ts';
import { crossAccountHedgingFamily } from './families/cross-account-hedging.ts';
import { dailyLossFamily } from './families/daily-loss.ts';
import type { FamilyContext, FamilyResult, RuleFamily } from './families/family.ts';
import { inactivityFamily } from './families/inactivity.ts';
import { maxDailyTradesFamily } from './families/max-daily-trades.ts';
import { maxLossFamily } from './families/max-loss.ts';
import { maxLotsPerOrderFamily } from './families/max-lots-per-order.ts';
import { maxOpenPositionsFamily } from './families/max-open-positions.ts';
import { maxRiskPerTradeFamily } from './families/max-risk-per-trade.ts';
import { minProfitableDaysFamily } from './families/min-profitable-days.ts';
import { minTradeDurationFamily } from './families/min-trade-duration.ts';
import { minTradingDaysFamily } from './families/min-trading-days.ts';
import { newsWindowFamily } from './families/news-window.ts';
import { profitTargetFamily } from './families/profit-target.ts';
import { stopLossRequiredFamily } from './families/stop-loss-required.ts';
import { weekendFlatFamily } from './families/weekend-flat.ts';

const FAMILIES = [
  maxLossFamily,
  dailyLossFamily,
  profitTargetFamily,
  minTradingDaysFamily,
  minTradeDurationFamily,
  bestDayFamily,
  minProfitableDaysFamily,
  newsWindowFamily,
  weekendFlatFamily,
  maxLotsPerOrderFamily,
  maxOpenPositionsFamily,
  maxDailyTradesFamily,
  stopLossRequiredFamily,
  maxRiskPerTradeFamily,
  inactivityFamily,
  crossAccountHedgingFamily,
  // biome-ignore lint/suspicious/noExplicitAny: each family has its own spec type; RuleSpec is their union, derived from this list
] as const satisfies readonly RuleFamily<any>[];

const byType = new Map<string, RuleFamily<{ type: string }>>(
  FAMILIES.map((f) => [f.type, f as unknown as RuleFamily<{ type: string }>]),
);

export const RULE_TYPES = FAMILIES.map((f) => f.type);

/** One rule of the list form: `{ "type": "max_loss", "pct": 10, … }`. */
export const ruleSpecSchema = z.discriminatedUnion(
  'type',
  FAMILIES.map((f) => f.schema) as unknown as [
    z.ZodObject<{ type: z.ZodLiteral<string> }>,
    ...z.ZodObject<{ type: z.ZodLiteral<string> }>[],
  ],
);

export type RuleSpec = (typeof FAMILIES)[number] extends RuleFamily<infer S> ? S : never;

export function evaluateFamily(rule: RuleSpec, ctx: FamilyContext): FamilyResult {
  const family = byType.get(rule.type);
  if (!family) throw new RangeError(`unknown rule type ${rule.type}`);
  return family.evaluate(rule, ctx);
}

/** Parses one rule, filling every default (throws a ZodError naming the field). */
export function parseRule(input: unknown): RuleSpec {
  return ruleSpecSchema.parse(input) as RuleSpec;
}

/**
 * Minimum trade duration per position (reference/rules.md §2.8, T15): first entry to last exit,
 * millisecond precision; partial closes count to the last exit, OUT_BY is an exit; open positions
 * are not judged.
 *
 * A position is short when its hold time is below `seconds` (`comparator: lt`, the seed's rule:
 * 240 s exactly is allowed) or at or below it (`lte`: FundedNext's "≤ 10 s"), less `tolerance_seconds`
 * in the trader's favour. Aggregations:
 *   any              every short position is a violation (the seed's rule)
 *   share_of_trades  short positions / closed positions > threshold_pct       (E8)
 *   share_of_volume  short lots / all lots > threshold_pct                      (Fintokei)
 *   share_of_profit  profit of short winners / profit of all winners > threshold_pct (FundedNext; losers excluded)
 *   average          average hold time is short                                 (EquityEdge)
 *   vwht             volume-weighted hold time is short                         (Funding Traders)
 * Shares compare with `threshold_comparator` (`gt`, or `gte` for "≥ 40 %"). An aggregate is judged
 * on the whole period; its violation is dated at the close from which it has been in breach
 * without interruption, and names when it first was and its worst value.
 */
import { z } from 'zod';
import { evidence } from '../evidence.ts';
import { formatDuration, fromCents } from '../money.ts';
import { ceilingComparator, comparator, exceeds, severity } from '../spec-fields.ts';
import type { Timeline, Trade } from '../timeline.ts';
import type { Violation } from '../types.ts';
import type { FamilyContext, FamilyResult, RuleFamily } from './family.ts';

const minTradeDurationSchema = z
  .object({
    type: z.literal('min_trade_duration'),
    seconds: z.number().finite().gt(0, 'must be greater than 0').max(86_400),
    aggregation: z
      .enum(['any', 'share_of_trades', 'share_of_volume', 'share_of_profit', 'average', 'vwht'])
      .default('any'),
    threshold_pct: z.number().finite().min(0).max(100).default(50),
    threshold_comparator: ceilingComparator,
    applies_to: z.enum(['all', 'profitable_only']).default('all'),
    comparator,
    tolerance_seconds: z.number().finite().min(0).max(3_600).default(0),
    severity,
  })
  .strict()
  .refine((r) => r.tolerance_seconds < r.seconds, {
    message: 'must be less than seconds',
    path: ['tolerance_seconds'],
  });
export type MinTradeDurationRule = z.infer<typeof minTradeDurationSchema>;

type Aggregation = Exclude<MinTradeDurationRule['aggregation'], 'any'>;

const held = (t: Trade) => t.closeMs! - t.openMs;
/** Float noise off a share or an average before it meets its threshold (0.1 + 0.2 lots). */
const settle = (x: number) => Math.round(x * 1e6) / 1e6;

function tradeEvidence(t: Trade) {
  return {
    ticket: t.position_id,
    symbol: t.symbol,
    side: t.side,
    open_time: new Date(t.openMs).toISOString(),
    close_time: new Date(t.closeMs!).toISOString(),
    duration_seconds: held(t) / 1000,
    profit: fromCents(t.cents),
  };
}

/** Running state of an aggregate over positions in close order. */
class Running {
  n = 0;
  shortN = 0;
  lots = 0;
  shortLots = 0;
  won = 0;
  shortWon = 0;
  heldSum = 0;
  heldLots = 0;

  add(t: Trade, short: boolean): void {
    const h = held(t);
    this.n++;
    this.lots += t.volume;
    this.heldSum += h;
    this.heldLots += h * t.volume;
    if (t.cents > 0) this.won += t.cents;
    if (short) {
      this.shortN++;
      this.shortLots += t.volume;
      if (t.cents > 0) this.shortWon += t.cents;
    }
  }

  /** Share in percent, or hold time in ms; null while undefined (no winners, no lots). */
  value(a: Aggregation): number | null {
    switch (a) {
      case 'share_of_trades':
        return this.n ? settle((this.shortN / this.n) * 100) : null;
      case 'share_of_volume':
        return this.lots > 0 ? settle((this.shortLots / this.lots) * 100) : null;
      case 'share_of_profit':
        return this.won > 0 ? settle((this.shortWon / this.won) * 100) : null;
      case 'average':
        return this.n ? settle(this.heldSum / this.n) : null;
      case 'vwht':
        return this.lots > 0 ? settle(this.heldLots / this.lots) : null;
    }
  }
}

/** Whether a hold of `ms` is short under the rule. */
export function shortHold(rule: MinTradeDurationRule): (ms: number) => boolean {
  const minMs = Math.round((rule.seconds - rule.tolerance_seconds) * 1000);
  return rule.comparator === 'lt' ? (ms: number) => ms < minMs : (ms: number) => ms <= minMs;
}

/** Whether a closed position is judged at all (every one, or winners only). */
export const judged = (rule: MinTradeDurationRule, t: Trade) => rule.applies_to === 'all' || t.cents > 0;

/** An aggregate's state over the positions judged so far, in close order (then position id). */
export interface DurationRun {
  run: Running;
  /** The close from which the aggregate first was in breach, and from which it is without interruption. */
  firstMs: number | null;
  sinceMs: number | null;
  worst: { value: number; ms: number } | null;
}

export const newDurationRun = (): DurationRun => ({ run: new Running(), firstMs: null, sinceMs: null, worst: null });

/** Adds one closed, judged position to an aggregate's run (the live evaluator does it close by close). */
export function durationStep(rule: MinTradeDurationRule, st: DurationRun, t: Trade, short: boolean): void {
  const agg = rule.aggregation as Aggregation;
  const isShare = agg !== 'average' && agg !== 'vwht';
  st.run.add(t, short);
  const v = st.run.value(agg);
  const breaches = isShare ? exceeds(v ?? 0, rule.threshold_pct, rule.threshold_comparator) : shortHold(rule)(v ?? 0);
  if (v === null || !breaches) {
    st.sinceMs = null;
    return;
  }
  st.firstMs ??= t.closeMs!;
  st.sinceMs ??= t.closeMs!;
  const worse = isShare ? v > (st.worst?.value ?? -Infinity) : v < (st.worst?.value ?? Infinity);
  if (!st.worst || worse) st.worst = { value: v, ms: t.closeMs! };
}

function evaluateMinTradeDuration(rule: MinTradeDurationRule, { timeline }: FamilyContext): FamilyResult {
  const isShort = shortHold(rule);
  const closed = timeline.trades.filter((t) => t.closeMs !== null && judged(rule, t));
  const short = closed.filter((t) => isShort(held(t)));
  if (rule.aggregation === 'any') return minTradeDurationResult(rule, timeline, short, null);
  const byClose = [...closed].sort((a, b) => a.closeMs! - b.closeMs! || a.position_id - b.position_id);
  const st = newDurationRun();
  for (const t of byClose) durationStep(rule, st, t, isShort(held(t)));
  return minTradeDurationResult(rule, timeline, short, st);
}

/** The family's result from the short positions (in opening order) and the aggregate's run. */
export function minTradeDurationResult(
  rule: MinTradeDurationRule,
  timeline: Timeline,
  short: Trade[],
  st: DurationRun | null,
): FamilyResult {
  const minMs = Math.round((rule.seconds - rule.tolerance_seconds) * 1000);
  const metrics = { trades_under_4min: short.length, min_trade_duration_seconds: rule.seconds };
  const limit = `${rule.comparator === 'lt' ? 'minimum' : 'must exceed'}: ${formatDuration(rule.seconds * 1000)}`;
  const limitSeconds = minMs / 1000;
  const base = {
    rule: 'minimum_trade_duration',
    severity: rule.severity,
    min_seconds: rule.seconds,
    aggregation: rule.aggregation,
  };

  if (rule.aggregation === 'any' || !st) {
    const violations: Violation[] = short.map((t) => ({
      ...base,
      description: `Position held for ${formatDuration(held(t))} (${limit})`,
      ...tradeEvidence(t),
      timestamp: new Date(t.closeMs!).toISOString(),
      ...evidence({
        firstMs: t.closeMs!,
        worstValue: held(t) / 1000,
        worstMs: t.closeMs!,
        limit: limitSeconds,
        unit: 'seconds',
        positions: [t.position_id],
        deals: timeline.positionDeals(t.position_id, t.openMs, t.closeMs!),
      }),
    }));
    return { violations, objectives: [], metrics };
  }

  const agg = rule.aggregation;
  const isShare = agg !== 'average' && agg !== 'vwht';
  const { firstMs, sinceMs, worst } = st;
  const final = st.run.value(agg);
  if (final === null || sinceMs === null || !worst) return { violations: [], objectives: [], metrics };
  const heldUnder = `${rule.comparator === 'lt' ? 'under' : 'at most'} ${formatDuration(rule.seconds * 1000)}`;
  const shown = (v: number) => (isShare ? `${v.toFixed(2)}%` : formatDuration(v));
  const cap = `${rule.threshold_comparator === 'gt' ? 'max' : 'must stay below'}: ${rule.threshold_pct}%`;
  const what: Record<Aggregation, string> = {
    share_of_trades: `${shown(final)} of trades were held ${heldUnder} (${cap})`,
    share_of_volume: `${shown(final)} of traded volume was held ${heldUnder} (${cap})`,
    share_of_profit: `${shown(final)} of profit came from trades held ${heldUnder} (${cap})`,
    average: `Average hold time ${shown(final)} (${limit})`,
    vwht: `Volume-weighted hold time ${shown(final)} (${limit})`,
  };
  const asFigure = (v: number) => Number((isShare ? v : v / 1000).toFixed(3));
  const violation: Violation = {
    ...base,
    description: what[agg],
    value: asFigure(final),
    ...(isShare ? { threshold_pct: rule.threshold_pct } : {}),
    timestamp: new Date(sinceMs).toISOString(),
    ...evidence({
      firstMs: firstMs!,
      worstValue: asFigure(worst.value),
      worstMs: worst.ms,
      limit: isShare ? rule.threshold_pct : limitSeconds,
      unit: isShare ? 'percent' : 'seconds',
      positions: short.map((t) => t.position_id),
      deals: short.flatMap((t) => timeline.positionDeals(t.position_id, t.openMs, t.closeMs!)),
    }),
  };
  return { violations: [violation], objectives: [], metrics };
}

export const minTradeDurationFamily: RuleFamily<MinTradeDurationRule> = {
  type: 'min_trade_duration',
  schema: minTradeDurationSchema as unknown as z.ZodType<MinTradeDurationRule>,
  evaluate: evaluateMinTradeDuration,
};

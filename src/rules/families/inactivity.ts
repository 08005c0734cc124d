/**
 * Inactivity (reference/rules.md §2.8: 30 days at The5ers, FTUK, BrightFunded; 60 at FundedNext):
 * no trading activity for more than `days` × 24 h is a violation. Activity = any buy/sell deal
 * (an opening, scaling, partial or full close); with `open_position_counts_as_active` (BrightFunded)
 * the whole time a position is open is active too. Balance operations are not activity. The clock
 * starts at the first deal of the history (the funding deposit or the first trade) and runs to the
 * evaluation instant. The allowance is `days` plus `tolerance_seconds`; a gap of exactly the
 * allowance is allowed under `comparator` `gt`, a breach under `gte`. One violation per gap, timed
 * when the allowance ran out.
 */
import { z } from 'zod';
import { evidence } from '../evidence.ts';
import { ceilingComparator, exceeds, severity } from '../spec-fields.ts';
import type { Timeline } from '../timeline.ts';
import type { Violation } from '../types.ts';
import type { FamilyContext, FamilyResult, RuleFamily } from './family.ts';

const inactivitySchema = z
  .object({
    type: z.literal('inactivity'),
    days: z.number().int('must be a whole number').min(1).max(3650),
    open_position_counts_as_active: z.boolean().default(true),
    comparator: ceilingComparator,
    /** Seconds added to the allowance, in the trader's favour. */
    tolerance_seconds: z
      .number()
      .finite()
      .min(0)
      .max(86_400 * 30)
      .default(0),
    severity,
  })
  .strict();
export type InactivityRule = z.infer<typeof inactivitySchema>;

const DAY_MS = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** The allowance in ms: `days` plus `tolerance_seconds`. */
export const inactivityLimit = (rule: InactivityRule) => rule.days * DAY_MS + Math.round(rule.tolerance_seconds * 1000);

/** A gap without activity from `from` to `to` (null: until now, `atMs`) as a violation, if it is one. */
export function inactivityGap(
  rule: InactivityRule,
  timeline: Timeline,
  from: number,
  to: number | null,
  atMs: number,
): Violation | null {
  const limit = inactivityLimit(rule);
  const length = (to ?? atMs) - from;
  if (!exceeds(length, limit, rule.comparator)) return null;
  return {
    rule: 'inactivity',
    description: `No trading activity for ${(length / DAY_MS).toFixed(2)} days from ${iso(from)}${to === null ? ' until now' : ` to ${iso(to)}`} (max: ${rule.days} days)`,
    severity: rule.severity,
    timestamp: iso(from + limit),
    last_activity: iso(from),
    next_activity: to === null ? null : iso(to),
    inactive_days: Number((length / DAY_MS).toFixed(3)),
    max_days: rule.days,
    comparator: rule.comparator,
    tolerance_seconds: rule.tolerance_seconds,
    ...evidence({
      firstMs: from + limit,
      worstValue: Number((length / DAY_MS).toFixed(3)),
      worstMs: to ?? atMs,
      limit: Number((limit / DAY_MS).toFixed(6)),
      unit: 'days',
      positions: [],
      // The trade deals on either side of the gap (none before it when it starts at the funding deposit).
      deals: [
        ...timeline.dealsBehind(from, from, [], 100).tickets,
        ...(to === null ? [] : timeline.dealsBehind(to, to, [], 100).tickets),
      ],
    }),
  };
}

/** The result from the gaps (closed ones and the one until now, in time order) and the longest. */
export function inactivityResult(rule: InactivityRule, violations: Violation[], longest: number): FamilyResult {
  return {
    violations,
    objectives: [],
    metrics: { longest_inactivity_days: Number((longest / DAY_MS).toFixed(3)), inactivity_limit_days: rule.days },
  };
}

function evaluateInactivity(rule: InactivityRule, { timeline, atMs }: FamilyContext): FamilyResult {
  if (timeline.deals.length === 0) return { violations: [], objectives: [], metrics: { longest_inactivity_days: 0 } };
  const spans: Array<[number, number]> = [];
  for (const td of timeline.deals) if (td.isTrade) spans.push([td.ms, td.ms]);
  if (rule.open_position_counts_as_active)
    for (const t of timeline.trades) spans.push([t.openMs, t.closeMs ?? Math.max(atMs, t.openMs)]);
  spans.sort((a, b) => a[0] - b[0]);

  const violations: Violation[] = [];
  let longest = 0;
  let cursor = timeline.deals[0]!.ms;
  const gap = (from: number, to: number | null) => {
    longest = Math.max(longest, (to ?? atMs) - from);
    const v = inactivityGap(rule, timeline, from, to, atMs);
    if (v) violations.push(v);
  };
  for (const [start, end] of spans) {
    if (start > cursor) gap(cursor, start);
    cursor = Math.max(cursor, end);
  }
  if (atMs > cursor) gap(cursor, null);
  return inactivityResult(rule, violations, longest);
}

export const inactivityFamily: RuleFamily<InactivityRule> = {
  type: 'inactivity',
  schema: inactivitySchema as z.ZodType<InactivityRule>,
  evaluate: evaluateInactivity,
};

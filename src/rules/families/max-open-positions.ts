/**
 * Maximum simultaneous open positions (reference/rules.md §3.6). Positions open and close in deal
 * order (time, then ticket), so a close sharing a millisecond with an open frees its slot only
 * when the broker booked it first. Every opening that takes the count above `count` is one
 * violation naming the new position and the ones already open; exactly `count` (plus `tolerance`)
 * is allowed under `comparator` `gt`, and a breach under `gte`.
 */
import { z } from 'zod';
import { evidence } from '../evidence.ts';
import { ceilingComparator, exceeds, severity } from '../spec-fields.ts';
import type { Timeline } from '../timeline.ts';
import type { Violation } from '../types.ts';
import type { FamilyContext, FamilyResult, RuleFamily } from './family.ts';

const maxOpenPositionsSchema = z
  .object({
    type: z.literal('max_open_positions'),
    count: z.number().int('must be a whole number').min(1).max(1_000_000),
    comparator: ceilingComparator,
    /** Positions added to the limit, in the trader's favour. */
    tolerance: z.number().int('must be a whole number').min(0).max(1_000_000).default(0),
    severity,
  })
  .strict();
export type MaxOpenPositionsRule = z.infer<typeof maxOpenPositionsSchema>;

interface PositionEvent {
  ms: number;
  ticket: number;
  position_id: number;
  symbol: string;
  side: string;
  kind: 'open' | 'close';
}

/** Openings and closings of positions in deal order (a netting reversal closes, then opens). */
function positionEvents(timeline: Timeline): PositionEvent[] {
  const open = new Map<number, number>();
  const out: PositionEvent[] = [];
  for (const td of timeline.deals) {
    if (!td.isTrade) continue;
    const d = td.deal;
    const before = open.get(d.position_id) ?? 0;
    const v = Math.round(d.volume * 1e8);
    const base = { ms: td.ms, ticket: d.ticket, position_id: d.position_id, symbol: d.symbol, side: d.type };
    if (d.entry === 'in') {
      if (before === 0 && v > 0) out.push({ ...base, kind: 'open' });
      open.set(d.position_id, before + v);
    } else if (d.entry === 'out' || d.entry === 'out_by') {
      const after = Math.max(0, before - v);
      if (before > 0 && after === 0) out.push({ ...base, kind: 'close' });
      open.set(d.position_id, after);
    } else {
      const rest = Math.max(0, v - before);
      if (before > 0) out.push({ ...base, kind: 'close' });
      if (rest > 0) out.push({ ...base, kind: 'open' });
      open.set(d.position_id, rest);
    }
  }
  return out;
}

function evaluateMaxOpenPositions(rule: MaxOpenPositionsRule, { timeline }: FamilyContext): FamilyResult {
  const open = new Map<number, PositionEvent>();
  const violations: Violation[] = [];
  let peak = 0;
  const limit = rule.count + rule.tolerance;
  for (const e of positionEvents(timeline)) {
    if (e.kind === 'close') {
      open.delete(e.position_id);
      continue;
    }
    open.set(e.position_id, e);
    peak = Math.max(peak, open.size);
    if (exceeds(open.size, limit, rule.comparator)) {
      violations.push({
        rule: 'max_open_positions',
        description: `Position ${e.position_id} (${e.symbol}) made ${open.size} positions open at once (max: ${rule.count})`,
        severity: rule.severity,
        timestamp: new Date(e.ms).toISOString(),
        ticket: e.ticket,
        position_id: e.position_id,
        symbol: e.symbol,
        side: e.side,
        open_positions: open.size,
        max_positions: rule.count,
        comparator: rule.comparator,
        tolerance: rule.tolerance,
        ...evidence({
          firstMs: e.ms,
          worstValue: open.size,
          worstMs: e.ms,
          limit,
          unit: 'positions',
          positions: [...open.keys()],
          deals: [e.ticket],
        }),
      });
    }
  }
  return { violations, objectives: [], metrics: { max_open_positions: peak, max_open_positions_limit: rule.count } };
}

export const maxOpenPositionsFamily: RuleFamily<MaxOpenPositionsRule> = {
  type: 'max_open_positions',
  schema: maxOpenPositionsSchema as z.ZodType<MaxOpenPositionsRule>,
  evaluate: evaluateMaxOpenPositions,
};

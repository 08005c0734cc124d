/**
 * Cross-account ("opposite account", "group") hedging (reference/rules.md §2.8: FTMO, E8,
 * FundingPips, HyroTrader): a position in this account and an opposite-direction position on the
 * same symbol (case-insensitive) in another of the trader's accounts (ctx.others) open at the same
 * time. Hedging inside one account is not this rule. Positions still open count as open up to the
 * evaluation instant. A pair is a violation when the two were open together for more than zero
 * and at least `min_overlap_seconds`; it is timed when the overlap reached that length and names
 * both tickets.
 */
import { z } from 'zod';
import { evidence } from '../evidence.ts';
import { severity } from '../spec-fields.ts';
import type { Trade } from '../timeline.ts';
import type { Violation } from '../types.ts';
import type { FamilyContext, FamilyResult, RuleFamily } from './family.ts';

const crossAccountHedgingSchema = z
  .object({
    type: z.literal('cross_account_hedging'),
    min_overlap_seconds: z
      .number()
      .finite()
      .min(0)
      .max(30 * 86_400)
      .default(0),
    severity,
  })
  .strict();
export type CrossAccountHedgingRule = z.infer<typeof crossAccountHedgingSchema>;

interface Group {
  trades: Trade[];
  longest: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

function evaluateCrossAccountHedging(
  rule: CrossAccountHedgingRule,
  { timeline, others, atMs }: FamilyContext,
): FamilyResult {
  const endOf = (t: Trade) => t.closeMs ?? Math.max(atMs, t.openMs);
  const minMs = rule.min_overlap_seconds * 1000;
  const violations: Violation[] = [];
  others.forEach((other, index) => {
    // The other account's positions by symbol and side, in opening order.
    const groups = new Map<string, Group>();
    for (const t of other.trades) {
      const key = `${t.symbol.toUpperCase()}|${t.side}`;
      let g = groups.get(key);
      if (!g) {
        g = { trades: [], longest: 0 };
        groups.set(key, g);
      }
      g.trades.push(t);
      g.longest = Math.max(g.longest, endOf(t) - t.openMs);
    }
    for (const g of groups.values()) g.trades.sort((a, b) => a.openMs - b.openMs);
    const account = other.account?.login ?? null;
    for (const a of timeline.trades) {
      const g = groups.get(`${a.symbol.toUpperCase()}|${a.side === 'buy' ? 'sell' : 'buy'}`);
      if (!g) continue;
      const aEnd = endOf(a);
      // Candidates opened before a closes and not so early that even the longest hold ends before a opens.
      let lo = 0;
      let hi = g.trades.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (g.trades[mid]!.openMs < aEnd) lo = mid + 1;
        else hi = mid;
      }
      for (let i = lo - 1; i >= 0 && g.trades[i]!.openMs >= a.openMs - g.longest; i--) {
        const b = g.trades[i]!;
        const start = Math.max(a.openMs, b.openMs);
        const end = Math.min(aEnd, endOf(b));
        const overlap = end - start;
        if (overlap <= 0 || overlap < minMs) continue;
        violations.push({
          rule: 'cross_account_hedging',
          description: `Position ${a.position_id} (${a.side} ${a.symbol}) overlapped the opposite position ${b.position_id} (${b.side}) in account ${account ?? `#${index + 1}`} for ${(overlap / 1000).toFixed(3).replace(/\.?0+$/, '')} s`,
          severity: rule.severity,
          timestamp: iso(start + minMs),
          ticket: a.position_id,
          other_ticket: b.position_id,
          other_account: account,
          other_account_index: index,
          symbol: a.symbol,
          side: a.side,
          other_side: b.side,
          volume: a.volume,
          other_volume: b.volume,
          overlap_start: iso(start),
          overlap_end: iso(end),
          overlap_seconds: overlap / 1000,
          ...evidence({
            firstMs: start + minMs,
            worstValue: overlap / 1000,
            worstMs: end,
            limit: rule.min_overlap_seconds,
            unit: 'seconds',
            positions: [a.position_id],
            deals: timeline.positionDeals(a.position_id, a.openMs, aEnd),
          }),
        });
      }
    }
  });
  violations.sort(
    (x, y) =>
      String(x.timestamp).localeCompare(String(y.timestamp)) ||
      (x.ticket as number) - (y.ticket as number) ||
      (x.other_ticket as number) - (y.other_ticket as number),
  );
  return { violations, objectives: [], metrics: { cross_account_hedges: violations.length } };
}

export const crossAccountHedgingFamily: RuleFamily<CrossAccountHedgingRule> = {
  type: 'cross_account_hedging',
  schema: crossAccountHedgingSchema as z.ZodType<CrossAccountHedgingRule>,
  evaluate: evaluateCrossAccountHedging,
};

/**
 * Stop loss required (reference/rules.md §2.8: The5ers Bootcamp, Funded Traders Global, the
 * dataset's `mandatory_stop_loss_within_5_minutes`): every position must carry a stop loss within
 * `within_seconds` of its first entry. The stop loss is read from `Deal.sl` (MT5 DEAL_SL; 0 or
 * null = none) of the position's deals up to the deadline, so an SL added later and seen on a
 * scaling-in or exit deal inside the grace period counts.
 *   within_seconds = 0  the entry deal itself must carry the SL (every position without one breaches)
 *   within_seconds > 0  a position closed by the deadline never outlived the grace period and is
 *                       not judged; one still open before the deadline is pending
 * When no deal of the history carries an `sl` field at all, the source does not know stop losses:
 * nothing is reported and the metric `stop_loss_data` says 'unavailable'.
 */
import { z } from 'zod';
import type { Deal } from '../../mt5/history.ts';
import { evidence } from '../evidence.ts';
import { severity } from '../spec-fields.ts';
import type { TimedDeal, Timeline, Trade } from '../timeline.ts';
import type { Violation } from '../types.ts';
import type { FamilyContext, FamilyResult, RuleFamily } from './family.ts';

const stopLossRequiredSchema = z
  .object({
    type: z.literal('stop_loss_required'),
    within_seconds: z.number().finite().min(0).max(86_400).default(0),
    severity,
  })
  .strict();
export type StopLossRequiredRule = z.infer<typeof stopLossRequiredSchema>;

/** Whether a deal carries a stop loss (MT5 DEAL_SL; 0 or null = none). */
export const dealHasSl = (d: Deal) => d.sl !== undefined && d.sl !== null && d.sl !== 0;
const hasSl = (td: TimedDeal) => dealHasSl(td.deal);

/** The result when no deal says whether it had a stop loss. */
export const STOP_LOSS_UNAVAILABLE = (): FamilyResult => ({
  violations: [],
  objectives: [],
  metrics: { stop_loss_data: 'unavailable', positions_without_stop_loss: null },
});

/** Whether a position without a stop loss so far breaks the rule at `atMs` (pending in its grace period, or closed within it, not). */
export function bareAt(rule: StopLossRequiredRule, t: Pick<Trade, 'openMs' | 'closeMs'>, atMs: number): boolean {
  const graceMs = rule.within_seconds * 1000;
  const deadline = t.openMs + graceMs;
  const end = t.closeMs ?? Infinity;
  return !(graceMs > 0 && (end <= deadline || atMs < deadline));
}

/** A position that went without a stop loss past its grace period, as a violation. */
export function stopLossViolation(
  rule: StopLossRequiredRule,
  timeline: Timeline,
  t: Trade,
  entryTicket: number | undefined,
  atMs: number,
): Violation {
  const graceMs = rule.within_seconds * 1000;
  const deadline = t.openMs + graceMs;
  const end = t.closeMs ?? Infinity;
  const bare = Math.max(deadline, Math.min(end, atMs));
  return {
    rule: 'stop_loss_required',
    description:
      graceMs === 0
        ? `Position ${t.position_id} (${t.symbol}) was opened without a stop loss`
        : `Position ${t.position_id} (${t.symbol}) had no stop loss ${rule.within_seconds} s after opening`,
    severity: rule.severity,
    timestamp: new Date(deadline).toISOString(),
    ticket: entryTicket ?? t.position_id,
    position_id: t.position_id,
    symbol: t.symbol,
    side: t.side,
    volume: t.volume,
    open_time: new Date(t.openMs).toISOString(),
    open_price: t.openPrice,
    sl: null,
    within_seconds: rule.within_seconds,
    // The measure: how long the position went without a stop loss (to its close, or to now).
    ...evidence({
      firstMs: deadline,
      worstValue: (bare - t.openMs) / 1000,
      worstMs: bare,
      limit: rule.within_seconds,
      unit: 'seconds',
      positions: [t.position_id],
      deals: timeline.positionDeals(t.position_id, t.openMs, bare),
    }),
  };
}

/** The result from the violations. */
export const stopLossResult = (violations: Violation[]): FamilyResult => ({
  violations,
  objectives: [],
  metrics: { stop_loss_data: 'available', positions_without_stop_loss: violations.length },
});

function evaluateStopLossRequired(rule: StopLossRequiredRule, { timeline, atMs }: FamilyContext): FamilyResult {
  const tradeDeals = timeline.deals.filter((td) => td.isTrade);
  if (!tradeDeals.some((td) => td.deal.sl !== undefined)) return STOP_LOSS_UNAVAILABLE();
  const byPosition = new Map<number, TimedDeal[]>();
  for (const td of tradeDeals) {
    const list = byPosition.get(td.deal.position_id);
    if (list) list.push(td);
    else byPosition.set(td.deal.position_id, [td]);
  }
  const graceMs = rule.within_seconds * 1000;
  const violations: Violation[] = [];
  for (const t of timeline.trades) {
    const deadline = t.openMs + graceMs;
    const end = t.closeMs ?? Infinity;
    const deals = (byPosition.get(t.position_id) ?? []).filter(
      (td) => td.ms >= t.openMs && td.ms <= deadline && td.ms <= end,
    );
    if (deals.some(hasSl) || !bareAt(rule, t, atMs)) continue;
    violations.push(stopLossViolation(rule, timeline, t, deals[0]?.deal.ticket, atMs));
  }
  return stopLossResult(violations);
}

export const stopLossRequiredFamily: RuleFamily<StopLossRequiredRule> = {
  type: 'stop_loss_required',
  schema: stopLossRequiredSchema as z.ZodType<StopLossRequiredRule>,
  evaluate: evaluateStopLossRequired,
};

/**
 * Maximum loss (the seed's max_drawdown_percent), reference/rules.md §3.1:
 *   static                  floor = IC − buffer                                  (FTMO 2-Step)
 *   eod_balance_trail       floor = max(IC, best balance at a past reset) − buffer (FTMO 1-Step, Topstep)
 *   intraday_balance_trail  floor = max(IC, best closed balance so far) − buffer   (E8 One)
 *   intraday_equity_trail   floor = max(IC, best equity so far) − buffer          (Apex intraday)
 * buffer = pct·IC (fixed) or pct·peak (scaling); lock_at_initial caps the floor at IC. A trailing
 * floor never falls. Deposits and withdrawals shift every reference, so they are never drawdown.
 */
import { z } from 'zod';
import { dayClock } from '../days.ts';
import { DEAL_ADJUSTMENT } from '../decode.ts';
import { EVIDENCE_IDS_MAX, evidence } from '../evidence.ts';
import { formatPct, fromCents, pct2, toCents } from '../money.ts';
import { comparator, pct, resetTime, resetTz, severity, tolerance } from '../spec-fields.ts';
import { EQUITY_M1_BOUND, type Timeline } from '../timeline.ts';
import type { Violation } from '../types.ts';
import type { FamilyContext, FamilyResult, LimitState, RuleFamily } from './family.ts';

const maxLossSchema = z
  .object({
    type: z.literal('max_loss'),
    pct,
    basis: z.enum(['static', 'eod_balance_trail', 'intraday_balance_trail', 'intraday_equity_trail']).default('static'),
    amount_mode: z.enum(['pct_of_initial', 'pct_of_peak']).default('pct_of_initial'),
    lock_at_initial: z.boolean().default(false),
    measured_on: z.enum(['equity', 'balance']).default('equity'),
    comparator,
    tolerance,
    severity,
    /** Day boundary of the end-of-day trail. */
    reset_tz: resetTz,
    reset_time: resetTime,
  })
  .strict();
export type MaxLossRule = z.infer<typeof maxLossSchema>;

export function evaluateMaxLoss(rule: MaxLossRule, { timeline }: FamilyContext): FamilyResult {
  const ic = timeline.initialCapitalCents;
  const bufferOf = (peak: number) => Math.round(((rule.amount_mode === 'pct_of_peak' ? peak : ic) * rule.pct) / 100);
  const tol = toCents(rule.tolerance);
  const clock = rule.basis === 'eod_balance_trail' ? dayClock(rule.reset_tz, rule.reset_time) : null;

  // All references live in "trading" terms: value − deposits/withdrawals so far.
  let peak = ic;
  let floorTrading = ic - bufferOf(ic);
  let day: string | null = null;
  let di = 0;
  let dealBalance = timeline.startBalanceCents;
  let dealAdjustments = 0;
  let first: { ms: number; value: number; floor: number; peakMs: number } | null = null;
  // A breach seen only on the M1-bar bound is possible, not confirmed (rules.md §6.3).
  let possible: { ms: number; value: number; floor: number; peakMs: number } | null = null;
  // When the peak behind the floor was set (never, for a static floor): the drawdown's deals are booked since.
  let peakMs = -Infinity;
  // The lowest value while below the floor (the violation's worst), among confirmed and among M1-bound points.
  // Not the deepest drawdown: under a trailing floor that point may sit above the floor in force at the breach.
  let lowestConfirmed: { ms: number; value: number; floor: number } | null = null;
  let lowestPossible: { ms: number; value: number; floor: number } | null = null;

  const P = timeline.pointColumns;
  const D = timeline.dealColumns;
  // Columns and rule switches in locals: the loop runs once per equity point.
  const msOf = P.ms;
  const balanceOf = P.balance;
  const equityOf = P.equity;
  const adjustmentsOf = P.adjustments;
  const measuredOf = rule.measured_on === 'balance' ? balanceOf : equityOf;
  const balanceTrail = rule.basis === 'intraday_balance_trail';
  const equityTrail = rule.basis === 'intraday_equity_trail';
  const staticBasis = rule.basis === 'static';
  const lt = rule.comparator === 'lt';
  let dayEnd = -Infinity;
  let worstDrawdown = -Infinity;
  // The floor for the current peak (a rounding per point adds up at millions of points).
  let floorPeak = NaN;
  let peakFloor = 0;
  let last: LimitState | null = null;
  for (let i = 0; i < P.length; i++) {
    const ms = msOf[i]!;
    const adjusted = adjustmentsOf[i]!;
    if (clock) {
      // Points are in time order: a reset passed once an instant reaches the day's end.
      if (ms >= dayEnd) {
        const span = clock.spanOf(ms);
        // The closed balance at the reset can raise the peak.
        while (di < D.length && D.ms[di]! < span.start) {
          dealBalance += D.cents[di]!;
          if (D.flags[di]! & DEAL_ADJUSTMENT) dealAdjustments += D.cents[di]!;
          di++;
        }
        if (day !== null && dealBalance - dealAdjustments > peak) {
          peak = dealBalance - dealAdjustments;
          peakMs = span.start;
        }
        day = span.day;
        dayEnd = span.end;
      }
    } else if (balanceTrail) {
      if (balanceOf[i]! - adjusted > peak) {
        peak = balanceOf[i]! - adjusted;
        peakMs = ms;
      }
    } else if (equityTrail) {
      if (equityOf[i]! - adjusted > peak) {
        peak = equityOf[i]! - adjusted;
        peakMs = ms;
      }
    }
    if (peak !== floorPeak) {
      floorPeak = peak;
      peakFloor = (staticBasis ? ic : peak) - bufferOf(staticBasis ? ic : peak);
    }
    let floor = peakFloor;
    if (rule.lock_at_initial) floor = Math.min(floor, ic);
    if (floor < floorTrading) floor = floorTrading; // never falls
    floorTrading = floor;
    const value = measuredOf[i]! - adjusted;
    // Drawdown from the rule's own reference: the initial capital, or the trailing peak.
    const drawdown = (staticBasis ? ic : peak) - value;
    if (i === P.length - 1)
      last = {
        rule: 'maximum_drawdown',
        anchor: (staticBasis ? ic : peak) + adjusted,
        floor: floor + adjusted,
        value: value + adjusted,
        day: null,
      };
    if (drawdown > worstDrawdown) worstDrawdown = drawdown;
    if (lt ? value < floor - tol : value <= floor - tol) {
      const at = { ms, value: value + adjusted, floor: floor + adjusted, peakMs };
      if (P.equitySource[i] === EQUITY_M1_BOUND) {
        if (!first) possible ??= at;
        if (!lowestPossible || at.value < lowestPossible.value) lowestPossible = at;
      } else {
        first ??= at;
        if (!lowestConfirmed || at.value < lowestConfirmed.value) lowestConfirmed = at;
      }
    }
  }

  const maxDrawdownPct = worstDrawdown > 0 ? pct2((worstDrawdown / ic) * 100) : 0;
  const metrics = {
    max_drawdown_percent: maxDrawdownPct,
    max_drawdown_limit: rule.pct,
    max_loss_floor: fromCents(floorTrading + timeline.finalAdjustments),
    max_loss_basis: rule.basis,
  };
  const breach = first ?? possible;
  const lowest = first ? lowestConfirmed : lowestPossible;
  const limit = last ? { limit: last } : {};
  if (!breach || !lowest) return { violations: [], objectives: [], metrics, ...limit };
  const open = timeline.openAt(breach.ms);
  const behind = timeline.dealsBehind(breach.peakMs, breach.ms, open, EVIDENCE_IDS_MAX);
  return {
    violations: [maxLossViolation(rule, timeline, breach, lowest, first !== null, maxDrawdownPct, open, behind)],
    objectives: [],
    metrics,
    ...limit,
  };
}

/** A maximum-loss breach as a check reports it: the first point below the floor and the lowest while below. */
export function maxLossViolation(
  rule: MaxLossRule,
  timeline: Timeline,
  breach: { ms: number; value: number; floor: number },
  lowest: { ms: number; value: number; floor: number },
  confirmed: boolean,
  maxDrawdownPct: number,
  open: ReturnType<Timeline['openAt']>,
  behind: { tickets: number[]; total: number },
): Violation {
  const tol = toCents(rule.tolerance);
  return {
    rule: 'maximum_drawdown',
    description: `Drawdown reached ${formatPct(maxDrawdownPct)} (max: ${formatPct(rule.pct)})`,
    severity: rule.severity,
    certainty: confirmed ? 'confirmed' : 'possible',
    timestamp: new Date(breach.ms).toISOString(),
    equity: fromCents(breach.value),
    floor: fromCents(breach.floor),
    drawdown_percent: maxDrawdownPct,
    max_allowed_percent: rule.pct,
    basis: rule.basis,
    worst_equity: fromCents(lowest.value),
    floor_at_worst: fromCents(lowest.floor),
    equity_source: confirmed ? (timeline.equityObserved ? 'observed' : 'balance_only') : 'm1_bound',
    open_positions_at_breach: open,
    ...evidence({
      firstMs: breach.ms,
      worstValue: fromCents(lowest.value),
      worstMs: lowest.ms,
      limit: fromCents(breach.floor - tol),
      unit: 'money',
      positions: open.map((p) => p.position_id),
      // The deals booked since the floor's peak was set, and those of the positions still open.
      deals: behind.tickets,
      dealsTotal: behind.total,
    }),
  };
}

export const maxLossFamily: RuleFamily<MaxLossRule> = {
  type: 'max_loss',
  schema: maxLossSchema as z.ZodType<MaxLossRule>,
  evaluate: evaluateMaxLoss,
};

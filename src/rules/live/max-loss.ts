/**
 * max_loss kept up to date point by point: the trailing peak of its basis, the floor that never
 * falls, the day reset of the end-of-day trail, the first breach (confirmed or possible) and the
 * lowest value below the floor, and the deepest drawdown. The same arithmetic as
 * families/max-loss.ts, one point at a time; the violation's evidence is read from the timeline
 * when the result is asked for (a window around the breach, not the history).
 */
import { dayClock } from '../days.ts';
import { DEAL_ADJUSTMENT } from '../decode.ts';
import { EVIDENCE_IDS_MAX } from '../evidence.ts';
import type { FamilyResult, LimitState } from '../families/family.ts';
import { type MaxLossRule, maxLossViolation } from '../families/max-loss.ts';
import { fromCents, pct2, toCents } from '../money.ts';
import { EQUITY_M1_BOUND, type Timeline } from '../timeline.ts';
import type { LiveColumns } from './columns.ts';
import type { LiveFamily } from './family.ts';

interface At {
  ms: number;
  value: number;
  floor: number;
  peakMs: number;
}

export function liveMaxLoss(rule: MaxLossRule, cols: LiveColumns, ic: number): LiveFamily {
  const bufferOf = (peak: number) => Math.round(((rule.amount_mode === 'pct_of_peak' ? peak : ic) * rule.pct) / 100);
  const tol = toCents(rule.tolerance);
  const clock = rule.basis === 'eod_balance_trail' ? dayClock(rule.reset_tz, rule.reset_time) : null;
  const staticBasis = rule.basis === 'static';
  const balanceTrail = rule.basis === 'intraday_balance_trail';
  const equityTrail = rule.basis === 'intraday_equity_trail';
  const lt = rule.comparator === 'lt';
  let peak = ic;
  let floorTrading = ic - bufferOf(ic);
  let day: string | null = null;
  let di = 0;
  let dealBalance = cols.startBalanceCents;
  let dealAdjustments = 0;
  let first: At | null = null;
  let possible: At | null = null;
  let peakMs = -Infinity;
  let lowestConfirmed: At | null = null;
  let lowestPossible: At | null = null;
  let dayEnd = -Infinity;
  let worstDrawdown = -Infinity;
  let floorPeak = NaN;
  let peakFloor = 0;
  let last: LimitState | null = null;
  let cached: { at: At; open: ReturnType<Timeline['openAt']>; behind: { tickets: number[]; total: number } } | null =
    null;

  return {
    point(i) {
      const P = cols.points;
      const D = cols.deals;
      const ms = P.ms[i]!;
      const adjusted = P.adjustments[i]!;
      if (clock) {
        if (ms >= dayEnd) {
          const span = clock.spanOf(ms);
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
        if (P.balance[i]! - adjusted > peak) {
          peak = P.balance[i]! - adjusted;
          peakMs = ms;
        }
      } else if (equityTrail) {
        if (P.equity[i]! - adjusted > peak) {
          peak = P.equity[i]! - adjusted;
          peakMs = ms;
        }
      }
      if (peak !== floorPeak) {
        floorPeak = peak;
        peakFloor = (staticBasis ? ic : peak) - bufferOf(staticBasis ? ic : peak);
      }
      let floor = peakFloor;
      if (rule.lock_at_initial) floor = Math.min(floor, ic);
      if (floor < floorTrading) floor = floorTrading;
      floorTrading = floor;
      const value = (rule.measured_on === 'balance' ? P.balance[i]! : P.equity[i]!) - adjusted;
      const drawdown = (staticBasis ? ic : peak) - value;
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
    },
    limit: () => last,
    hardBreach: () => first !== null && rule.severity === 'hard',
    result(timeline: Timeline): FamilyResult {
      const maxDrawdownPct = worstDrawdown > 0 ? pct2((worstDrawdown / ic) * 100) : 0;
      const metrics = {
        max_drawdown_percent: maxDrawdownPct,
        max_drawdown_limit: rule.pct,
        max_loss_floor: fromCents(floorTrading + timeline.finalAdjustments),
        max_loss_basis: rule.basis,
      };
      const limit = last ? { limit: last } : {};
      const breach = first ?? possible;
      const lowest = first ? lowestConfirmed : lowestPossible;
      if (!breach || !lowest) return { violations: [], objectives: [], metrics, ...limit };
      // The positions open at the breach and the deals behind it are final once a later deal is booked.
      if (!cached || cached.at !== breach) {
        const open = timeline.openAt(breach.ms);
        cached = { at: breach, open, behind: timeline.dealsBehind(breach.peakMs, breach.ms, open, EVIDENCE_IDS_MAX) };
      }
      const { behind } = cached;
      const open = cached.open.map((p) => ({ ...p }));
      if (cols.lastDealMs <= breach.ms) cached = null;
      return {
        violations: [maxLossViolation(rule, timeline, breach, lowest, first !== null, maxDrawdownPct, open, behind)],
        objectives: [],
        metrics,
        ...limit,
      };
    },
  };
}

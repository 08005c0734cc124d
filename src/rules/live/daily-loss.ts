/**
 * daily_loss kept up to date point by point: the current trading day's anchors (day-start balance
 * and equity in the rule's reset zone, the intraday equity peak), its first breach and worst loss,
 * and every breached day. The same arithmetic as families/daily-loss.ts, one point at a time; a
 * violation's evidence is read from the timeline when the result is asked for.
 */
import { dayClock } from '../days.ts';
import { DEAL_ADJUSTMENT } from '../decode.ts';
import { EVIDENCE_IDS_MAX } from '../evidence.ts';
import { type DailyLossRule, dailyLossViolation } from '../families/daily-loss.ts';
import type { FamilyResult, LimitState } from '../families/family.ts';
import { pct2, toCents } from '../money.ts';
import { EQUITY_M1_BOUND, type Timeline } from '../timeline.ts';
import type { Violation } from '../types.ts';
import type { LiveColumns } from './columns.ts';
import type { LiveFamily } from './family.ts';

interface DayState {
  day: string;
  startMs: number;
  dayStartBalance: number;
  dayStartEquity: number;
  breach: Breach | null;
  possible: Breach | null;
  worst: { ms: number; equity: number; loss: number; floor: number; amount: number };
  /** The breach's evidence, once it can no longer change. */
  evidence?: {
    at: Breach;
    open: ReturnType<Timeline['openAt']>;
    behind: { tickets: number[]; total: number };
  } | null;
}

type Breach = { ms: number; equity: number; floor: number };

export function liveDailyLoss(rule: DailyLossRule, cols: LiveColumns, ic: number): LiveFamily {
  const clock = dayClock(rule.reset_tz, rule.reset_time);
  const tol = toCents(rule.tolerance);
  const lt = rule.comparator === 'lt';
  const peakAnchor = rule.anchor === 'intraday_equity_peak';
  const pctOfAnchor = rule.amount === 'pct_of_anchor';
  const fixedAmount = Math.round((ic * rule.pct) / 100);
  /** Days with a breach (confirmed or possible), in day order; the current day is `current`. */
  const flagged: DayState[] = [];
  let current: DayState | null = null;
  let worstDay = 0;
  let di = 0;
  let balance = cols.startBalanceCents;
  let adjustments = 0;
  let lastEquity = cols.startBalanceCents;
  let lastEquityAdj = 0;
  let dayEnd = -Infinity;
  let adjAtStart = 0;
  let baseAnchor = 0;
  let peak = 0;
  let confirmed = false;
  let hard = false;
  let last: LimitState | null = null;

  const close = (d: DayState) => {
    if (d.worst.loss > worstDay) worstDay = d.worst.loss;
  };

  return {
    point(i) {
      const P = cols.points;
      const D = cols.deals;
      const ms = P.ms[i]!;
      const equity = P.equity[i]!;
      const pointAdjustments = P.adjustments[i]!;
      if (ms >= dayEnd) {
        if (current) close(current);
        const span = clock.spanOf(ms);
        while (di < D.length && D.ms[di]! < span.start) {
          balance += D.cents[di]!;
          if (D.flags[di]! & DEAL_ADJUSTMENT) adjustments += D.cents[di]!;
          di++;
        }
        const dse = lastEquity + (adjustments - lastEquityAdj);
        current = {
          day: span.day,
          startMs: span.start,
          dayStartBalance: balance,
          dayStartEquity: dse,
          breach: null,
          possible: null,
          worst: { ms, equity, loss: -Infinity, floor: 0, amount: 0 },
        };
        dayEnd = span.end;
        adjAtStart = adjustments;
        peak = Math.max(balance, dse);
        baseAnchor =
          rule.anchor === 'day_start_balance'
            ? balance
            : rule.anchor === 'day_start_equity'
              ? dse
              : rule.anchor === 'max_day_start_balance_equity'
                ? Math.max(balance, dse)
                : ic + adjustments;
        confirmed = false;
      }
      const day = current!;
      const shift = pointAdjustments - adjAtStart;
      if (equity - shift > peak) peak = equity - shift;
      const anchor = (peakAnchor ? peak : baseAnchor) + shift;
      const amount = pctOfAnchor ? Math.round(((anchor - shift) * rule.pct) / 100) : fixedAmount;
      const floor = anchor - amount;
      const loss = anchor - equity;
      last = { rule: 'maximum_daily_loss', anchor, floor, value: equity, day: day.day };
      if (loss > day.worst.loss) day.worst = { ms, equity, loss, floor, amount };
      if (!confirmed && (lt ? equity < floor - tol : equity <= floor - tol)) {
        const wasFlagged = day.breach !== null || day.possible !== null;
        if (P.equitySource[i] === EQUITY_M1_BOUND) day.possible ??= { ms, equity, floor };
        else {
          day.breach = { ms, equity, floor };
          confirmed = true;
          if (rule.severity === 'hard') hard = true;
        }
        if (!wasFlagged) flagged.push(day);
      }
      lastEquity = equity;
      lastEquityAdj = pointAdjustments;
    },
    limit: () => last,
    hardBreach: () => hard,
    result(timeline: Timeline): FamilyResult {
      const violations = flagged.map((d): Violation => {
        const at = (d.breach ?? d.possible)!;
        const certainty = d.breach ? 'confirmed' : 'possible';
        // The positions open at the breach and the deals behind it are final once a later deal is booked.
        if (!d.evidence || d.evidence.at !== at) {
          const open = timeline.openAt(at.ms);
          d.evidence = { at, open, behind: timeline.dealsBehind(d.startMs, at.ms, open, EVIDENCE_IDS_MAX) };
        }
        const { behind } = d.evidence;
        const open = d.evidence.open.map((p) => ({ ...p }));
        if (cols.lastDealMs <= at.ms) d.evidence = null;
        return dailyLossViolation(rule, timeline, d, at, certainty, open, behind);
      });
      const worst = Math.max(worstDay, current ? current.worst.loss : 0);
      return {
        violations,
        objectives: [],
        metrics: {
          max_daily_loss_percent: pct2((Math.max(0, worst) / ic) * 100),
          max_daily_loss_limit: rule.pct,
        },
        ...(last ? { limit: last } : {}),
      };
    },
  };
}

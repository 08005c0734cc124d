/**
 * Daily loss (reference/rules.md §3.2, T1, T12, T13): on each trading day of the reset zone,
 * equity must stay above floor = anchor − amount, where
 *   anchor ∈ day_start_balance (FTMO, FundedNext, Alpha) | day_start_equity |
 *            max_day_start_balance_equity (The5ers, FundingPips, Aquafunded) | initial |
 *            intraday_equity_peak (HyroTrader: the day's best equity so far)
 *   amount = pct·IC (pct_of_initial) or pct·anchor (pct_of_anchor).
 * Day-start balance is the closed balance at the reset; floating losses carried across the reset
 * count against the new day. Deposits during the day move the anchor with them.
 */
import { z } from 'zod';
import { dayClock } from '../days.ts';
import { DEAL_ADJUSTMENT } from '../decode.ts';
import { EVIDENCE_IDS_MAX, evidence } from '../evidence.ts';
import { formatMoney, fromCents, pct2, toCents } from '../money.ts';
import { comparator, pct, resetTime, resetTz, severity, tolerance } from '../spec-fields.ts';
import { EQUITY_M1_BOUND, type Timeline } from '../timeline.ts';
import type { Violation } from '../types.ts';
import type { FamilyContext, FamilyResult, LimitState, RuleFamily } from './family.ts';

const dailyLossSchema = z
  .object({
    type: z.literal('daily_loss'),
    pct,
    anchor: z
      .enum([
        'day_start_balance',
        'day_start_equity',
        'max_day_start_balance_equity',
        'initial',
        'intraday_equity_peak',
      ])
      .default('day_start_balance'),
    amount: z.enum(['pct_of_initial', 'pct_of_anchor']).default('pct_of_initial'),
    reset_tz: resetTz,
    reset_time: resetTime,
    comparator,
    tolerance,
    severity,
  })
  .strict();
export type DailyLossRule = z.infer<typeof dailyLossSchema>;

interface DayState {
  day: string;
  /** The day's reset instant. */
  startMs: number;
  dayStartBalance: number;
  dayStartEquity: number;
  adjustmentsAtStart: number;
  breach: { ms: number; equity: number; floor: number } | null;
  /** First breach seen only on the M1-bar bound. */
  possible: { ms: number; equity: number; floor: number } | null;
  worst: { ms: number; equity: number; loss: number; floor: number; amount: number };
}

function evaluateDailyLoss(rule: DailyLossRule, { timeline }: FamilyContext): FamilyResult {
  const clock = dayClock(rule.reset_tz, rule.reset_time);
  const tol = toCents(rule.tolerance);
  const lt = rule.comparator === 'lt';
  const peakAnchor = rule.anchor === 'intraday_equity_peak';
  const pctOfAnchor = rule.amount === 'pct_of_anchor';
  const fixedAmount = Math.round((timeline.initialCapitalCents * rule.pct) / 100);
  const days: DayState[] = [];
  let current: DayState | null = null;
  let di = 0;
  let balance = timeline.startBalanceCents;
  let adjustments = 0;
  // Equity at the reset: the last observation before it, or the balance when nothing was open.
  let lastEquity = timeline.startBalanceCents;
  let lastEquityAdj = 0;
  // The current day's state in locals (the loop runs once per equity point).
  let dayEnd = -Infinity;
  let adjAtStart = 0;
  let baseAnchor = 0;
  let peak = 0;
  let worstLoss = -Infinity;
  let worstMs = 0;
  let worstEquity = 0;
  let worstFloor = 0;
  let worstAmount = 0;
  let confirmed = false;
  let last: LimitState | null = null;

  const P = timeline.pointColumns;
  const D = timeline.dealColumns;
  const msOf = P.ms;
  const equityOf = P.equity;
  const adjustmentsOf = P.adjustments;
  const sourceOf = P.equitySource;
  for (let i = 0; i < P.length; i++) {
    const ms = msOf[i]!;
    const equity = equityOf[i]!;
    const pointAdjustments = adjustmentsOf[i]!;
    // Points are in time order: a new day starts only once an instant passes the day's end.
    if (ms >= dayEnd) {
      // (Written out, not a closure: one over the worst-* locals would keep them out of registers.)
      if (current)
        current.worst = { ms: worstMs, equity: worstEquity, loss: worstLoss, floor: worstFloor, amount: worstAmount };
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
        adjustmentsAtStart: adjustments,
        breach: null,
        possible: null,
        worst: { ms, equity, loss: -Infinity, floor: 0, amount: 0 },
      };
      days.push(current);
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
              : timeline.initialCapitalCents + adjustments; // initial (intraday_equity_peak uses the running peak)
      worstLoss = -Infinity;
      confirmed = false;
    }
    // Deposits during the day move every reference with them.
    const shift = pointAdjustments - adjAtStart;
    if (equity - shift > peak) peak = equity - shift;
    const anchor = (peakAnchor ? peak : baseAnchor) + shift;
    const amount = pctOfAnchor ? Math.round(((anchor - shift) * rule.pct) / 100) : fixedAmount;
    const floor = anchor - amount;
    const loss = anchor - equity;
    if (i === P.length - 1) last = { rule: 'maximum_daily_loss', anchor, floor, value: equity, day: current!.day };
    if (loss > worstLoss) {
      worstLoss = loss;
      worstMs = ms;
      worstEquity = equity;
      worstFloor = floor;
      worstAmount = amount;
    }
    if (!confirmed && (lt ? equity < floor - tol : equity <= floor - tol)) {
      if (sourceOf[i] === EQUITY_M1_BOUND) current!.possible ??= { ms, equity, floor };
      else {
        current!.breach = { ms, equity, floor };
        confirmed = true;
      }
    }
    lastEquity = equity;
    lastEquityAdj = pointAdjustments;
  }
  if (current)
    current.worst = { ms: worstMs, equity: worstEquity, loss: worstLoss, floor: worstFloor, amount: worstAmount };

  const violations: Violation[] = days
    .filter((d) => d.breach ?? d.possible)
    .map((d) => ({ d, at: (d.breach ?? d.possible)!, certainty: d.breach ? 'confirmed' : 'possible' }))
    .map(({ d, at, certainty }): Violation => {
      const open = timeline.openAt(at.ms);
      const behind = timeline.dealsBehind(d.startMs, at.ms, open, EVIDENCE_IDS_MAX);
      return dailyLossViolation(rule, timeline, d, at, certainty, open, behind);
    });
  const worstDay = days.reduce((w, d) => Math.max(w, d.worst.loss), 0);
  return {
    violations,
    objectives: [],
    metrics: {
      max_daily_loss_percent: pct2((Math.max(0, worstDay) / timeline.initialCapitalCents) * 100),
      max_daily_loss_limit: rule.pct,
    },
    ...(last ? { limit: last } : {}),
  };
}

/** A day's loss breach as a check reports it: the first point below the day's floor and the day's worst. */
export function dailyLossViolation(
  rule: DailyLossRule,
  timeline: Timeline,
  d: Pick<DayState, 'day' | 'dayStartBalance' | 'dayStartEquity' | 'worst'>,
  at: { ms: number; equity: number; floor: number },
  certainty: string,
  open: ReturnType<Timeline['openAt']>,
  behind: { tickets: number[]; total: number },
): Violation {
  return {
    rule: 'maximum_daily_loss',
    description: `Daily loss reached ${formatMoney(d.worst.loss)} (max: ${formatMoney(d.worst.amount)}) on ${d.day}`,
    severity: rule.severity,
    certainty,
    timestamp: new Date(at.ms).toISOString(),
    day: d.day,
    anchor: rule.anchor,
    day_start_balance: fromCents(d.dayStartBalance),
    day_start_equity: fromCents(d.dayStartEquity),
    floor: fromCents(at.floor),
    equity: fromCents(at.equity),
    loss: fromCents(d.worst.loss),
    loss_percent: pct2((d.worst.loss / timeline.initialCapitalCents) * 100),
    max_allowed_percent: rule.pct,
    worst_equity: fromCents(d.worst.equity),
    reset_tz: rule.reset_tz,
    equity_source: certainty === 'possible' ? 'm1_bound' : timeline.equityObserved ? 'observed' : 'balance_only',
    max_loss_amount: fromCents(d.worst.amount),
    open_positions_at_breach: open,
    ...evidence({
      firstMs: at.ms,
      worstValue: fromCents(d.worst.equity),
      worstMs: d.worst.ms,
      limit: fromCents(at.floor - toCents(rule.tolerance)),
      unit: 'money',
      positions: open.map((p) => p.position_id),
      // The day's deals up to the breach, and those of the positions still open (floating losses carry over the reset).
      deals: behind.tickets,
      dealsTotal: behind.total,
    }),
  };
}

export const dailyLossFamily: RuleFamily<DailyLossRule> = {
  type: 'daily_loss',
  schema: dailyLossSchema as z.ZodType<DailyLossRule>,
  evaluate: evaluateDailyLoss,
};

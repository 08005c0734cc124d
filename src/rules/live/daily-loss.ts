/**
 * daily_loss kept up to date point by point: the current trading day's anchors (day-start balance
 * and equity in the rule's reset zone, the intraday equity peak), its first breach and worst loss,
 * and every breached day. The same arithmetic as families/daily-loss.ts, one point at a time; a
 * violation's evidence is read from the timeline when the result is asked for.
 */
import { type DayClock, dayClock } from '../days.ts';
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

/** daily_loss's state is plain data in one class, so live.ts can copy it as a checkpoint (live/clone.ts). */
export class LiveDailyLoss implements LiveFamily {
  private readonly clock: DayClock;
  private readonly tol: number;
  private readonly lt: boolean;
  private readonly peakAnchor: boolean;
  private readonly pctOfAnchor: boolean;
  private readonly fixedAmount: number;
  /** Days with a breach (confirmed or possible), in day order; the current day is `current`. */
  private readonly flagged: DayState[] = [];
  private current: DayState | null = null;
  private worstDay = 0;
  private di = 0;
  private balance: number;
  private adjustments = 0;
  private lastEquity: number;
  private lastEquityAdj = 0;
  private dayEnd = -Infinity;
  private adjAtStart = 0;
  private baseAnchor = 0;
  private peak = 0;
  private confirmed = false;
  private hard = false;
  private last: LimitState | null = null;

  constructor(
    private readonly rule: DailyLossRule,
    private readonly cols: LiveColumns,
    private readonly ic: number,
  ) {
    this.clock = dayClock(rule.reset_tz, rule.reset_time);
    this.tol = toCents(rule.tolerance);
    this.lt = rule.comparator === 'lt';
    this.peakAnchor = rule.anchor === 'intraday_equity_peak';
    this.pctOfAnchor = rule.amount === 'pct_of_anchor';
    this.fixedAmount = Math.round((ic * rule.pct) / 100);
    this.balance = cols.startBalanceCents;
    this.lastEquity = cols.startBalanceCents;
  }

  private close(d: DayState): void {
    if (d.worst.loss > this.worstDay) this.worstDay = d.worst.loss;
  }

  point(i: number): void {
    const P = this.cols.points;
    const D = this.cols.deals;
    const ms = P.ms[i]!;
    const equity = P.equity[i]!;
    const pointAdjustments = P.adjustments[i]!;
    if (ms >= this.dayEnd) {
      if (this.current) this.close(this.current);
      const span = this.clock.spanOf(ms);
      while (this.di < D.length && D.ms[this.di]! < span.start) {
        this.balance += D.cents[this.di]!;
        if (D.flags[this.di]! & DEAL_ADJUSTMENT) this.adjustments += D.cents[this.di]!;
        this.di++;
      }
      const dse = this.lastEquity + (this.adjustments - this.lastEquityAdj);
      this.current = {
        day: span.day,
        startMs: span.start,
        dayStartBalance: this.balance,
        dayStartEquity: dse,
        breach: null,
        possible: null,
        worst: { ms, equity, loss: -Infinity, floor: 0, amount: 0 },
      };
      this.dayEnd = span.end;
      this.adjAtStart = this.adjustments;
      this.peak = Math.max(this.balance, dse);
      this.baseAnchor =
        this.rule.anchor === 'day_start_balance'
          ? this.balance
          : this.rule.anchor === 'day_start_equity'
            ? dse
            : this.rule.anchor === 'max_day_start_balance_equity'
              ? Math.max(this.balance, dse)
              : this.ic + this.adjustments;
      this.confirmed = false;
    }
    const day = this.current!;
    const shift = pointAdjustments - this.adjAtStart;
    if (equity - shift > this.peak) this.peak = equity - shift;
    const anchor = (this.peakAnchor ? this.peak : this.baseAnchor) + shift;
    const amount = this.pctOfAnchor ? Math.round(((anchor - shift) * this.rule.pct) / 100) : this.fixedAmount;
    const floor = anchor - amount;
    const loss = anchor - equity;
    this.last = { rule: 'maximum_daily_loss', anchor, floor, value: equity, day: day.day };
    if (loss > day.worst.loss) day.worst = { ms, equity, loss, floor, amount };
    if (!this.confirmed && (this.lt ? equity < floor - this.tol : equity <= floor - this.tol)) {
      const wasFlagged = day.breach !== null || day.possible !== null;
      if (P.equitySource[i] === EQUITY_M1_BOUND) day.possible ??= { ms, equity, floor };
      else {
        day.breach = { ms, equity, floor };
        this.confirmed = true;
        if (this.rule.severity === 'hard') this.hard = true;
      }
      if (!wasFlagged) this.flagged.push(day);
    }
    this.lastEquity = equity;
    this.lastEquityAdj = pointAdjustments;
  }

  limit(): LimitState | null {
    return this.last;
  }

  hardBreach(): boolean {
    return this.hard;
  }

  result(timeline: Timeline): FamilyResult {
    const violations = this.flagged.map((d): Violation => {
      const at = (d.breach ?? d.possible)!;
      const certainty = d.breach ? 'confirmed' : 'possible';
      // The positions open at the breach and the deals behind it are final once a later deal is booked.
      if (!d.evidence || d.evidence.at !== at) {
        const open = timeline.openAt(at.ms);
        d.evidence = { at, open, behind: timeline.dealsBehind(d.startMs, at.ms, open, EVIDENCE_IDS_MAX) };
      }
      const { behind } = d.evidence;
      const open = d.evidence.open.map((p) => ({ ...p }));
      if (this.cols.lastDealMs <= at.ms) d.evidence = null;
      return dailyLossViolation(this.rule, timeline, d, at, certainty, open, behind);
    });
    const worst = Math.max(this.worstDay, this.current ? this.current.worst.loss : 0);
    return {
      violations,
      objectives: [],
      metrics: {
        max_daily_loss_percent: pct2((Math.max(0, worst) / this.ic) * 100),
        max_daily_loss_limit: this.rule.pct,
      },
      ...(this.last ? { limit: this.last } : {}),
    };
  }
}

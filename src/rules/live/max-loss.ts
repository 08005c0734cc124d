/**
 * max_loss kept up to date point by point: the trailing peak of its basis, the floor that never
 * falls, the day reset of the end-of-day trail, the first breach (confirmed or possible) and the
 * lowest value below the floor, and the deepest drawdown. The same arithmetic as
 * families/max-loss.ts, one point at a time; the violation's evidence is read from the timeline
 * when the result is asked for (a window around the breach, not the history).
 */
import { type DayClock, dayClock } from '../days.ts';
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

/** max_loss's state is plain data in one class, so live.ts can copy it as a checkpoint (live/clone.ts). */
export class LiveMaxLoss implements LiveFamily {
  private readonly tol: number;
  private readonly clock: DayClock | null;
  private readonly staticBasis: boolean;
  private readonly balanceTrail: boolean;
  private readonly equityTrail: boolean;
  private readonly lt: boolean;
  private peak: number;
  private floorTrading: number;
  private day: string | null = null;
  private di = 0;
  private dealBalance: number;
  private dealAdjustments = 0;
  private first: At | null = null;
  private possible: At | null = null;
  private peakMs = -Infinity;
  private lowestConfirmed: At | null = null;
  private lowestPossible: At | null = null;
  private dayEnd = -Infinity;
  private worstDrawdown = -Infinity;
  private floorPeak = NaN;
  private peakFloor = 0;
  private last: LimitState | null = null;
  private cached: {
    at: At;
    open: ReturnType<Timeline['openAt']>;
    behind: { tickets: number[]; total: number };
  } | null = null;

  constructor(
    private readonly rule: MaxLossRule,
    private readonly cols: LiveColumns,
    private readonly ic: number,
  ) {
    this.tol = toCents(rule.tolerance);
    this.clock = rule.basis === 'eod_balance_trail' ? dayClock(rule.reset_tz, rule.reset_time) : null;
    this.staticBasis = rule.basis === 'static';
    this.balanceTrail = rule.basis === 'intraday_balance_trail';
    this.equityTrail = rule.basis === 'intraday_equity_trail';
    this.lt = rule.comparator === 'lt';
    this.peak = ic;
    this.floorTrading = ic - this.bufferOf(ic);
    this.dealBalance = cols.startBalanceCents;
  }

  private bufferOf(peak: number): number {
    return Math.round(((this.rule.amount_mode === 'pct_of_peak' ? peak : this.ic) * this.rule.pct) / 100);
  }

  point(i: number): void {
    const P = this.cols.points;
    const D = this.cols.deals;
    const ms = P.ms[i]!;
    const adjusted = P.adjustments[i]!;
    if (this.clock) {
      if (ms >= this.dayEnd) {
        const span = this.clock.spanOf(ms);
        while (this.di < D.length && D.ms[this.di]! < span.start) {
          this.dealBalance += D.cents[this.di]!;
          if (D.flags[this.di]! & DEAL_ADJUSTMENT) this.dealAdjustments += D.cents[this.di]!;
          this.di++;
        }
        if (this.day !== null && this.dealBalance - this.dealAdjustments > this.peak) {
          this.peak = this.dealBalance - this.dealAdjustments;
          this.peakMs = span.start;
        }
        this.day = span.day;
        this.dayEnd = span.end;
      }
    } else if (this.balanceTrail) {
      if (P.balance[i]! - adjusted > this.peak) {
        this.peak = P.balance[i]! - adjusted;
        this.peakMs = ms;
      }
    } else if (this.equityTrail) {
      if (P.equity[i]! - adjusted > this.peak) {
        this.peak = P.equity[i]! - adjusted;
        this.peakMs = ms;
      }
    }
    if (this.peak !== this.floorPeak) {
      this.floorPeak = this.peak;
      this.peakFloor = (this.staticBasis ? this.ic : this.peak) - this.bufferOf(this.staticBasis ? this.ic : this.peak);
    }
    let floor = this.peakFloor;
    if (this.rule.lock_at_initial) floor = Math.min(floor, this.ic);
    if (floor < this.floorTrading) floor = this.floorTrading;
    this.floorTrading = floor;
    const value = (this.rule.measured_on === 'balance' ? P.balance[i]! : P.equity[i]!) - adjusted;
    const drawdown = (this.staticBasis ? this.ic : this.peak) - value;
    this.last = {
      rule: 'maximum_drawdown',
      anchor: (this.staticBasis ? this.ic : this.peak) + adjusted,
      floor: floor + adjusted,
      value: value + adjusted,
      day: null,
    };
    if (drawdown > this.worstDrawdown) this.worstDrawdown = drawdown;
    if (this.lt ? value < floor - this.tol : value <= floor - this.tol) {
      const at = { ms, value: value + adjusted, floor: floor + adjusted, peakMs: this.peakMs };
      if (P.equitySource[i] === EQUITY_M1_BOUND) {
        if (!this.first) this.possible ??= at;
        if (!this.lowestPossible || at.value < this.lowestPossible.value) this.lowestPossible = at;
      } else {
        this.first ??= at;
        if (!this.lowestConfirmed || at.value < this.lowestConfirmed.value) this.lowestConfirmed = at;
      }
    }
  }

  limit(): LimitState | null {
    return this.last;
  }

  hardBreach(): boolean {
    return this.first !== null && this.rule.severity === 'hard';
  }

  result(timeline: Timeline): FamilyResult {
    const maxDrawdownPct = this.worstDrawdown > 0 ? pct2((this.worstDrawdown / this.ic) * 100) : 0;
    const metrics = {
      max_drawdown_percent: maxDrawdownPct,
      max_drawdown_limit: this.rule.pct,
      max_loss_floor: fromCents(this.floorTrading + timeline.finalAdjustments),
      max_loss_basis: this.rule.basis,
    };
    const limit = this.last ? { limit: this.last } : {};
    const breach = this.first ?? this.possible;
    const lowest = this.first ? this.lowestConfirmed : this.lowestPossible;
    if (!breach || !lowest) return { violations: [], objectives: [], metrics, ...limit };
    // The positions open at the breach and the deals behind it are final once a later deal is booked.
    if (!this.cached || this.cached.at !== breach) {
      const open = timeline.openAt(breach.ms);
      this.cached = {
        at: breach,
        open,
        behind: timeline.dealsBehind(breach.peakMs, breach.ms, open, EVIDENCE_IDS_MAX),
      };
    }
    const { behind } = this.cached;
    const open = this.cached.open.map((p) => ({ ...p }));
    if (this.cols.lastDealMs <= breach.ms) this.cached = null;
    return {
      violations: [
        maxLossViolation(this.rule, timeline, breach, lowest, this.first !== null, maxDrawdownPct, open, behind),
      ],
      objectives: [],
      metrics,
      ...limit,
    };
  }
}

/**
 * min_trade_duration kept up to date close by close: a position is judged once, when it closes (its
 * hold, lots and profit are final then), so a deal costs what it closes, not the history. The short
 * positions are kept by trade index; an aggregate's run (families/min-trade-duration.ts) takes the
 * closes in the batch pass's order, close time then position id: closes at one instant arrive in
 * ticket order, so a close that sorts before an earlier one of the same instant replays that instant
 * from the run before it.
 */

import type { FamilyResult } from '../families/family.ts';
import {
  type DurationRun,
  durationStep,
  judged,
  type MinTradeDurationRule,
  minTradeDurationResult,
  newDurationRun,
  shortHold,
} from '../families/min-trade-duration.ts';
import type { Timeline, Trade } from '../timeline.ts';
import { tradeAt } from '../timeline-evidence.ts';
import type { LiveColumns } from './columns.ts';
import type { LiveFamily } from './family.ts';

export class LiveMinTradeDuration implements LiveFamily {
  /** Short positions judged, by trade index (ascending: the batch lists them in opening order). */
  private readonly short: number[] = [];
  private run: DurationRun | null;
  /** The closes at the latest close instant, and the run before them. */
  private instantMs = Number.NEGATIVE_INFINITY;
  private instant: Trade[] = [];
  private before: DurationRun | null = null;
  private hard = false;

  constructor(
    private readonly rule: MinTradeDurationRule,
    private readonly cols: LiveColumns,
  ) {
    this.run = rule.aggregation === 'any' ? null : newDurationRun();
  }

  deal(): void {
    const t = this.cols.closedTrade;
    if (t < 0) return;
    const trade = tradeAt(this.cols.deals, this.cols.trades, t);
    if (!judged(this.rule, trade)) return;
    const short = shortHold(this.rule)(trade.closeMs! - trade.openMs);
    if (short) {
      let k = this.short.length;
      while (k > 0 && this.short[k - 1]! > t) k--;
      this.short.splice(k, 0, t);
      if (this.rule.aggregation === 'any' && this.rule.severity === 'hard') this.hard = true;
    }
    if (this.run) this.aggregate(trade);
  }

  private aggregate(trade: Trade): void {
    const rule = this.rule;
    if (trade.closeMs !== this.instantMs) {
      this.instantMs = trade.closeMs!;
      this.instant = [trade];
      this.before = copyRun(this.run!);
      durationStep(rule, this.run!, trade, shortHold(rule)(trade.closeMs! - trade.openMs));
    } else {
      const last = this.instant[this.instant.length - 1]!;
      this.instant.push(trade);
      if (trade.position_id >= last.position_id)
        durationStep(rule, this.run!, trade, shortHold(rule)(trade.closeMs! - trade.openMs));
      else {
        this.instant.sort((a, b) => a.position_id - b.position_id);
        this.run = copyRun(this.before!);
        for (const x of this.instant) durationStep(rule, this.run, x, shortHold(rule)(x.closeMs! - x.openMs));
      }
    }
    if (rule.severity === 'hard') this.hard = this.run!.sinceMs !== null;
  }

  point(): void {}
  limit(): null {
    return null;
  }
  hardBreach(): boolean {
    return this.hard;
  }
  result(timeline: Timeline): FamilyResult {
    const short = this.short.map((t) => tradeAt(this.cols.deals, this.cols.trades, t));
    return minTradeDurationResult(this.rule, timeline, short, this.run);
  }
}

/** A copy of an aggregate's run (its Running keeps its class). */
function copyRun(r: DurationRun): DurationRun {
  const run = Object.assign(Object.create(Object.getPrototypeOf(r.run)), r.run);
  return { run, firstMs: r.firstMs, sinceMs: r.sinceMs, worst: r.worst && { ...r.worst } };
}

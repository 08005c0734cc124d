/**
 * inactivity kept up to date deal by deal: the end of the last activity (a trade deal, or with
 * `open_position_counts_as_active` the close of the last position open), the gaps already closed by
 * a trade deal (the ones over the allowance kept), and the longest; the gap until now is measured
 * when asked. The same spans as families/inactivity.ts, walked as the deals arrive.
 */
import { DEAL_TRADE } from '../decode.ts';
import { evaluationInstant } from '../evaluate.ts';
import type { FamilyResult } from '../families/family.ts';
import { type InactivityRule, inactivityGap, inactivityLimit, inactivityResult } from '../families/inactivity.ts';
import { exceeds } from '../spec-fields.ts';
import type { Timeline } from '../timeline.ts';
import type { Violation } from '../types.ts';
import type { LiveColumns } from './columns.ts';
import type { LiveFamily } from './family.ts';

export class LiveInactivity implements LiveFamily {
  /** Where the open gap starts (the first deal, then the last activity); NaN before any deal. */
  private cursor = Number.NaN;
  private longest = 0;
  /** Closed gaps over the allowance: from, to. */
  private readonly over: Array<[number, number]> = [];
  /** Positions open after the last deal. */
  private open = 0;

  constructor(
    private readonly rule: InactivityRule,
    private readonly cols: LiveColumns,
  ) {}

  deal(i: number): void {
    const D = this.cols.deals;
    const ms = D.ms[i]!;
    if (Number.isNaN(this.cursor)) this.cursor = ms;
    if (D.flags[i]! & DEAL_TRADE) {
      // A position open before this deal spans it: no gap (the position's close ends its activity).
      const covered = this.rule.open_position_counts_as_active && this.open > 0;
      if (!covered && ms > this.cursor) {
        this.longest = Math.max(this.longest, ms - this.cursor);
        if (exceeds(ms - this.cursor, inactivityLimit(this.rule), this.rule.comparator))
          this.over.push([this.cursor, ms]);
      }
      this.cursor = Math.max(this.cursor, ms);
    }
    this.open = this.cols.openCount;
  }

  /** The open gap's start and end now (none while a position open counts as activity). */
  private openGap(atMs: number): number {
    if (Number.isNaN(this.cursor)) return 0;
    if (this.rule.open_position_counts_as_active && this.open > 0) return 0;
    return Math.max(0, atMs - this.cursor);
  }

  point(): void {}
  limit(): null {
    return null;
  }
  hardBreach(): boolean {
    if (this.rule.severity !== 'hard') return false;
    if (this.over.length > 0) return true;
    const atMs = this.cols.instant();
    const gap = this.openGap(atMs);
    return gap > 0 && exceeds(gap, inactivityLimit(this.rule), this.rule.comparator);
  }
  result(timeline: Timeline): FamilyResult {
    if (Number.isNaN(this.cursor)) return { violations: [], objectives: [], metrics: { longest_inactivity_days: 0 } };
    const atMs = evaluationInstant(timeline);
    const violations: Violation[] = [];
    for (const [from, to] of this.over) violations.push(inactivityGap(this.rule, timeline, from, to, atMs)!);
    let longest = this.longest;
    const gap = this.openGap(atMs);
    if (gap > 0) {
      longest = Math.max(longest, gap);
      const v = inactivityGap(this.rule, timeline, this.cursor, null, atMs);
      if (v) violations.push(v);
    }
    return inactivityResult(this.rule, violations, longest);
  }
}

/**
 * weekend_flat kept up to date deal by deal: a position's break (the first that ends after it opens,
 * families/weekend-flat.ts) is found once, when it opens. A closed position held into its break broke
 * the rule for good, one closed before it never will; the open ones are pending, judged against the
 * evaluation instant when asked (there are few: the positions open now).
 */
import { evaluationInstant } from '../evaluate.ts';
import type { FamilyResult } from '../families/family.ts';
import {
  breakAfter,
  heldUntil,
  type WeekendBreak,
  type WeekendFlatRule,
  weekendBreaks,
  weekendResult,
  weekendViolation,
} from '../families/weekend-flat.ts';
import type { Timeline } from '../timeline.ts';
import { tradeAt } from '../timeline-evidence.ts';
import type { LiveColumns } from './columns.ts';
import type { LiveFamily } from './family.ts';

const WEEK_AND_A_DAY_MS = 8 * 86_400_000;

export class LiveWeekendFlat implements LiveFamily {
  private trades = 0;
  /** Each judged position's break, by trade index. */
  private readonly breakOf = new Map<number, WeekendBreak>();
  /** Closed positions held into their break, and open positions (pending). */
  private readonly held = new Set<number>();
  private readonly pending = new Set<number>();

  constructor(
    private readonly rule: WeekendFlatRule,
    private readonly cols: LiveColumns,
  ) {}

  deal(): void {
    const { cols } = this;
    const T = cols.trades;
    const t = cols.openedTrade;
    if (t >= 0 && t >= this.trades) {
      this.trades = t + 1;
      const openMs = T.openMs[t]!;
      const b = breakAfter(weekendBreaks(this.rule, openMs, openMs + WEEK_AND_A_DAY_MS), openMs);
      if (b) {
        this.breakOf.set(t, b);
        this.pending.add(t);
      }
    }
    // Closed: held into its break if open at any instant of it (a position closed at its opening instant never was).
    const c = cols.closedTrade;
    if (c >= 0 && this.pending.delete(c)) {
      const close = T.closeMs[c]!;
      if (this.breakOf.get(c)!.cutoff < close && T.openMs[c]! < close) this.held.add(c);
    }
  }

  /** Whether pending position `t` is in its break at `atMs` (open until then, inclusive). */
  private inBreak(t: number, atMs: number): boolean {
    return this.breakOf.get(t)!.cutoff < heldUntil(null, atMs);
  }

  point(): void {}
  limit(): null {
    return null;
  }
  hardBreach(): boolean {
    if (this.rule.severity !== 'hard') return false;
    if (this.held.size > 0) return true;
    const atMs = this.cols.instant();
    for (const t of this.pending) if (this.inBreak(t, atMs)) return true;
    return false;
  }
  result(timeline: Timeline): FamilyResult {
    if (this.trades === 0) return { violations: [], objectives: [], metrics: { weekend_holds: 0 } };
    const atMs = evaluationInstant(timeline);
    const { deals, trades } = this.cols;
    const violations = [...this.held, ...[...this.pending].filter((t) => this.inBreak(t, atMs))].map((t) =>
      weekendViolation(this.rule, timeline, tradeAt(deals, trades, t), this.breakOf.get(t)!, atMs),
    );
    return weekendResult(violations);
  }
}

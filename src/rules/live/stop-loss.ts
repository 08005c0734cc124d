/**
 * stop_loss_required kept up to date deal by deal: a position is marked once a deal of it inside its
 * grace period carries a stop loss, and excused when it closes within the grace period; the others
 * are the candidates, judged against the evaluation instant when asked (families/stop-loss-
 * required.ts's bareAt: a candidate still open inside its grace period is pending). A candidate that
 * breaks the rule stays broken with time, so breached() stops at the first.
 */
import { DEAL_TRADE } from '../decode.ts';
import { evaluationInstant } from '../evaluate.ts';
import type { FamilyResult } from '../families/family.ts';
import {
  bareAt,
  dealHasSl,
  STOP_LOSS_UNAVAILABLE,
  type StopLossRequiredRule,
  stopLossResult,
  stopLossViolation,
} from '../families/stop-loss-required.ts';
import type { Timeline } from '../timeline.ts';
import { tradeAt } from '../timeline-evidence.ts';
import type { LiveColumns } from './columns.ts';
import type { LiveFamily } from './family.ts';

export class LiveStopLossRequired implements LiveFamily {
  private readonly graceMs: number;
  /** Whether any trade deal says whether it had a stop loss (else nothing is judged). */
  private known = false;
  /** Trades seen, the ones with a stop loss in their grace period, and the rest not excused. */
  private trades = 0;
  private readonly covered = new Set<number>();
  private readonly candidates = new Set<number>();
  private readonly lastTrade = new Map<number, number>();

  constructor(
    private readonly rule: StopLossRequiredRule,
    private readonly cols: LiveColumns,
  ) {
    this.graceMs = rule.within_seconds * 1000;
  }

  /** Whether a deal at `ms` falls in trade `t`'s grace period (and not after its close). */
  private inGrace(t: number, ms: number): boolean {
    const T = this.cols.trades;
    const open = T.openMs[t]!;
    const close = T.closeMs[t]!;
    return ms >= open && ms <= open + this.graceMs && (Number.isNaN(close) || ms <= close);
  }

  deal(i: number): void {
    const { cols } = this;
    const D = cols.deals;
    if (!(D.flags[i]! & DEAL_TRADE)) return;
    const d = D.src[i]!;
    if (d.sl !== undefined) this.known = true;
    const opened = cols.openedTrade;
    if (opened >= 0 && opened >= this.trades) {
      this.trades = opened + 1;
      this.candidates.add(opened);
    }
    if (opened >= 0) this.lastTrade.set(d.position_id, opened);
    const ms = D.ms[i]!;
    if (dealHasSl(d))
      for (const t of new Set([cols.closedTrade, opened, this.lastTrade.get(d.position_id) ?? -1]))
        if (t >= 0 && this.inGrace(t, ms)) {
          this.covered.add(t);
          this.candidates.delete(t);
        }
    // Closed within its grace period: never judged.
    const closed = cols.closedTrade;
    if (closed >= 0 && this.graceMs > 0 && cols.trades.closeMs[closed]! <= cols.trades.openMs[closed]! + this.graceMs)
      this.candidates.delete(closed);
  }

  private bare(t: number, atMs: number): boolean {
    const T = this.cols.trades;
    const close = T.closeMs[t]!;
    return bareAt(this.rule, { openMs: T.openMs[t]!, closeMs: Number.isNaN(close) ? null : close }, atMs);
  }

  point(): void {}
  limit(): null {
    return null;
  }
  hardBreach(): boolean {
    if (this.rule.severity !== 'hard' || !this.known) return false;
    const atMs = this.cols.instant();
    for (const t of this.candidates) if (this.bare(t, atMs)) return true;
    return false;
  }
  result(timeline: Timeline): FamilyResult {
    if (!this.known) return STOP_LOSS_UNAVAILABLE();
    const atMs = evaluationInstant(timeline);
    const { deals, trades } = this.cols;
    const violations = [...this.candidates]
      .sort((a, b) => a - b)
      .filter((t) => this.bare(t, atMs))
      .map((t) =>
        stopLossViolation(this.rule, timeline, tradeAt(deals, trades, t), deals.src[trades.opener[t]!]!.ticket, atMs),
      );
    return stopLossResult(violations);
  }
}

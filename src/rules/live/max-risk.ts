/**
 * max_risk_per_trade_pct kept up to date deal by deal: a position's risk (families/max-risk-per-
 * trade.ts) is computed again when a deal opens it or adds to it (its entry price and largest volume
 * move), and is final once it closes. Open positions are few, so the worst risk is the closed ones'
 * maximum (kept) and the open ones' (looked at when asked).
 */
import type { SymbolSpec } from '../../mt5/history.ts';
import type { FamilyResult } from '../families/family.ts';
import {
  type MaxRiskPerTradeRule,
  RISK_UNAVAILABLE,
  riskLimit,
  riskMetrics,
  riskViolation,
  tradeRisk,
} from '../families/max-risk-per-trade.ts';
import { exceeds } from '../spec-fields.ts';
import type { Timeline } from '../timeline.ts';
import { tradeAt } from '../timeline-evidence.ts';
import type { LiveColumns } from './columns.ts';
import type { LiveFamily } from './family.ts';

export class LiveMaxRiskPerTrade implements LiveFamily {
  private readonly limitCents: number;
  /** Risk in cents by trade index of the positions judged (NaN: not judged). */
  private readonly risk: number[] = [];
  /** Positions over the limit now, and the open ones, by trade index. */
  private readonly over = new Set<number>();
  private readonly open = new Set<number>();
  private worstClosed = 0;
  private withoutSl = 0;
  private readonly skipped = new Set<string>();

  constructor(
    private readonly rule: MaxRiskPerTradeRule,
    private readonly cols: LiveColumns,
    private readonly symbols: Record<string, SymbolSpec> | undefined,
    private readonly currency: string | undefined,
    ic: number,
  ) {
    this.limitCents = riskLimit(rule, ic);
  }

  deal(): void {
    if (!this.symbols) return;
    const { cols } = this;
    const t = cols.openedTrade;
    if (t >= 0) {
      const first = this.risk[t] === undefined;
      const r = tradeRisk(tradeAt(cols.deals, cols.trades, t), this.symbols, this.currency);
      if (r === 'no_sl' || r === 'no_spec') {
        this.risk[t] = Number.NaN;
        if (first && r === 'no_sl') this.withoutSl++;
        if (first && r === 'no_spec') this.skipped.add(cols.deals.src[cols.trades.opener[t]!]!.symbol);
      } else {
        this.risk[t] = r.risk;
        this.open.add(t);
        if (exceeds(r.risk, this.limitCents, this.rule.comparator)) this.over.add(t);
        else this.over.delete(t);
      }
    }
    const c = cols.closedTrade;
    if (c >= 0 && this.open.delete(c)) this.worstClosed = Math.max(this.worstClosed, this.risk[c]!);
  }

  point(): void {}
  limit(): null {
    return null;
  }
  hardBreach(): boolean {
    return this.rule.severity === 'hard' && this.over.size > 0;
  }
  result(timeline: Timeline): FamilyResult {
    if (!this.symbols) return { ...RISK_UNAVAILABLE, metrics: { ...RISK_UNAVAILABLE.metrics } };
    let worst = this.worstClosed;
    for (const t of this.open) worst = Math.max(worst, this.risk[t]!);
    const violations = [...this.over]
      .sort((a, b) => a - b)
      .map((t) => {
        const trade = tradeAt(this.cols.deals, this.cols.trades, t);
        return riskViolation(this.rule, timeline, trade, this.symbols![trade.symbol]!, this.risk[t]!);
      });
    return {
      violations,
      objectives: [],
      metrics: riskMetrics(worst, timeline.initialCapitalCents, this.withoutSl, this.skipped),
    };
  }
}

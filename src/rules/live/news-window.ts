/**
 * news_window kept up to date deal by deal: each trade deal is looked up among the releases whose
 * window holds it when it arrives (families/news-window.ts's newsHits), so a deal costs the releases
 * around it, not the history. A hit keeps its deal and trade by index; the violations are built when
 * the result is asked for, with each position's profit as it is then (what a void_profit voids).
 */

import { DEAL_TRADE } from '../decode.ts';
import type { FamilyResult, NewsEvent } from '../families/family.ts';
import {
  type NewsHit,
  type NewsWindowRule,
  newsHits,
  newsResult,
  type Release,
  releases,
} from '../families/news-window.ts';
import { timedDealAt, tradeAt } from '../timeline-evidence.ts';
import { shareInClones } from './clone.ts';
import type { LiveColumns } from './columns.ts';
import type { LiveFamily } from './family.ts';

interface Hit {
  deal: number;
  trade: number;
  ev: Release;
  positionKey: string;
}

export class LiveNewsWindow implements LiveFamily {
  private readonly events: readonly Release[];
  private readonly ignored: number;
  private readonly hits: Hit[] = [];
  private readonly seen = new Set<string>();
  /** The last trade of each position id (the one a deal of it belongs to, as the batch looks it up). */
  private readonly lastTrade = new Map<number, number>();

  constructor(
    private readonly rule: NewsWindowRule,
    private readonly cols: LiveColumns,
    calendar: readonly NewsEvent[],
  ) {
    const { events, ignored } = releases(calendar);
    this.events = shareInClones(events);
    this.ignored = ignored;
  }

  deal(i: number): void {
    const { cols } = this;
    if (cols.openedTrade >= 0) this.lastTrade.set(cols.deals.src[i]!.position_id, cols.openedTrade);
    if (this.events.length === 0 || !(cols.deals.flags[i]! & DEAL_TRADE)) return;
    const td = timedDealAt(cols.deals, i);
    const t = this.lastTrade.get(td.deal.position_id) ?? -1;
    const trade = t >= 0 ? tradeAt(cols.deals, cols.trades, t) : undefined;
    // The trade the deal belongs to: opened by then and not closed before it.
    const belongs = trade && trade.openMs <= td.ms && (trade.closeMs === null || td.ms <= trade.closeMs);
    for (const h of newsHits(this.rule, this.events, td, belongs ? trade : undefined, this.seen))
      this.hits.push({ deal: i, trade: belongs ? t : -1, ev: h.ev, positionKey: h.positionKey });
  }

  point(): void {}
  limit(): null {
    return null;
  }
  hardBreach(): boolean {
    return this.rule.action === 'violation' && this.rule.severity === 'hard' && this.hits.length > 0;
  }
  result(): FamilyResult {
    const { cols } = this;
    const hits: NewsHit[] = this.hits.map((h) => ({
      td: timedDealAt(cols.deals, h.deal),
      trade: h.trade >= 0 ? tradeAt(cols.deals, cols.trades, h.trade) : undefined,
      ev: h.ev,
      positionKey: h.positionKey,
    }));
    return newsResult(this.rule, hits, this.events.length, this.ignored);
  }
}

/**
 * Limits judged deal by deal, kept up to date as deals arrive: max_open_positions (the positions
 * open at once, families/max-open-positions.ts), max_lots_per_order (the volume of each opening
 * order, families/max-lots-per-order.ts) and max_daily_trades (positions opened per day of the
 * reset zone). Same arithmetic and evidence as the batch families.
 */
import { type DayClock, dayClock } from '../days.ts';
import { DEAL_TRADE } from '../decode.ts';
import { evidence } from '../evidence.ts';
import type { FamilyResult } from '../families/family.ts';
import {
  dailyTradesResult,
  dailyTradesViolation,
  type MaxDailyTradesRule,
  type Opening,
} from '../families/max-daily-trades.ts';
import { type MaxLotsPerOrderRule, OrderBook } from '../families/max-lots-per-order.ts';
import type { MaxOpenPositionsRule } from '../families/max-open-positions.ts';
import { exceeds } from '../spec-fields.ts';
import type { Timeline } from '../timeline.ts';
import type { Violation } from '../types.ts';
import type { LiveColumns } from './columns.ts';
import type { LiveFamily } from './family.ts';

interface Opened {
  ms: number;
  ticket: number;
  position_id: number;
  symbol: string;
  side: string;
}

/** max_open_positions: the open positions, the largest count, the violations. */
export class LiveMaxOpenPositions implements LiveFamily {
  /** Open volume by position id (1e-8 lots), and the opening event of each open position. */
  private readonly volumes = new Map<number, number>();
  private readonly open = new Map<number, Opened>();
  private readonly violations: Violation[] = [];
  private peak = 0;
  private hard = false;
  private readonly limitCount: number;

  constructor(
    private readonly rule: MaxOpenPositionsRule,
    private readonly cols: LiveColumns,
  ) {
    this.limitCount = rule.count + rule.tolerance;
  }

  private opened(e: Opened): void {
    const { open, rule } = this;
    open.set(e.position_id, e);
    this.peak = Math.max(this.peak, open.size);
    if (!exceeds(open.size, this.limitCount, rule.comparator)) return;
    if (rule.severity === 'hard') this.hard = true;
    this.violations.push({
      rule: 'max_open_positions',
      description: `Position ${e.position_id} (${e.symbol}) made ${open.size} positions open at once (max: ${rule.count})`,
      severity: rule.severity,
      timestamp: new Date(e.ms).toISOString(),
      ticket: e.ticket,
      position_id: e.position_id,
      symbol: e.symbol,
      side: e.side,
      open_positions: open.size,
      max_positions: rule.count,
      comparator: rule.comparator,
      tolerance: rule.tolerance,
      ...evidence({
        firstMs: e.ms,
        worstValue: open.size,
        worstMs: e.ms,
        limit: this.limitCount,
        unit: 'positions',
        positions: [...open.keys()],
        deals: [e.ticket],
      }),
    });
  }

  deal(i: number): void {
    const { cols, volumes, open } = this;
    if (!(cols.deals.flags[i]! & DEAL_TRADE)) return;
    const d = cols.deals.src[i]!;
    const before = volumes.get(d.position_id) ?? 0;
    const v = Math.round(d.volume * 1e8);
    const e = { ms: cols.deals.ms[i]!, ticket: d.ticket, position_id: d.position_id, symbol: d.symbol, side: d.type };
    let after: number;
    if (d.entry === 'in') {
      after = before + v;
      if (before === 0 && v > 0) this.opened(e);
    } else if (d.entry === 'out' || d.entry === 'out_by') {
      after = Math.max(0, before - v);
      if (before > 0 && after === 0) open.delete(d.position_id);
    } else {
      after = Math.max(0, v - before);
      if (before > 0) open.delete(d.position_id);
      if (after > 0) this.opened(e);
    }
    if (after > 0) volumes.set(d.position_id, after);
    else volumes.delete(d.position_id);
  }

  point(): void {}
  limit(): null {
    return null;
  }
  hardBreach(): boolean {
    return this.hard;
  }
  result(): FamilyResult {
    return {
      violations: [...this.violations],
      objectives: [],
      metrics: { max_open_positions: this.peak, max_open_positions_limit: this.rule.count },
    };
  }
}

/** max_lots_per_order: the opening orders' volumes fill by fill (families/max-lots-per-order.ts's OrderBook). */
export class LiveMaxLotsPerOrder implements LiveFamily {
  private readonly book: OrderBook;

  constructor(
    private readonly rule: MaxLotsPerOrderRule,
    private readonly cols: LiveColumns,
  ) {
    this.book = new OrderBook(rule);
  }

  deal(i: number): void {
    const D = this.cols.deals;
    if (D.flags[i]! & DEAL_TRADE) this.book.fill(D.src[i]!, D.ms[i]!);
  }

  point(): void {}
  limit(): null {
    return null;
  }
  hardBreach(): boolean {
    return this.rule.severity === 'hard' && this.book.breached.length > 0;
  }
  result(): FamilyResult {
    return this.book.result();
  }
}

/** max_daily_trades (families/max-daily-trades.ts): positions opened per day of the reset zone. */
export class LiveMaxDailyTrades implements LiveFamily {
  private readonly clock: DayClock;
  private readonly limitCount: number;
  /** Days over the limit, in day order; the current day's openings. */
  private readonly over: Array<{ day: string; trades: Opening[] }> = [];
  private today: { day: string; trades: Opening[] } | null = null;
  private dayEnd = -Infinity;
  private busiest = 0;
  private seen = 0;

  constructor(
    private readonly rule: MaxDailyTradesRule,
    private readonly cols: LiveColumns,
  ) {
    this.clock = dayClock(rule.reset_tz, rule.reset_time);
    this.limitCount = rule.count + rule.tolerance;
  }

  deal(): void {
    const T = this.cols.trades;
    // Trades are opened in time order, so each new one belongs to the current day or a later one.
    for (; this.seen < T.length; this.seen++) {
      const openMs = T.openMs[this.seen]!;
      const d = this.cols.deals.src[T.opener[this.seen]!]!;
      if (openMs >= this.dayEnd) {
        const span = this.clock.spanOf(openMs);
        this.today = { day: span.day, trades: [] };
        this.dayEnd = span.end;
      }
      const day = this.today!;
      day.trades.push({ position_id: d.position_id, symbol: d.symbol, openMs });
      this.busiest = Math.max(this.busiest, day.trades.length);
      // Counts only grow: a day is over the limit from the opening that first exceeds it.
      if (this.over[this.over.length - 1] !== day && exceeds(day.trades.length, this.limitCount, this.rule.comparator))
        this.over.push(day);
    }
  }

  point(): void {}
  limit(): null {
    return null;
  }
  hardBreach(): boolean {
    return this.rule.severity === 'hard' && this.over.length > 0;
  }
  result(timeline: Timeline): FamilyResult {
    const violations = this.over.map(({ day, trades }) => dailyTradesViolation(this.rule, timeline, day, trades));
    return dailyTradesResult(this.rule, violations, this.busiest);
  }
}

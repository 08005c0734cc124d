/**
 * Limits judged deal by deal, kept up to date as deals arrive: max_open_positions (the positions
 * open at once, families/max-open-positions.ts), max_lots_per_order (the volume of each opening
 * order, families/max-lots-per-order.ts) and max_daily_trades (positions opened per day of the
 * reset zone). Same arithmetic and evidence as the batch families.
 */
import { type DayClock, dayClock } from '../days.ts';
import { DEAL_TRADE } from '../decode.ts';
import { EVIDENCE_IDS_MAX, evidence } from '../evidence.ts';
import type { FamilyResult } from '../families/family.ts';
import type { MaxDailyTradesRule } from '../families/max-daily-trades.ts';
import type { MaxLotsPerOrderRule } from '../families/max-lots-per-order.ts';
import type { MaxOpenPositionsRule } from '../families/max-open-positions.ts';
import { matchesInstrument } from '../instruments.ts';
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

/** Lots as integers of 1e-8, so partial fills sum exactly. */
const units = (lots: number) => Math.round(lots * 1e8);

interface OrderState {
  order: number;
  symbol: string;
  side: string;
  position_id: number;
  volume: number;
  deals: number[];
  lastMs: number;
  breach: { ms: number; ticket: number } | null;
}

/** max_lots_per_order: each opening order's volume (partial fills summed), the orders over the limit. */
export class LiveMaxLotsPerOrder implements LiveFamily {
  private readonly limitUnits: number;
  private readonly orders = new Map<string, OrderState>();
  private readonly breached: OrderState[] = [];
  private largest = 0;

  constructor(
    private readonly rule: MaxLotsPerOrderRule,
    private readonly cols: LiveColumns,
  ) {
    this.limitUnits = units(rule.lots + rule.tolerance);
  }

  deal(i: number): void {
    const { cols, rule } = this;
    const d = cols.deals.src[i]!;
    if (
      !(cols.deals.flags[i]! & DEAL_TRADE) ||
      (d.entry !== 'in' && d.entry !== 'inout') ||
      !matchesInstrument(d.symbol, rule.instruments)
    )
      return;
    const ms = cols.deals.ms[i]!;
    const key = d.order ? `o${d.order}` : `t${d.ticket}`;
    let o = this.orders.get(key);
    if (!o) {
      o = {
        order: d.order || d.ticket,
        symbol: d.symbol,
        side: d.type,
        position_id: d.position_id,
        volume: 0,
        deals: [],
        lastMs: ms,
        breach: null,
      };
      this.orders.set(key, o);
    }
    o.volume += units(d.volume);
    o.deals.push(d.ticket);
    o.lastMs = ms;
    this.largest = Math.max(this.largest, o.volume);
    if (!o.breach && exceeds(o.volume, this.limitUnits, rule.comparator)) {
      o.breach = { ms, ticket: d.ticket };
      this.breached.push(o);
    }
  }

  point(): void {}
  limit(): null {
    return null;
  }
  hardBreach(): boolean {
    return this.rule.severity === 'hard' && this.breached.length > 0;
  }
  result(): FamilyResult {
    const { rule } = this;
    return {
      violations: this.breached.map(
        (o): Violation => ({
          rule: 'max_lots_per_order',
          description: `Order ${o.order} on ${o.symbol} was ${o.volume / 1e8} lots (max: ${rule.lots})`,
          severity: rule.severity,
          timestamp: new Date(o.breach!.ms).toISOString(),
          ticket: o.breach!.ticket,
          order: o.order,
          position_id: o.position_id,
          symbol: o.symbol,
          side: o.side,
          volume: o.volume / 1e8,
          max_lots: rule.lots,
          comparator: rule.comparator,
          tolerance: rule.tolerance,
          ...evidence({
            firstMs: o.breach!.ms,
            worstValue: o.volume / 1e8,
            worstMs: o.lastMs,
            limit: this.limitUnits / 1e8,
            unit: 'lots',
            positions: [o.position_id],
            deals: [...o.deals],
          }),
        }),
      ),
      objectives: [],
      metrics: { max_lots_per_order: this.largest / 1e8, max_lots_per_order_limit: rule.lots },
    };
  }
}

interface Opening {
  position_id: number;
  symbol: string;
  openMs: number;
}

/** max_daily_trades (families/max-daily-trades.ts): positions opened per day of the reset zone. */
export class LiveMaxDailyTrades implements LiveFamily {
  private readonly clock: DayClock;
  private readonly limitCount: number;
  private readonly allowed: number;
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
    this.allowed = rule.comparator === 'gt' ? this.limitCount : this.limitCount - 1;
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
    const { rule } = this;
    const violations = this.over.map(({ day, trades }): Violation => {
      const excess = trades.slice(this.allowed);
      const first = excess[0]!;
      return {
        rule: 'max_daily_trades',
        description: `${trades.length} positions opened on ${day} (max: ${rule.count})`,
        severity: rule.severity,
        timestamp: new Date(first.openMs).toISOString(),
        day,
        ticket: first.position_id,
        symbol: first.symbol,
        trades: trades.length,
        max_trades: rule.count,
        comparator: rule.comparator,
        tolerance: rule.tolerance,
        excess_positions: excess.slice(0, EVIDENCE_IDS_MAX).map((t) => t.position_id),
        reset_tz: rule.reset_tz,
        ...evidence({
          firstMs: first.openMs,
          worstValue: trades.length,
          worstMs: trades[trades.length - 1]!.openMs,
          limit: this.limitCount,
          unit: 'trades',
          positions: excess.map((t) => t.position_id),
          deals: excess.flatMap((t) => timeline.positionDeals(t.position_id, t.openMs, t.openMs).slice(0, 1)),
        }),
      };
    });
    return {
      violations,
      objectives: [],
      metrics: { max_daily_trades: this.busiest, max_daily_trades_limit: rule.count },
    };
  }
}

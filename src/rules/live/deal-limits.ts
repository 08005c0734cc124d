/**
 * Limits judged deal by deal, kept up to date as deals arrive: max_open_positions (the positions
 * open at once, families/max-open-positions.ts), max_lots_per_order (the volume of each opening
 * order, families/max-lots-per-order.ts) and max_daily_trades (positions opened per day of the
 * reset zone). Same arithmetic and evidence as the batch families.
 */
import { dayClock } from '../days.ts';
import { DEAL_TRADE } from '../decode.ts';
import { EVIDENCE_IDS_MAX, evidence } from '../evidence.ts';
import type { MaxDailyTradesRule } from '../families/max-daily-trades.ts';
import type { MaxLotsPerOrderRule } from '../families/max-lots-per-order.ts';
import type { MaxOpenPositionsRule } from '../families/max-open-positions.ts';
import { matchesInstrument } from '../instruments.ts';
import { exceeds } from '../spec-fields.ts';
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

export function liveMaxOpenPositions(rule: MaxOpenPositionsRule, cols: LiveColumns): LiveFamily {
  /** Open volume by position id (1e-8 lots), and the opening event of each open position. */
  const volumes = new Map<number, number>();
  const open = new Map<number, Opened>();
  const violations: Violation[] = [];
  let peak = 0;
  let hard = false;
  const limit = rule.count + rule.tolerance;
  const opened = (e: Opened) => {
    open.set(e.position_id, e);
    peak = Math.max(peak, open.size);
    if (!exceeds(open.size, limit, rule.comparator)) return;
    if (rule.severity === 'hard') hard = true;
    violations.push({
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
        limit,
        unit: 'positions',
        positions: [...open.keys()],
        deals: [e.ticket],
      }),
    });
  };
  return {
    deal(i) {
      if (!(cols.deals.flags[i]! & DEAL_TRADE)) return;
      const d = cols.deals.src[i]!;
      const before = volumes.get(d.position_id) ?? 0;
      const v = Math.round(d.volume * 1e8);
      const e = { ms: cols.deals.ms[i]!, ticket: d.ticket, position_id: d.position_id, symbol: d.symbol, side: d.type };
      let after: number;
      if (d.entry === 'in') {
        after = before + v;
        if (before === 0 && v > 0) opened(e);
      } else if (d.entry === 'out' || d.entry === 'out_by') {
        after = Math.max(0, before - v);
        if (before > 0 && after === 0) open.delete(d.position_id);
      } else {
        after = Math.max(0, v - before);
        if (before > 0) open.delete(d.position_id);
        if (after > 0) opened(e);
      }
      if (after > 0) volumes.set(d.position_id, after);
      else volumes.delete(d.position_id);
    },
    point() {},
    limit: () => null,
    hardBreach: () => hard,
    result: () => ({
      violations: [...violations],
      objectives: [],
      metrics: { max_open_positions: peak, max_open_positions_limit: rule.count },
    }),
  };
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

export function liveMaxLotsPerOrder(rule: MaxLotsPerOrderRule, cols: LiveColumns): LiveFamily {
  const limit = units(rule.lots + rule.tolerance);
  const cmp = rule.comparator;
  const orders = new Map<string, OrderState>();
  const breached: OrderState[] = [];
  let largest = 0;
  return {
    deal(i) {
      const d = cols.deals.src[i]!;
      if (
        !(cols.deals.flags[i]! & DEAL_TRADE) ||
        (d.entry !== 'in' && d.entry !== 'inout') ||
        !matchesInstrument(d.symbol, rule.instruments)
      )
        return;
      const ms = cols.deals.ms[i]!;
      const key = d.order ? `o${d.order}` : `t${d.ticket}`;
      let o = orders.get(key);
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
        orders.set(key, o);
      }
      o.volume += units(d.volume);
      o.deals.push(d.ticket);
      o.lastMs = ms;
      largest = Math.max(largest, o.volume);
      if (!o.breach && exceeds(o.volume, limit, cmp)) {
        o.breach = { ms, ticket: d.ticket };
        breached.push(o);
      }
    },
    point() {},
    limit: () => null,
    hardBreach: () => rule.severity === 'hard' && breached.length > 0,
    result: () => ({
      violations: breached.map(
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
          comparator: cmp,
          tolerance: rule.tolerance,
          ...evidence({
            firstMs: o.breach!.ms,
            worstValue: o.volume / 1e8,
            worstMs: o.lastMs,
            limit: limit / 1e8,
            unit: 'lots',
            positions: [o.position_id],
            deals: [...o.deals],
          }),
        }),
      ),
      objectives: [],
      metrics: { max_lots_per_order: largest / 1e8, max_lots_per_order_limit: rule.lots },
    }),
  };
}

interface Opening {
  position_id: number;
  symbol: string;
  openMs: number;
}

/** max_daily_trades (families/max-daily-trades.ts): positions opened per day of the reset zone. */
export function liveMaxDailyTrades(rule: MaxDailyTradesRule, cols: LiveColumns): LiveFamily {
  const clock = dayClock(rule.reset_tz, rule.reset_time);
  const limit = rule.count + rule.tolerance;
  const allowed = rule.comparator === 'gt' ? limit : limit - 1;
  /** Days over the limit, in day order; the current day's openings. */
  const over: Array<{ day: string; trades: Opening[] }> = [];
  let today: { day: string; trades: Opening[] } | null = null;
  let dayEnd = -Infinity;
  let busiest = 0;
  let seen = 0;
  return {
    deal() {
      const T = cols.trades;
      // Trades are opened in time order, so each new one belongs to the current day or a later one.
      for (; seen < T.length; seen++) {
        const openMs = T.openMs[seen]!;
        const d = cols.deals.src[T.opener[seen]!]!;
        if (openMs >= dayEnd) {
          const span = clock.spanOf(openMs);
          today = { day: span.day, trades: [] };
          dayEnd = span.end;
        }
        const day = today!;
        day.trades.push({ position_id: d.position_id, symbol: d.symbol, openMs });
        busiest = Math.max(busiest, day.trades.length);
        // Counts only grow: a day is over the limit from the opening that first exceeds it.
        if (over[over.length - 1] !== day && exceeds(day.trades.length, limit, rule.comparator)) over.push(day);
      }
    },
    point() {},
    limit: () => null,
    hardBreach: () => rule.severity === 'hard' && over.length > 0,
    result(timeline) {
      const violations = over.map(({ day, trades }): Violation => {
        const excess = trades.slice(allowed);
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
            limit,
            unit: 'trades',
            positions: excess.map((t) => t.position_id),
            deals: excess.flatMap((t) => timeline.positionDeals(t.position_id, t.openMs, t.openMs).slice(0, 1)),
          }),
        };
      });
      return { violations, objectives: [], metrics: { max_daily_trades: busiest, max_daily_trades_limit: rule.count } };
    },
  };
}

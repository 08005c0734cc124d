/**
 * Maximum lots per order (reference/rules.md §2.8, E8: 50 lots on FX and commodities, 100 on
 * indices): the volume of every opening order — the sum of its entry deals (`in`, or the whole
 * `inout` reversal), so an order filled in parts counts whole — must not exceed `lots` plus
 * `tolerance` (lots). Exactly the limit is allowed (`comparator` `gt`); `gte` breaches on reaching
 * it. Closing orders are not judged. `instruments` (substring match, as news
 * windows) limits the rule to some symbols, so FX and index caps can be two rules.
 */
import { z } from 'zod';
import type { Deal } from '../../mt5/history.ts';
import { evidence } from '../evidence.ts';
import { matchesInstrument } from '../instruments.ts';
import { ceilingComparator, exceeds, severity } from '../spec-fields.ts';
import type { Violation } from '../types.ts';
import type { FamilyContext, FamilyResult, RuleFamily } from './family.ts';

const maxLotsPerOrderSchema = z
  .object({
    type: z.literal('max_lots_per_order'),
    lots: z.number().finite().gt(0, 'must be greater than 0').max(1_000_000),
    instruments: z.array(z.string().min(1)).optional(),
    comparator: ceilingComparator,
    /** Lots added to the limit, in the trader's favour. */
    tolerance: z.number().finite().min(0).max(1_000_000).default(0),
    severity,
  })
  .strict();
export type MaxLotsPerOrderRule = z.infer<typeof maxLotsPerOrderSchema>;

/** Lots as integers of 1e-8, so partial fills sum exactly. */
const units = (lots: number) => Math.round(lots * 1e8);

/** An opening order's fills so far (lots as integers of 1e-8, so partial fills sum exactly). */
interface OrderState {
  order: number;
  symbol: string;
  side: string;
  position_id: number;
  volume: number;
  deals: number[];
  lastMs: number;
  /** The deal whose fill took the order over the limit. */
  breach: { ms: number; ticket: number } | null;
}

/** The opening orders' volumes, fill by fill in deal order (the batch pass and the live evaluator). */
export class OrderBook {
  readonly limit: number;
  private readonly orders = new Map<string, OrderState>();
  readonly breached: OrderState[] = [];
  largest = 0;

  constructor(private readonly rule: MaxLotsPerOrderRule) {
    this.limit = units(rule.lots + rule.tolerance);
  }

  /** A trade deal at `ms`: counted when it opens (in or in/out) on an instrument the rule covers. */
  fill(d: Deal, ms: number): void {
    if ((d.entry !== 'in' && d.entry !== 'inout') || !matchesInstrument(d.symbol, this.rule.instruments)) return;
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
    if (!o.breach && exceeds(o.volume, this.limit, this.rule.comparator)) {
      o.breach = { ms, ticket: d.ticket };
      this.breached.push(o);
    }
  }

  result(): FamilyResult {
    const rule = this.rule;
    const violations: Violation[] = this.breached.map((o) => ({
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
        limit: this.limit / 1e8,
        unit: 'lots',
        positions: [o.position_id],
        deals: [...o.deals],
      }),
    }));
    return {
      violations,
      objectives: [],
      metrics: { max_lots_per_order: this.largest / 1e8, max_lots_per_order_limit: rule.lots },
    };
  }
}

function evaluateMaxLotsPerOrder(rule: MaxLotsPerOrderRule, { timeline }: FamilyContext): FamilyResult {
  const book = new OrderBook(rule);
  for (const td of timeline.deals) if (td.isTrade) book.fill(td.deal, td.ms);
  return book.result();
}

export const maxLotsPerOrderFamily: RuleFamily<MaxLotsPerOrderRule> = {
  type: 'max_lots_per_order',
  schema: maxLotsPerOrderSchema as z.ZodType<MaxLotsPerOrderRule>,
  evaluate: evaluateMaxLotsPerOrder,
};

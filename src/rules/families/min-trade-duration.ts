/**
 * Minimum trade duration per position (reference/rules.md §2.8, T15): first entry to last exit,
 * millisecond precision; partial closes count to the last exit, OUT_BY is an exit; open positions
 * are not judged. Under `lt` semantics 240 s exactly is allowed. Aggregations:
 *   any              every short position is a violation (the seed's rule)
 *   share_of_trades  short positions / closed positions > threshold_pct       (E8)
 *   share_of_volume  short lots / all lots > threshold_pct                      (Fintokei)
 *   share_of_profit  profit of short winners / profit of all winners > threshold_pct (FundedNext)
 *   average          average hold time < seconds                                (EquityEdge)
 *   vwht             volume-weighted hold time < seconds                        (Funding Traders)
 */
import { z } from 'zod';
import { formatDuration, fromCents } from '../money.ts';
import { severity } from '../spec-fields.ts';
import type { Trade } from '../timeline.ts';
import type { Violation } from '../types.ts';
import type { FamilyContext, FamilyResult, RuleFamily } from './family.ts';

export const minTradeDurationSchema = z
  .object({
    type: z.literal('min_trade_duration'),
    seconds: z.number().finite().gt(0, 'must be greater than 0').max(86_400),
    aggregation: z.enum(['any', 'share_of_trades', 'share_of_volume', 'share_of_profit', 'average', 'vwht']).default('any'),
    threshold_pct: z.number().finite().min(0).max(100).default(50),
    applies_to: z.enum(['all', 'profitable_only']).default('all'),
    severity,
  })
  .strict();
export type MinTradeDurationRule = z.infer<typeof minTradeDurationSchema>;

const held = (t: Trade) => t.closeMs! - t.openMs;

function tradeEvidence(t: Trade) {
  return { ticket: t.position_id, symbol: t.symbol, side: t.side, open_time: new Date(t.openMs).toISOString(), close_time: new Date(t.closeMs!).toISOString(), duration_seconds: held(t) / 1000, profit: fromCents(t.cents) };
}

export function evaluateMinTradeDuration(rule: MinTradeDurationRule, { tl }: FamilyContext): FamilyResult {
  const minMs = rule.seconds * 1000;
  const closed = tl.trades.filter((t) => t.closeMs !== null && (rule.applies_to === 'all' || t.cents > 0));
  const short = closed.filter((t) => held(t) < minMs);
  const metrics = { trades_under_4min: short.length, min_trade_duration_seconds: rule.seconds };
  const violations: Violation[] = [];
  const base = { rule: 'minimum_trade_duration', severity: rule.severity, min_seconds: rule.seconds, aggregation: rule.aggregation };

  if (rule.aggregation === 'any') {
    for (const t of short) {
      violations.push({ ...base, description: `Position held for ${formatDuration(held(t))} (minimum: ${formatDuration(minMs)})`, ...tradeEvidence(t), timestamp: new Date(t.closeMs!).toISOString() });
    }
    return { violations, objectives: [], metrics };
  }

  const sum = (ts: Trade[], f: (t: Trade) => number) => ts.reduce((s, t) => s + f(t), 0);
  let value: number;
  let breached: boolean;
  let what: string;
  switch (rule.aggregation) {
    case 'share_of_trades':
      value = closed.length ? (short.length / closed.length) * 100 : 0;
      breached = value > rule.threshold_pct;
      what = `${value.toFixed(2)}% of trades were held under ${formatDuration(minMs)} (max: ${rule.threshold_pct}%)`;
      break;
    case 'share_of_volume':
      value = sum(closed, (t) => t.volume) ? (sum(short, (t) => t.volume) / sum(closed, (t) => t.volume)) * 100 : 0;
      breached = value > rule.threshold_pct;
      what = `${value.toFixed(2)}% of traded volume was held under ${formatDuration(minMs)} (max: ${rule.threshold_pct}%)`;
      break;
    case 'share_of_profit': {
      const winners = closed.filter((t) => t.cents > 0);
      const all = sum(winners, (t) => t.cents);
      value = all > 0 ? (sum(winners.filter((t) => held(t) < minMs), (t) => t.cents) / all) * 100 : 0;
      breached = value > rule.threshold_pct;
      what = `${value.toFixed(2)}% of profit came from trades held under ${formatDuration(minMs)} (max: ${rule.threshold_pct}%)`;
      break;
    }
    case 'average':
      value = closed.length ? sum(closed, held) / closed.length / 1000 : Infinity;
      breached = closed.length > 0 && value * 1000 < minMs;
      what = `Average hold time ${formatDuration(value * 1000)} (minimum: ${formatDuration(minMs)})`;
      break;
    case 'vwht': {
      const lots = sum(closed, (t) => t.volume);
      value = lots > 0 ? sum(closed, (t) => held(t) * t.volume) / lots / 1000 : Infinity;
      breached = lots > 0 && value * 1000 < minMs;
      what = `Volume-weighted hold time ${formatDuration(value * 1000)} (minimum: ${formatDuration(minMs)})`;
      break;
    }
  }
  if (breached) {
    const last = closed.reduce((m, t) => Math.max(m, t.closeMs!), 0);
    violations.push({ ...base, description: what, value: Number(value.toFixed(3)), threshold_pct: rule.threshold_pct, timestamp: new Date(last).toISOString(), positions: short.map((t) => t.position_id) });
  }
  return { violations, objectives: [], metrics };
}

export const minTradeDurationFamily: RuleFamily<MinTradeDurationRule> = { type: 'min_trade_duration', schema: minTradeDurationSchema as z.ZodType<MinTradeDurationRule>, evaluate: evaluateMinTradeDuration };

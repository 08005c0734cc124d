/**
 * Maximum risk per trade (reference/rules.md §2.8: The5ers Bootcamp ≤ 2 %, FundedNext flagged
 * traders ≤ 1 %): the loss a position's stop loss allows, |open price − SL| × volume × contract
 * size, must not exceed `pct` of the initial capital plus `tolerance` (account currency). Exactly
 * the limit is allowed under `comparator` `gt`, a breach under `gte`. Open price is the
 * volume-weighted entry and volume the largest open volume; the SL is the one on the entry deal.
 * Needs the contract size from `history.symbols`: without it nothing is judged and the metric
 * `risk_per_trade_data` says 'unavailable'. Positions without an SL (see stop_loss_required), on
 * symbols without a specification, or whose profit currency differs from the account currency
 * (no conversion rate is known) are skipped and counted in metrics.
 */
import { z } from 'zod';
import type { SymbolSpec } from '../../mt5/history.ts';
import { evidence } from '../evidence.ts';
import { formatMoney, fromCents, pct2, toCents } from '../money.ts';
import { ceilingComparator, exceeds, pct, severity, tolerance } from '../spec-fields.ts';
import type { Timeline, Trade } from '../timeline.ts';
import type { Violation } from '../types.ts';
import type { FamilyContext, FamilyResult, RuleFamily } from './family.ts';

const maxRiskPerTradeSchema = z
  .object({
    type: z.literal('max_risk_per_trade_pct'),
    pct,
    comparator: ceilingComparator,
    tolerance,
    severity,
  })
  .strict();
export type MaxRiskPerTradeRule = z.infer<typeof maxRiskPerTradeSchema>;

/** What one position risks: its cents, or why it is not judged. */
export type TradeRisk = { risk: number; spec: SymbolSpec } | 'no_sl' | 'no_spec';

/** The risk of a position (final once it is closed: its entry price and largest volume are). */
export function tradeRisk(t: Trade, symbols: Record<string, SymbolSpec>, currency: string | undefined): TradeRisk {
  if (t.sl === null || t.sl === 0) return 'no_sl';
  const spec = symbols[t.symbol];
  if (
    !spec ||
    !(spec.contract_size > 0) ||
    (currency && spec.profit_currency && spec.profit_currency.toUpperCase() !== currency)
  )
    return 'no_spec';
  return { risk: Math.round(Math.abs(t.openPrice - t.sl) * t.volume * spec.contract_size * 100), spec };
}

/** The limit in cents: `pct` of the initial capital plus the tolerance. */
export const riskLimit = (rule: MaxRiskPerTradeRule, initialCapitalCents: number) =>
  Math.round((initialCapitalCents * rule.pct) / 100) + toCents(rule.tolerance);

/** A position over the limit, as a violation. */
export function riskViolation(
  rule: MaxRiskPerTradeRule,
  timeline: Timeline,
  t: Trade,
  spec: SymbolSpec,
  risk: number,
): Violation {
  const limit = riskLimit(rule, timeline.initialCapitalCents);
  const riskPct = pct2((risk / timeline.initialCapitalCents) * 100);
  return {
    rule: 'max_risk_per_trade_pct',
    description: `Position ${t.position_id} (${t.symbol}) risked ${formatMoney(risk)} = ${riskPct}% of the initial capital (max: ${rule.pct}%)`,
    severity: rule.severity,
    timestamp: new Date(t.openMs).toISOString(),
    ticket: t.position_id,
    position_id: t.position_id,
    symbol: t.symbol,
    side: t.side,
    volume: t.volume,
    open_price: t.openPrice,
    sl: t.sl,
    contract_size: spec.contract_size,
    risk: fromCents(risk),
    risk_percent: riskPct,
    max_risk: fromCents(limit),
    max_allowed_percent: rule.pct,
    comparator: rule.comparator,
    tolerance: rule.tolerance,
    ...evidence({
      firstMs: t.openMs,
      worstValue: fromCents(risk),
      worstMs: t.openMs,
      limit: fromCents(limit),
      unit: 'money',
      positions: [t.position_id],
      deals: timeline.positionDeals(t.position_id, t.openMs, t.openMs),
    }),
  };
}

/** The metrics of a judged history. */
export const riskMetrics = (worst: number, initialCapitalCents: number, withoutSl: number, skipped: Set<string>) => ({
  risk_per_trade_data: 'available',
  max_risk_per_trade_percent: pct2((worst / initialCapitalCents) * 100),
  risk_unknown_positions: withoutSl,
  risk_skipped_symbols: [...skipped].sort(),
});

export const RISK_UNAVAILABLE: FamilyResult = {
  violations: [],
  objectives: [],
  metrics: { risk_per_trade_data: 'unavailable' },
};

function evaluateMaxRiskPerTrade(rule: MaxRiskPerTradeRule, { timeline }: FamilyContext): FamilyResult {
  const symbols = timeline.symbols;
  if (!symbols) return { ...RISK_UNAVAILABLE, metrics: { ...RISK_UNAVAILABLE.metrics } };
  const limit = riskLimit(rule, timeline.initialCapitalCents);
  const currency = timeline.account?.currency?.toUpperCase();
  const violations: Violation[] = [];
  const skippedSymbols = new Set<string>();
  let withoutSl = 0;
  let worst = 0;
  for (const t of timeline.trades) {
    const r = tradeRisk(t, symbols, currency);
    if (r === 'no_sl') withoutSl++;
    else if (r === 'no_spec') skippedSymbols.add(t.symbol);
    else {
      worst = Math.max(worst, r.risk);
      if (exceeds(r.risk, limit, rule.comparator)) violations.push(riskViolation(rule, timeline, t, r.spec, r.risk));
    }
  }
  return {
    violations,
    objectives: [],
    metrics: riskMetrics(worst, timeline.initialCapitalCents, withoutSl, skippedSymbols),
  };
}

export const maxRiskPerTradeFamily: RuleFamily<MaxRiskPerTradeRule> = {
  type: 'max_risk_per_trade_pct',
  schema: maxRiskPerTradeSchema as z.ZodType<MaxRiskPerTradeRule>,
  evaluate: evaluateMaxRiskPerTrade,
};

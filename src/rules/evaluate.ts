/**
 * Evaluating an account history against a rule set: every family's result merged into the
 * guide's metrics, violations in time order, objectives, statistics and the verdict.
 */
import type { AccountHistory } from '../mt5/history.ts';
import { type ColumnArena, withArena } from './arena.ts';
import { type DayBasis, ruleSetDay } from './day-basis.ts';
import { tradingDays } from './day-figures.ts';
import { type DecodedHistory, decodeHistory } from './decode.ts';
import type { FamilyContext, FamilyResult, LimitState, NewsEvent } from './families/family.ts';
import { inputsHash } from './hash.ts';
import { fromCents, pct2 } from './money.ts';
import { evaluateFamily, type RuleSpec } from './registry.ts';
import { type Statistics, statistics } from './statistics.ts';
import type { Timeline } from './timeline.ts';
import { buildTimeline, timelineOf } from './timeline-pass.ts';
import type { Evaluation, Metrics } from './types.ts';

export interface EvaluateOptions {
  /** The challenge's initial capital; defaults to the history's balance before its first deal. */
  initialBalance?: number;
  /** Other accounts of the same trader, for cross-account rules. */
  otherAccounts?: AccountHistory[];
  /** News releases for news_window rules. */
  calendar?: NewsEvent[];
  /** Fingerprint the inputs (default true; benchmarks of the engine alone turn it off). */
  hash?: boolean;
  /**
   * The day that dailyGrowth, best/worst day and trading days are split on, when the caller knows
   * the firm's configured day; by default the rule set's own (ruleSetDay: its daily-loss reset).
   */
  day?: { tz: string; time: string };
}

export function evaluate(history: AccountHistory, rules: RuleSpec[], opts: EvaluateOptions = {}): Evaluation {
  return evaluateWithLimits(history, rules, opts).evaluation;
}

/** The evaluation, and where each loss limit stands at the history's last point (live monitoring). */
export function evaluateWithLimits(
  history: AccountHistory,
  rules: RuleSpec[],
  opts: EvaluateOptions = {},
): { evaluation: Evaluation; limits: LimitState[] } {
  // The timelines live in a borrowed arena: nothing returned may refer to their columns.
  return withArena((arena) => {
    const decoded = decodeHistory(history, arena);
    return evaluateTimeline(arena, decoded, timelineOf(decoded, opts.initialBalance, arena), rules, opts);
  });
}

/**
 * evaluate(), with `inspect` given the decoded history first (its columns live in the same borrowed
 * arena, so `inspect` must keep nothing of them): a verdict checks the history's consistency on the
 * columns the evaluation reads, reading its times once. What `inspect` throws ends the evaluation.
 */
export function evaluateInspected(
  history: AccountHistory,
  rules: RuleSpec[],
  opts: EvaluateOptions,
  inspect: (decoded: DecodedHistory) => void,
): Evaluation {
  return withArena((arena) => {
    const decoded = decodeHistory(history, arena);
    inspect(decoded);
    return evaluateTimeline(arena, decoded, timelineOf(decoded, opts.initialBalance, arena), rules, opts).evaluation;
  });
}

/** The same evaluation of a history decoded once (decode.ts), e.g. against several rule sets. */
export function evaluateDecoded(decoded: DecodedHistory, rules: RuleSpec[], opts: EvaluateOptions = {}): Evaluation {
  return withArena(
    (arena) =>
      evaluateTimeline(arena, decoded, timelineOf(decoded, opts.initialBalance, arena), rules, opts).evaluation,
  );
}

function evaluateTimeline(
  arena: ColumnArena,
  decoded: DecodedHistory,
  timeline: Timeline,
  rules: RuleSpec[],
  opts: EvaluateOptions,
): { evaluation: Evaluation; limits: LimitState[] } {
  const others = (opts.otherAccounts ?? []).map((h) => buildTimeline(h, undefined, arena));
  const ctx = familyContext(timeline, others, opts);
  const out = assembleEvaluation(
    timeline,
    rules,
    opts,
    rules.map((r) => evaluateFamily(r, ctx)),
  );
  if (opts.hash !== false)
    out.evaluation.inputs_hash = inputsHash(decoded, rules, {
      initial_balance: opts.initialBalance ?? null,
      calendar: opts.calendar ?? null,
    });
  return out;
}

/** What every family reads: the timeline, the other accounts, the calendar, the evaluation instant. */
export function familyContext(timeline: Timeline, others: Timeline[], opts: EvaluateOptions): FamilyContext {
  return { timeline, others, calendar: opts.calendar ?? [], atMs: evaluationInstant(timeline) };
}

/** The evaluation instant: the last deal's or equity point's time. */
export function evaluationInstant(timeline: Pick<Timeline, 'dealColumns' | 'pointColumns'>): number {
  // The columns, not timeline.deals: materializing objects for one number cost millions of allocations.
  const deals = timeline.dealColumns;
  const points = timeline.pointColumns;
  return Math.max(
    deals.length > 0 ? deals.ms[deals.length - 1]! : 0,
    points.length > 0 ? points.ms[points.length - 1]! : 0,
  );
}

/**
 * The evaluation from each rule's family result (in rule order): metrics, violations in time order,
 * objectives, statistics and the verdict; inputs_hash null. The live evaluator hands in results it
 * kept up to date itself.
 */
export function assembleEvaluation(
  timeline: Timeline,
  rules: RuleSpec[],
  opts: EvaluateOptions,
  results: FamilyResult[],
  figures: Figures = batchFigures(timeline),
): { evaluation: Evaluation; limits: LimitState[] } {
  const deals = timeline.dealColumns;
  const violations = results
    .flatMap((r) => r.violations)
    .sort((a, b) => String(a.timestamp ?? '').localeCompare(String(b.timestamp ?? '')));
  const objectives = results.flatMap((r) => r.objectives);
  const extra = Object.assign({}, ...results.map((r) => r.metrics)) as Record<string, unknown>;
  const day: DayBasis = opts.day ? { ...opts.day, from: 'configured' } : ruleSetDay(rules);
  const stats = figures.statistics(day.tz, day.time);
  const profit = timeline.finalBalance - (timeline.initialCapitalCents + timeline.finalAdjustments);

  const metrics: Metrics = {
    initial_balance: fromCents(timeline.initialCapitalCents),
    current_balance: fromCents(timeline.finalBalance),
    current_equity: fromCents(timeline.finalEquity),
    profit_percent: pct2((profit / timeline.initialCapitalCents) * 100),
    profit_target_percent: (extra.profit_target_percent as number | undefined) ?? null,
    profit_target_met: (extra.profit_target_met as boolean | undefined) ?? false,
    max_drawdown_percent: (extra.max_drawdown_percent as number | undefined) ?? figures.maxDrawdownPercent(),
    max_drawdown_limit: (extra.max_drawdown_limit as number | undefined) ?? null,
    total_trades: stats.trades,
    trades_under_4min: (extra.trades_under_4min as number | undefined) ?? 0,
    ...extra,
    profit: fromCents(profit),
    floating_pnl: fromCents(timeline.finalEquity - timeline.finalBalance),
    deposits_withdrawals: fromCents(timeline.finalAdjustments),
    total_deals: deals.length,
    open_positions: timeline.openPositions,
    trading_days: (extra.trading_days as number | undefined) ?? figures.tradingDays(day.tz, day.time),
    /** The day the day-split figures (trading_days, statistics.dailyGrowth, bestDay, worstDay) use. */
    day_basis: day,
  };

  // Only a hard breach disqualifies; soft pauses and warnings are reported alongside.
  const breached = violations.some((v) => v.severity === 'hard' && v.certainty !== 'possible');
  const allMet = objectives.every((o) => o.met);
  const outcome = breached ? 'breached' : allMet ? 'passed' : 'objectives_not_met';
  const evaluation: Evaluation = {
    status: outcome === 'passed' ? 'passed' : 'failed',
    outcome,
    metrics,
    violations,
    objectives,
    equity_source: timeline.equitySource,
    confidence: timeline.equitySource === 'observed' ? 'high' : timeline.equitySource === 'm1_bound' ? 'medium' : 'low',
    statistics: stats,
    inputs_hash: null,
  };
  return { evaluation, limits: results.flatMap((r) => (r.limit ? [r.limit] : [])) };
}

/**
 * The metrics of a check that has no evaluation (a job `error`, or one not finished): the keys an
 * evaluation of these rules answers, every value null but the initial balance the firm gave.
 * Receivers that read `metrics` unconditionally (the integration guide's) find the same shape as
 * on a verdict, and nothing in it that could be mistaken for a measurement.
 */
export function metricsWithoutEvaluation(rules: RuleSpec[], initialBalance: number): Record<string, unknown> {
  let keys: string[];
  try {
    const nothing: AccountHistory = {
      account: {
        login: '',
        server: '',
        currency: '',
        initial_balance: initialBalance,
        server_utc_offset_minutes: 0,
        margin_mode: 'hedging',
      },
      deals: [],
      positions: [],
    };
    keys = Object.keys(evaluate(nothing, rules, { initialBalance, hash: false }).metrics);
  } catch {
    // An error result must be built whatever went wrong: the guide's keys at least.
    keys = GUIDE_METRIC_KEYS;
  }
  return Object.fromEntries(keys.map((k) => [k, k === 'initial_balance' ? initialBalance : null]));
}

/** The metrics of the integration guide's "Response Format". */
const GUIDE_METRIC_KEYS = [
  'initial_balance',
  'current_balance',
  'current_equity',
  'profit_percent',
  'profit_target_percent',
  'profit_target_met',
  'max_drawdown_percent',
  'max_drawdown_limit',
  'total_trades',
  'trades_under_4min',
];

/** The figures an evaluation adds to the families' results (the live evaluator keeps its own up to date). */
export interface Figures {
  statistics(tz: string, time: string): Statistics;
  /** How many trading days (a position opened) in that day. */
  tradingDays(tz: string, time: string): number;
  /** Static drawdown from the initial capital, for rule sets without max_loss. */
  maxDrawdownPercent(): number;
}

function batchFigures(timeline: Timeline): Figures {
  return {
    statistics: (tz, time) => statistics(timeline, tz, time),
    tradingDays: (tz, time) => tradingDays(timeline, tz, time).length,
    maxDrawdownPercent: () => maxDrawdownPercent(timeline),
  };
}

/** Static drawdown from the initial capital when no max_loss rule is configured. */
function maxDrawdownPercent(timeline: Timeline): number {
  let worst = 0;
  const P = timeline.pointColumns;
  for (let i = 0; i < P.length; i++)
    worst = Math.max(worst, timeline.initialCapitalCents + P.adjustments[i]! - P.equity[i]!);
  return pct2((worst / timeline.initialCapitalCents) * 100);
}

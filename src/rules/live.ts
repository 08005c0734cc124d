/**
 * A live account's evaluation: a history that grows by observations (the deals booked since the last
 * one, an equity reading, the positions open now) and, after each, exactly the evaluation `evaluate`
 * gives for the history so far, plus where each loss limit stands (the room an alert measures).
 *
 * The timeline grows in place (live/columns.ts: balance, positions, equity points appended per deal
 * and reading), and the loss limits keep their state point by point (live/max-loss.ts,
 * live/daily-loss.ts), so apply, limits and breached cost what the observation holds. The other
 * families are evaluated by their batch evaluators on the live timeline when their answer is asked
 * for. A deal or reading that arrives out of the batch pass's order, and the first equity reading
 * (which turns deal-instant points into reading points), rebuild the live state from the history once;
 * without readings, M1 bars make the batch engine evaluate the history (the bound covers it all).
 */
import type { AccountHistory, Deal, EquitySnapshot, OpenPosition } from '../mt5/history.ts';
import { ruleSetDay } from './day-basis.ts';
import { assembleEvaluation, type EvaluateOptions, evaluateWithLimits, familyContext } from './evaluate.ts';
import type { FamilyContext, LimitState } from './families/family.ts';
import { LiveColumns } from './live/columns.ts';
import { liveDailyLoss } from './live/daily-loss.ts';
import { liveBestDay, liveMinProfitableDays, liveMinTradingDays } from './live/day-objectives.ts';
import { liveMaxDailyTrades, liveMaxLotsPerOrder, liveMaxOpenPositions } from './live/deal-limits.ts';
import type { LiveFamily } from './live/family.ts';
import { LiveFigures } from './live/figures.ts';
import { liveMaxLoss } from './live/max-loss.ts';
import { fromCents, pct2, toCents } from './money.ts';
import { evaluateFamily, type RuleSpec } from './registry.ts';
import { parseUtcMs } from './time.ts';
import { buildTimeline } from './timeline-pass.ts';
import type { Evaluation } from './types.ts';

/** One observation of a live account. */
export interface Observation {
  /** Deals booked since the previous observation, oldest first. */
  deals: Deal[];
  /** One equity reading (its time is the observation's). */
  equity: EquitySnapshot | null;
  /** The reading's time in ms, when the caller has it (saves parsing it again). */
  equityMs?: number;
  /** The positions open now, when the source read them. */
  positions: OpenPosition[] | null;
}

/** How much of a loss limit's room is used now (for alerts at 50/80/95 %). */
interface LimitRoom {
  /** The violation's rule name as a check reports it: 'maximum_drawdown' | 'maximum_daily_loss'. */
  rule: string;
  /** The floor the measured figure may not reach, in account money. */
  floor: number;
  /** The room from the limit's anchor (initial capital, peak, day start) to the floor, in money. */
  allowed: number;
  /** (anchor − value) / allowed × 100, never below 0; 100 or more is at or past the floor. */
  used_percent: number;
  /** The trading day (YYYY-MM-DD in the rule's reset zone) for a daily limit, else null. */
  day: string | null;
}

export interface LiveEvaluator {
  apply(o: Observation): void;
  /** What `evaluate(historySoFar, rules, opts)` returns for everything applied so far (inputs_hash null). */
  evaluation(): Evaluation;
  /** Room used per loss limit at the last observation. */
  limits(): LimitRoom[];
  /** Whether a hard rule is broken: evaluation().outcome === 'breached'. */
  breached(): boolean;
}

function roomOf(s: LimitState): LimitRoom {
  const allowed = s.anchor - s.floor;
  const used = allowed > 0 ? ((s.anchor - s.value) / allowed) * 100 : s.value <= s.floor ? 100 : 0;
  return {
    rule: s.rule,
    floor: fromCents(s.floor),
    allowed: fromCents(allowed),
    used_percent: Math.max(0, pct2(used)),
    day: s.day,
  };
}

/** Families whose result moves with the evaluation instant (open positions held until now). */
const AT_MS_FAMILIES = new Set(['cross_account_hedging', 'inactivity', 'stop_loss_required', 'weekend_flat']);

/** The incremental families; every other family is evaluated by its batch evaluator on the live timeline. */
function liveFamily(rule: RuleSpec, cols: LiveColumns, figures: LiveFigures, ic: number): LiveFamily | null {
  if (rule.type === 'max_loss') return liveMaxLoss(rule, cols, ic);
  if (rule.type === 'daily_loss') return liveDailyLoss(rule, cols, ic);
  if (rule.type === 'min_trading_days') return liveMinTradingDays(rule, figures);
  if (rule.type === 'best_day') return liveBestDay(rule, figures, ic);
  if (rule.type === 'min_profitable_days') return liveMinProfitableDays(rule, figures, ic);
  if (rule.type === 'max_open_positions') return liveMaxOpenPositions(rule, cols);
  if (rule.type === 'max_lots_per_order') return liveMaxLotsPerOrder(rule, cols);
  if (rule.type === 'max_daily_trades') return liveMaxDailyTrades(rule, cols);
  return null;
}

/** Starts from a history (possibly without deals) and grows it by observations. */
export function createLiveEvaluator(
  seed: AccountHistory,
  rules: RuleSpec[],
  opts: EvaluateOptions = {},
): LiveEvaluator {
  // The readings are kept in the columns only (a reading object each would hold most of the memory).
  const history: AccountHistory = {
    ...seed,
    deals: [...seed.deals],
    equity: [],
    positions: [...(seed.positions ?? [])],
  };
  const options: EvaluateOptions = { ...opts, hash: false };
  const ic = toCents(opts.initialBalance ?? seed.account.initial_balance);
  const startBalance = toCents(seed.account.initial_balance);
  // Without equity readings, M1 bars add bound points over the whole history (m1-bound.ts): batch.
  const bounded = () => cols.snapshots === 0 && !!history.bars && !!history.symbols;
  const others = (opts.otherAccounts ?? []).map((h) => buildTimeline(h));
  let cols: LiveColumns;
  let families: (LiveFamily | null)[];
  let figures: LiveFigures;
  const day = opts.day ?? ruleSetDay(rules);
  let fed = 0;
  /** Non-incremental hard families' breach, by rule index, with the state it was computed for. */
  const hardCache = new Map<number, { key: string; hard: boolean }>();
  let batch: { evaluation: Evaluation; limits: LimitRoom[] } | null = null;
  let assembled: Evaluation | null = null;

  const feed = () => {
    const n = cols.points.length;
    for (; fed < n; fed++) {
      figures.point(fed);
      for (const f of families) f?.point(fed);
    }
  };
  /** Builds the live state from the deals and `readings`, in the batch pass's merge order. */
  const rebuild = (readings: { ms: number; equity: number }[]) => {
    const deals = sortedDeals(history.deals);
    const snaps = readings.map((r, i) => ({ ...r, i })).sort((a, b) => a.ms - b.ms || a.i - b.i);
    cols = new LiveColumns(startBalance, snaps.length > 0);
    figures = new LiveFigures(cols, ic, day);
    families = rules.map((r) => liveFamily(r, cols, figures, ic));
    fed = 0;
    let si = 0;
    for (const d of deals) {
      const ms = parseUtcMs(d.time);
      for (; si < snaps.length && snaps[si]!.ms < ms; si++) cols.addSnapshot(snaps[si]!.ms, snaps[si]!.equity);
      addDeal(d);
    }
    for (; si < snaps.length; si++) cols.addSnapshot(snaps[si]!.ms, snaps[si]!.equity);
    feed();
  };
  const addDeal = (d: Deal) => {
    cols.addDeal(d);
    const i = cols.deals.length - 1;
    figures.deal(i);
    for (const f of families) f?.deal?.(i);
  };
  rebuild((seed.equity ?? []).map((e) => ({ ms: parseUtcMs(e.time), equity: toCents(e.equity) })));

  const timeline = () => cols.timeline(history, ic);
  const current = () => {
    batch ??= (() => {
      const r = evaluateWithLimits(history, rules, options);
      return { evaluation: r.evaluation, limits: r.limits.map(roomOf) };
    })();
    return batch;
  };
  const evaluation = (): Evaluation => {
    if (bounded()) return current().evaluation;
    if (!assembled) {
      const t = timeline();
      const ctx = familyContext(t, others, options);
      const results = rules.map((r, i) => families[i]?.result(t) ?? evaluateFamily(r, ctx));
      assembled = assembleEvaluation(t, rules, options, results, figures.figures(t)).evaluation;
    }
    return assembled;
  };

  return {
    apply(o) {
      let inOrder = true;
      for (const d of o.deals) {
        history.deals.push(d);
        if (inOrder && cols.dealInOrder(parseUtcMs(d.time), d.ticket)) addDeal(d);
        else inOrder = false;
      }
      let reading: { ms: number; equity: number } | null = null;
      if (o.equity) {
        reading = { ms: o.equityMs ?? parseUtcMs(o.equity.time), equity: toCents(o.equity.equity) };
        // The first reading turns deal-instant points into reading points: the stream is rebuilt once.
        if (inOrder && cols.observed && cols.snapshotInOrder(reading.ms)) {
          cols.addSnapshot(reading.ms, reading.equity);
          reading = null;
        } else inOrder = false;
      }
      if (o.positions) history.positions = o.positions;
      if (inOrder) feed();
      else rebuild(reading ? [...cols.readings(), reading] : cols.readings());
      batch = null;
      assembled = null;
    },
    evaluation,
    limits() {
      if (bounded()) return current().limits;
      const out: LimitRoom[] = [];
      for (const f of families) {
        const s = f?.limit();
        if (s) out.push(roomOf(s));
      }
      return out;
    },
    breached() {
      if (bounded()) return current().evaluation.outcome === 'breached';
      if (families.some((f) => f?.hardBreach())) return true;
      // Families without incremental state: their batch evaluator on the live timeline, again only
      // once what it reads has changed (the deals, and the evaluation instant for those that read it).
      const lastMs = Math.max(cols.lastDealMs, cols.points.length > 0 ? cols.points.ms[cols.points.length - 1]! : 0);
      let ctx: FamilyContext | null = null;
      return rules.some((r, i) => {
        if (families[i] || !('severity' in r) || r.severity !== 'hard') return false;
        const key = AT_MS_FAMILIES.has(r.type) ? `${cols.deals.length}@${lastMs}` : `${cols.deals.length}`;
        const hit = hardCache.get(i);
        if (hit?.key === key) return hit.hard;
        ctx ??= familyContext(timeline(), others, options);
        const hard = evaluateFamily(r, ctx).violations.some((v) => v.severity === 'hard' && v.certainty !== 'possible');
        hardCache.set(i, { key, hard });
        return hard;
      });
    },
  };
}

/** Deals in MT5 order (time, then ticket; stable), as decode.ts orders them. */
function sortedDeals(deals: readonly Deal[]): Deal[] {
  const ms = deals.map((d) => parseUtcMs(d.time));
  return Array.from(deals.keys())
    .sort((a, b) => ms[a]! - ms[b]! || deals[a]!.ticket - deals[b]!.ticket || a - b)
    .map((i) => deals[i]!);
}

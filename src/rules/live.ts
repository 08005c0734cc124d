/**
 * A live account's evaluation: a history that grows by observations (the deals booked since the last
 * one, an equity reading, the positions open now) and, after each, exactly the evaluation `evaluate`
 * gives for the history so far, plus where each loss limit stands (the room an alert measures).
 *
 * This evaluator keeps the history and evaluates it in one batch pass when asked, at most once per
 * observation, so it is the batch engine's answer by construction; its cost grows with the history.
 */
import type { AccountHistory, Deal, EquitySnapshot, OpenPosition } from '../mt5/history.ts';
import { type EvaluateOptions, evaluateWithLimits } from './evaluate.ts';
import type { LimitState } from './families/family.ts';
import { fromCents, pct2 } from './money.ts';
import type { RuleSpec } from './registry.ts';
import type { Evaluation } from './types.ts';

/** One observation of a live account. */
export interface Observation {
  /** Deals booked since the previous observation, oldest first. */
  deals: Deal[];
  /** One equity reading (its time is the observation's). */
  equity: EquitySnapshot | null;
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

/** Starts from a history (possibly without deals) and grows it by observations. */
export function createLiveEvaluator(
  seed: AccountHistory,
  rules: RuleSpec[],
  opts: EvaluateOptions = {},
): LiveEvaluator {
  const history: AccountHistory = {
    ...seed,
    deals: [...seed.deals],
    equity: [...(seed.equity ?? [])],
    positions: [...(seed.positions ?? [])],
  };
  const options: EvaluateOptions = { ...opts, hash: false };
  let result: { evaluation: Evaluation; limits: LimitRoom[] } | null = null;
  const current = () => {
    if (!result) {
      const r = evaluateWithLimits(history, rules, options);
      result = { evaluation: r.evaluation, limits: r.limits.map(roomOf) };
    }
    return result;
  };
  return {
    apply(o) {
      if (o.deals.length > 0) history.deals.push(...o.deals);
      if (o.equity) history.equity!.push(o.equity);
      if (o.positions) history.positions = o.positions;
      result = null;
    },
    evaluation: () => current().evaluation,
    limits: () => current().limits,
    breached: () => current().evaluation.outcome === 'breached',
  };
}

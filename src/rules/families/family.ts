/** The contract every rule family implements: a Zod schema for its spec and a pure evaluator. */
import type { z } from 'zod';
import type { Timeline } from '../timeline.ts';
import type { Objective, Violation } from '../types.ts';

/** What one rule family contributes to an evaluation. */
export interface FamilyResult {
  violations: Violation[];
  objectives: Objective[];
  metrics: Record<string, unknown>;
  /** A loss limit's state at the history's last point (live monitoring reads the room left). */
  limit?: LimitState;
}

/** Where a loss limit stands at the last point, in cents (deposits and withdrawals included). */
export interface LimitState {
  /** The violation's rule name: 'maximum_drawdown' | 'maximum_daily_loss'. */
  rule: string;
  /** The reference the loss is measured from: the initial capital, the trailing peak, the day's anchor. */
  anchor: number;
  /** The value the measured figure may not reach. */
  floor: number;
  /** The measured figure now (equity, or the balance for a balance-measured maximum loss). */
  value: number;
  /** The trading day in the rule's reset zone, for a daily limit; else null. */
  day: string | null;
}

/** A scheduled news release for `news_window` (supplied with the evaluation). */
export interface NewsEvent {
  time: string;
  /** Currencies or symbols it moves, e.g. ["USD"] or ["EURUSD"]; empty = all. */
  instruments?: string[];
  title?: string;
}

export interface FamilyContext {
  timeline: Timeline;
  /** Other accounts of the same trader (cross-account rules). */
  others: Timeline[];
  calendar: NewsEvent[];
  /** Evaluation instant (epoch ms): the end of the history unless `--at` says otherwise. */
  atMs: number;
}

export interface RuleFamily<S extends { type: string }> {
  type: S['type'];
  schema: z.ZodType<S>;
  evaluate(rule: S, ctx: FamilyContext): FamilyResult;
}

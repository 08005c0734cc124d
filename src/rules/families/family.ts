/** The contract every rule family implements: a Zod schema for its spec and a pure evaluator. */
import type { z } from 'zod';
import type { Timeline } from '../timeline.ts';
import type { Objective, Violation } from '../types.ts';

/** What one rule family contributes to an evaluation. */
export interface FamilyResult {
  violations: Violation[];
  objectives: Objective[];
  metrics: Record<string, unknown>;
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

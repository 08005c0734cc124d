/** Runs one rule family on small histories (rule-family unit tests). */
import type { AccountHistory } from '../../src/mt5/history.ts';
import type { FamilyContext, FamilyResult, NewsEvent } from '../../src/rules/families/family.ts';
import { evaluateFamily, parseRule } from '../../src/rules/registry.ts';
import { buildTimeline } from '../../src/rules/timeline-pass.ts';

export interface RunOptions {
  /** Evaluation instant (ISO); defaults to the last deal. */
  at?: string;
  calendar?: NewsEvent[];
  others?: AccountHistory[];
  initialBalance?: number;
}

/** Parses `spec` (defaults filled) and evaluates it alone on `h`. */
export function runFamily(h: AccountHistory, spec: Record<string, unknown>, opts: RunOptions = {}): FamilyResult {
  const timeline = buildTimeline(h, opts.initialBalance);
  const ctx: FamilyContext = {
    timeline,
    others: (opts.others ?? []).map((o) => buildTimeline(o)),
    calendar: opts.calendar ?? [],
    atMs: opts.at
      ? Date.parse(opts.at)
      : timeline.dealColumns.length > 0
        ? timeline.dealColumns.ms[timeline.dealColumns.length - 1]!
        : 0,
  };
  return evaluateFamily(parseRule(spec), ctx);
}

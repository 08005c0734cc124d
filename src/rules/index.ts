/**
 * The rule engine: pure functions (no I/O, no clock) from an account history and a rule set to
 * metrics, violations and objectives. Adding a rule family = one file in families/ + one entry
 * in registry.ts.
 */

export { DEFAULT_DAY_BASIS } from './day-basis.ts';
export { decodeHistory } from './decode.ts';
export { evaluate, evaluateDecoded, evaluateInspected, metricsWithoutEvaluation } from './evaluate.ts';
export type { RuleSpec } from './registry.ts';
export type { Evaluation } from './types.ts';

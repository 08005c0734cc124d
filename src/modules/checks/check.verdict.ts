/**
 * The CPU-bound step of a check, once its history is read: check the history against the account's
 * own figures, evaluate the job's rules and build the result the webhook carries. Pure; run on a
 * worker thread by check.verdict.pool.ts, or in the calling thread.
 */
import { assertConsistent } from '../../mt5/consistency.ts';
import type { AccountHistory } from '../../mt5/history.ts';
import { evaluateInspected } from '../../rules/index.ts';
import { resolveRuleSet } from '../../rules/ruleset.ts';
import type { CheckJobRow } from './check.table.ts';
import { buildResult } from './check.ts';

export interface Verdict {
  status: string;
  /** The result as the exact JSON text stored and sent. */
  payload: string;
}

/**
 * Throws ConnectorError('bad_data') when the history disagrees with the account's own figures (its
 * balance readings, its open positions): whatever its source, such a history gets no verdict.
 */
export function judgeHistory(history: AccountHistory, job: CheckJobRow, at: number, source: string): Verdict {
  // Jobs store the resolved specs; rows from before the list form hold a flat object.
  const rules = resolveRuleSet(JSON.parse(job.rules));
  // Consistency is checked on the decoded history the rules then read: its times parsed once.
  const evaluation = evaluateInspected(history, rules, { initialBalance: job.initial_balance }, (decoded) =>
    assertConsistent(history, {}, { source, ordered: decoded }),
  );
  return { status: evaluation.status, payload: JSON.stringify(buildResult(job, evaluation, at)) };
}

/**
 * How long a batch-judged family's hard verdict holds without a new deal. The families the live
 * evaluator does not keep up to date itself (live/families.ts) are judged by their batch evaluators
 * on the live timeline, which costs the history's length; live.ts judges one again only once a deal
 * arrives or the account's time reaches the instant returned here. The only one whose answer moves
 * with time alone is cross_account_hedging (a position of this account open against one of another
 * account's: the overlap grows); with no other accounts, or no position open here, it holds until the
 * next deal. A confirmed hard violation only grows with time, so a breached verdict holds too.
 */
import type { RuleSpec } from '../registry.ts';
import type { Timeline } from '../timeline.ts';

const NEVER = Number.POSITIVE_INFINITY;

/** Whether a trade of the timeline is still open (no closing deal). */
function anyOpen(t: Timeline): boolean {
  const T = t.tradeColumns;
  for (let i = T.length - 1; i >= 0; i--) if (Number.isNaN(T.closeMs[i]!)) return true;
  return false;
}

/**
 * The instant from which `rule`'s hard verdict, computed at `atMs` on `t`, may differ without a new
 * deal; `atMs` itself when the answer may move at any instant (judged again at every reading).
 */
export function verdictHoldsUntil(rule: RuleSpec, t: Timeline, atMs: number, hard: boolean, others: number): number {
  if (hard) return NEVER;
  if (rule.type === 'cross_account_hedging') return others > 0 && anyOpen(t) ? atMs : NEVER;
  return NEVER;
}

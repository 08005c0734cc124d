/**
 * How long a time-dependent family's hard verdict holds without a new deal: the families whose
 * answer moves with the evaluation instant (positions open until now) are judged by their batch
 * evaluators on the live timeline, which costs the history's length; live.ts judges one again only
 * once the account's time reaches the instant returned here (or a deal arrives). Each answer is the
 * earliest instant at which the verdict could change, never later (an earlier one only costs a
 * judgement). A confirmed hard violation stays with time alone (the hold into the break and the
 * overlap only grow), so a breached verdict holds until the next deal. (inactivity and
 * stop_loss_required are kept up to date by live/.)
 */
import { type WeekendFlatRule, weekendBreaks } from '../families/weekend-flat.ts';
import type { RuleSpec } from '../registry.ts';
import type { Timeline } from '../timeline.ts';

const DAY_MS = 86_400_000;
const NEVER = Number.POSITIVE_INFINITY;

/** Whether a trade of the timeline is still open (no closing deal). */
function anyOpen(t: Timeline): boolean {
  const T = t.tradeColumns;
  for (let i = T.length - 1; i >= 0; i--) if (Number.isNaN(T.closeMs[i]!)) return true;
  return false;
}

/** weekend_flat: a position open now is judged again at the next cutoff. */
function weekendFlat(rule: WeekendFlatRule, t: Timeline, atMs: number): number {
  if (!anyOpen(t)) return NEVER;
  const next = weekendBreaks(rule, atMs, atMs + 8 * DAY_MS).find((b) => b.cutoff >= atMs);
  return next ? next.cutoff : atMs;
}

/**
 * The instant from which `rule`'s hard verdict, computed at `atMs` on `t`, may differ without a new
 * deal; `atMs` itself when the answer may move at any instant (judged again at every reading).
 */
export function verdictHoldsUntil(rule: RuleSpec, t: Timeline, atMs: number, hard: boolean, others: number): number {
  if (hard) return NEVER;
  if (rule.type === 'weekend_flat') return weekendFlat(rule, t, atMs);
  // cross_account_hedging: an overlap grows only while a position of this account is open.
  if (rule.type === 'cross_account_hedging') return others > 0 && anyOpen(t) ? atMs : NEVER;
  // The other families read the deals only.
  return NEVER;
}

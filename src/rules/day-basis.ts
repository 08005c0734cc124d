/**
 * The trading day of a rule set: the day its daily-loss rule resets on, used by every day-split
 * figure of an evaluation (dailyGrowth, best/worst day, trading days) so that they agree with the
 * rule that judges days. A firm resetting at 17:00 New York sees its own days everywhere.
 */
import type { RuleSpec } from './registry.ts';

export interface DayBasis {
  /** IANA zone the day is reckoned in. */
  tz: string;
  /** Wall-clock time (HH:MM) in `tz` at which a day starts; a day is named after the date it starts on. */
  time: string;
  /** Where it came from: the rule type that defines it, `configured` (given by the caller), or `default`. */
  from: string;
}

/** FTMO's day, the built-in default (flat.ts FLAT_DEFAULTS): midnight Europe/Prague. */
export const DEFAULT_DAY_BASIS: DayBasis = { tz: 'Europe/Prague', time: '00:00', from: 'default' };

/** Rules that judge whole days, in the order they define the rule set's day: daily loss first. */
const DAY_RULES = ['daily_loss', 'max_daily_trades', 'best_day', 'min_profitable_days', 'min_trading_days'] as const;

export function ruleSetDay(rules: readonly RuleSpec[]): DayBasis {
  for (const type of DAY_RULES) {
    const r = rules.find((x) => x.type === type) as { reset_tz: string; reset_time: string } | undefined;
    if (r) return { tz: r.reset_tz, time: r.reset_time, from: type };
  }
  // An end-of-day trailing drawdown also marks days (at its reset).
  const eod = rules.find((x) => x.type === 'max_loss' && x.basis === 'eod_balance_trail') as
    | { reset_tz: string; reset_time: string }
    | undefined;
  if (eod) return { tz: eod.reset_tz, time: eod.reset_time, from: 'max_loss' };
  return DEFAULT_DAY_BASIS;
}

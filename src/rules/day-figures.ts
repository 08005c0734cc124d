/**
 * Figures of a timeline split by trading day in a reset zone: the closed P/L of each day, and the
 * days on which a position was opened. The zone and reset time are always the caller's (a rule's
 * or the rule set's day, day-basis.ts); a day is named after the date it starts on.
 */
import { dayClock } from './days.ts';
import { DEAL_ADJUSTMENT, DEAL_OPENS } from './decode.ts';
import type { Timeline } from './timeline.ts';

export interface DayPnl {
  day: string;
  /** Closed P/L of the day in cents (trade deals, commissions, swaps, fees; no balance operations). */
  cents: number;
}

/** Closed P/L per trading day of the reset zone, in day order; days without deals are absent. */
export function dailyClosedPnl(timeline: Timeline, resetTz: string, resetTime: string): DayPnl[] {
  const clock = dayClock(resetTz, resetTime);
  const out: DayPnl[] = [];
  let last: DayPnl | undefined;
  const D = timeline.dealColumns;
  for (let i = 0; i < D.length; i++) {
    if (D.flags[i]! & DEAL_ADJUSTMENT) continue;
    const day = clock.dayOf(D.ms[i]!);
    if (!last || last.day !== day) {
      last = { day, cents: 0 };
      out.push(last);
    }
    last.cents += D.cents[i]!;
  }
  return out;
}

/** Days of the reset zone on which at least one position was opened, sorted (FTMO's trading days). */
export function tradingDays(timeline: Timeline, resetTz: string, resetTime: string): string[] {
  const clock = dayClock(resetTz, resetTime);
  const days = new Set<string>();
  const D = timeline.dealColumns;
  let dayEnd = -Infinity;
  for (let i = 0; i < D.length; i++) {
    // Deals are in time order: a day is added once, when an opening deal first passes its start.
    if (D.flags[i]! & DEAL_OPENS && D.ms[i]! >= dayEnd) {
      const span = clock.spanOf(D.ms[i]!);
      days.add(span.day);
      dayEnd = span.end;
    }
  }
  return [...days].sort();
}

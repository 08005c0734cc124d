/**
 * Weekend flat (reference/rules.md §2.8: FTMO funded Standard, Funded Traders Global): no position
 * may be open at any instant of the weekend break [cutoff, resume) — by default Friday 21:00 to
 * Sunday 23:00 Europe/Prague, wall-clock and DST-aware. Closing exactly at the cutoff, or opening
 * exactly at the resume, is flat. A position still open at the evaluation instant counts as open
 * up to then. One violation per position (its first weekend), timed at the first instant it was
 * open inside the break.
 */
import { DateTime } from 'luxon';
import { z } from 'zod';
import { evidence } from '../evidence.ts';
import { resetTz, severity } from '../spec-fields.ts';
import type { Timeline, Trade } from '../timeline.ts';
import type { Violation } from '../types.ts';
import type { FamilyContext, FamilyResult, RuleFamily } from './family.ts';

const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
const weekday = z.enum(WEEKDAYS);
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM');

const weekendFlatSchema = z
  .object({
    type: z.literal('weekend_flat'),
    cutoff_day: weekday.default('friday'),
    cutoff_time: hhmm.default('21:00'),
    reset_tz: resetTz,
    resume_day: weekday.default('sunday'),
    resume_time: hhmm.default('23:00'),
    severity,
  })
  .strict();
export type WeekendFlatRule = z.infer<typeof weekendFlatSchema>;

export interface WeekendBreak {
  cutoff: number;
  resume: number;
}

const minutesOf = (t: string) => {
  const [h, m] = t.split(':').map(Number) as [number, number];
  return { h, m, total: h * 60 + m };
};

/** The weekend breaks (UTC instants) whose cutoff falls in the weeks covering [fromMs, toMs], in order. */
export function weekendBreaks(
  rule: Pick<WeekendFlatRule, 'cutoff_day' | 'cutoff_time' | 'resume_day' | 'resume_time' | 'reset_tz'>,
  fromMs: number,
  toMs: number,
): WeekendBreak[] {
  const cut = minutesOf(rule.cutoff_time);
  const res = minutesOf(rule.resume_time);
  const cutWd = WEEKDAYS.indexOf(rule.cutoff_day);
  const resWd = WEEKDAYS.indexOf(rule.resume_day);
  let delta = (resWd - cutWd + 7) % 7;
  if (delta === 0 && res.total <= cut.total) delta = 7;
  const out: WeekendBreak[] = [];
  // Start a week early: a break that began before the first trade can still hold it.
  let monday = DateTime.fromMillis(fromMs, { zone: rule.reset_tz }).startOf('week').minus({ weeks: 1 });
  for (;;) {
    const cutoffDay = monday.plus({ days: cutWd });
    const cutoff = cutoffDay.set({ hour: cut.h, minute: cut.m, second: 0, millisecond: 0 }).toMillis();
    if (cutoff > toMs) break;
    const resume = cutoffDay
      .plus({ days: delta })
      .set({ hour: res.h, minute: res.m, second: 0, millisecond: 0 })
      .toMillis();
    out.push({ cutoff, resume });
    monday = monday.plus({ weeks: 1 });
  }
  return out;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The first break that ends after `openMs` (breaks never overlap), or undefined. */
export function breakAfter(breaks: readonly WeekendBreak[], openMs: number): WeekendBreak | undefined {
  let lo = 0;
  let hi = breaks.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (breaks[mid]!.resume <= openMs) lo = mid + 1;
    else hi = mid;
  }
  return breaks[lo];
}

/** Where a position is open until: its close, or (still open) the evaluation instant inclusive. */
export const heldUntil = (closeMs: number | null, atMs: number) => closeMs ?? Math.max(atMs, 0) + 1;

/** A position held into a break, as a violation. */
export function weekendViolation(
  rule: WeekendFlatRule,
  timeline: Timeline,
  t: Trade,
  b: WeekendBreak,
  atMs: number,
): Violation {
  const end = heldUntil(t.closeMs, atMs);
  const at = Math.max(b.cutoff, t.openMs);
  return {
    rule: 'weekend_flat',
    description: `Position ${t.position_id} (${t.symbol}) was open over the weekend break ${iso(b.cutoff)} – ${iso(b.resume)}`,
    severity: rule.severity,
    timestamp: iso(at),
    ticket: t.position_id,
    position_id: t.position_id,
    symbol: t.symbol,
    side: t.side,
    volume: t.volume,
    open_time: iso(t.openMs),
    close_time: t.closeMs === null ? null : iso(t.closeMs),
    cutoff: iso(b.cutoff),
    resume: iso(b.resume),
    reset_tz: rule.reset_tz,
    // The measure: how long the position was held into the break.
    ...evidence({
      firstMs: at,
      worstValue: (Math.min(end, b.resume) - at) / 1000,
      worstMs: Math.min(end, b.resume),
      limit: 0,
      unit: 'seconds',
      positions: [t.position_id],
      deals: timeline.positionDeals(t.position_id, t.openMs, t.closeMs ?? atMs),
    }),
  };
}

/** The result from the violations (ordered by time, then position). */
export function weekendResult(violations: Violation[]): FamilyResult {
  violations.sort(
    (a, b) =>
      String(a.timestamp).localeCompare(String(b.timestamp)) || (a.position_id as number) - (b.position_id as number),
  );
  return { violations, objectives: [], metrics: { weekend_holds: violations.length } };
}

function evaluateWeekendFlat(rule: WeekendFlatRule, { timeline, atMs }: FamilyContext): FamilyResult {
  const trades = timeline.trades;
  if (trades.length === 0) return { violations: [], objectives: [], metrics: { weekend_holds: 0 } };
  let from = Infinity;
  let to = -Infinity;
  for (const t of trades) {
    from = Math.min(from, t.openMs);
    to = Math.max(to, heldUntil(t.closeMs, atMs));
  }
  const breaks = weekendBreaks(rule, from, to);
  const violations: Violation[] = [];
  for (const t of trades) {
    const end = heldUntil(t.closeMs, atMs);
    const b = breakAfter(breaks, t.openMs);
    if (!b || !(b.cutoff < end && t.openMs < end)) continue;
    violations.push(weekendViolation(rule, timeline, t, b, atMs));
  }
  return weekendResult(violations);
}

export const weekendFlatFamily: RuleFamily<WeekendFlatRule> = {
  type: 'weekend_flat',
  schema: weekendFlatSchema as z.ZodType<WeekendFlatRule>,
  evaluate: evaluateWeekendFlat,
};

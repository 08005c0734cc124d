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

interface WeekendBreak {
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

function evaluateWeekendFlat(rule: WeekendFlatRule, { timeline, atMs }: FamilyContext): FamilyResult {
  const trades = timeline.trades;
  if (trades.length === 0) return { violations: [], objectives: [], metrics: { weekend_holds: 0 } };
  // Positions still open are open up to the evaluation instant (inclusive).
  const endOf = (closeMs: number | null) => closeMs ?? Math.max(atMs, 0) + 1;
  let from = Infinity;
  let to = -Infinity;
  for (const t of trades) {
    from = Math.min(from, t.openMs);
    to = Math.max(to, endOf(t.closeMs));
  }
  const breaks = weekendBreaks(rule, from, to);
  const violations: Violation[] = [];
  for (const t of trades) {
    const end = endOf(t.closeMs);
    // The first break that ends after the opening; breaks never overlap.
    let lo = 0;
    let hi = breaks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (breaks[mid]!.resume <= t.openMs) lo = mid + 1;
      else hi = mid;
    }
    const b = breaks[lo];
    if (!b || !(b.cutoff < end && t.openMs < end)) continue;
    const at = Math.max(b.cutoff, t.openMs);
    violations.push({
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
    });
  }
  violations.sort(
    (a, b) =>
      String(a.timestamp).localeCompare(String(b.timestamp)) || (a.position_id as number) - (b.position_id as number),
  );
  return { violations, objectives: [], metrics: { weekend_holds: violations.length } };
}

export const weekendFlatFamily: RuleFamily<WeekendFlatRule> = {
  type: 'weekend_flat',
  schema: weekendFlatSchema as z.ZodType<WeekendFlatRule>,
  evaluate: evaluateWeekendFlat,
};

/**
 * Trading days in a firm's reset time zone, DST-aware. FTMO: the day resets at midnight
 * Europe/Prague, which is 01:00 or 02:00 on an EET/EEST server clock (reference/rules.md §0.3).
 */
import { DateTime, IANAZone } from 'luxon';

export function isValidZone(tz: string): boolean {
  return IANAZone.isValidZone(tz);
}

export interface DayClock {
  /** The trading day (YYYY-MM-DD in the reset zone) an instant belongs to. */
  dayOf(ms: number): string;
  /** The UTC instant a trading day starts. */
  startOf(day: string): number;
}

export function dayClock(tz: string, resetTime = '00:00'): DayClock {
  const [h, m] = resetTime.split(':').map(Number) as [number, number];
  const offsetMinutes = h * 60 + m;
  // Histories hold many instants per day: remember the current day's [start, end) and only ask
  // luxon when an instant falls outside it.
  let cached: { day: string; start: number; end: number } | null = null;
  // Wall-clock reset time of that calendar day in the zone (not "midnight + N minutes", which drifts on DST days).
  const startOf = (day: string): number => DateTime.fromISO(day, { zone: tz }).set({ hour: h, minute: m }).toMillis();
  return {
    dayOf(ms: number): string {
      if (cached && ms >= cached.start && ms < cached.end) return cached.day;
      const local = DateTime.fromMillis(ms, { zone: tz });
      const day = (local.hour * 60 + local.minute < offsetMinutes ? local.minus({ days: 1 }) : local).toISODate()!;
      const start = startOf(day);
      const end = startOf(DateTime.fromISO(day, { zone: 'utc' }).plus({ days: 1 }).toISODate()!);
      cached = { day, start, end };
      return day;
    },
    startOf,
  };
}

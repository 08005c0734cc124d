/**
 * Trading days in a firm's reset time zone, DST-aware. FTMO: the day resets at midnight
 * Europe/Prague, which is 01:00 or 02:00 on an EET/EEST server clock (reference/rules.md §0.3).
 */
import { DateTime, IANAZone } from 'luxon';

/**
 * Zone names that luxon has accepted. Checking one builds an Intl.DateTimeFormat (about a
 * quarter of a millisecond), and every rule set parse checks its zones; the valid names are a
 * finite list (the IANA database), so only they are kept; Intl also accepts any letter case, so the
 * set stops growing at a bound and hostile input cannot grow it further.
 */
const validZones = new Set<string>();
const VALID_ZONES_MAX = 2000;

export function isValidZone(tz: string): boolean {
  if (validZones.has(tz)) return true;
  if (!IANAZone.isValidZone(tz)) return false;
  if (validZones.size < VALID_ZONES_MAX) validZones.add(tz);
  return true;
}

export interface DayClock {
  /** The trading day (YYYY-MM-DD in the reset zone) an instant belongs to. */
  dayOf(ms: number): string;
  /** The UTC instant a trading day starts. */
  startOf(day: string): number;
  /** The trading day an instant belongs to, with the instants it starts and ends: loops over
   * sorted instants look again only once they pass `end`. */
  spanOf(ms: number): DaySpan;
}

/** A trading day and the UTC instants it starts (inclusive) and ends (exclusive). */
interface DaySpan {
  day: string;
  start: number;
  end: number;
}

/**
 * Day boundaries are a pure function of (zone, reset time, date) and time-zone rules do not change
 * while a process runs, so they are computed once and shared by every family and every evaluation
 * (luxon's Intl-based offsets were ~10 % of a large evaluation). Bounded: cleared when full.
 */
const spans = new Map<string, DaySpan>();
const starts = new Map<string, number>();
const MAX_MEMO = 200_000;

function memo<V>(map: Map<string, V>, key: string, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    if (map.size >= MAX_MEMO) map.clear();
    v = make();
    map.set(key, v);
  }
  return v;
}

export function dayClock(tz: string, resetTime = '00:00'): DayClock {
  const [h, m] = resetTime.split(':').map(Number) as [number, number];
  const offsetMinutes = h * 60 + m;
  const prefix = `${tz}|${resetTime}|`;
  // Wall-clock reset time of that calendar day in the zone (not "midnight + N minutes", which drifts on DST days).
  const startOf = (day: string): number =>
    memo(starts, prefix + day, () => DateTime.fromISO(day, { zone: tz }).set({ hour: h, minute: m }).toMillis());
  // Histories hold many instants per day: remember the current day's span and only look further
  // when an instant falls outside it.
  let cached: DaySpan | null = null;
  const spanOf = (ms: number): DaySpan => {
    if (cached && ms >= cached.start && ms < cached.end) return cached;
    // Memo by 15-minute UTC bucket; a bucket that straddles a reset instant holds the span of
    // its first instant, so the span is checked and computed afresh when it does not contain ms.
    const compute = (): DaySpan => {
      const local = DateTime.fromMillis(ms, { zone: tz });
      const day = (local.hour * 60 + local.minute < offsetMinutes ? local.minus({ days: 1 }) : local).toISODate()!;
      return {
        day,
        start: startOf(day),
        end: startOf(DateTime.fromISO(day, { zone: 'utc' }).plus({ days: 1 }).toISODate()!),
      };
    };
    let span = memo(spans, prefix + Math.floor(ms / 900_000), compute);
    if (ms < span.start || ms >= span.end) span = compute();
    cached = span;
    return span;
  };
  return { dayOf: (ms: number) => spanOf(ms).day, spanOf, startOf };
}

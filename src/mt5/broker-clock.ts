/**
 * Broker (MT5 trade-server) clocks. MT5 writes every time — deal `Time`, position `TimeCreate`,
 * daily report `DatetimePrev`, terminal report cells — as wall time on the server's clock, with
 * no offset attached (reference/mt5.md §3.5). Converting them needs the clock's rule, which is one
 * of:
 *
 * - an IANA zone (`{ time_zone: 'Europe/Athens' }`) for a server that keeps a city's time;
 * - a UTC offset with a DST rule (`{ utc_offset_minutes: 120, dst: 'us' }`). Many brokers run
 *   UTC+2 in winter and UTC+3 in summer but switch on the **US** dates, so that server midnight
 *   is 17:00 in New York all year ("New York close"). No IANA zone describes that clock, and a
 *   fixed offset is an hour wrong for eight months of the year (reference/mt5.md §2.4a).
 *
 * `utc_offset_minutes` is the offset outside DST (winter); DST adds 60 minutes. The switch
 * instants are defined as those of the region the rule names:
 * - `us`: from the second Sunday of March 02:00 New York standard time (07:00 UTC) to the first
 *   Sunday of November 02:00 New York daylight time (06:00 UTC) — the broker's clock moves at the
 *   very moment New York's does, so server midnight stays at 17:00 New York across the switch;
 * - `eu`: from the last Sunday of March 01:00 UTC to the last Sunday of October 01:00 UTC (the EU
 *   switches everywhere at 01:00 UTC); `{ utc_offset_minutes: 120, dst: 'eu' }` is Europe/Athens;
 * - `none` (default): the offset never changes.
 *
 * Wall time → UTC is ambiguous for the hour repeated when clocks go back and undefined for the
 * hour skipped when they go forward. Both are resolved as Temporal's `compatible` disambiguation
 * (and luxon) do: a repeated wall time is the earlier instant, a skipped one is read with the
 * offset in force before the switch (it lands an hour later on the new clock).
 *
 * Pure: no I/O, no clock of its own.
 */
import { DateTime } from 'luxon';

export type DstRule = 'us' | 'eu' | 'none';

export type BrokerClock = { time_zone: string } | { utc_offset_minutes: number; dst?: DstRule };

const MINUTE = 60_000;
const DAY = 86_400_000;

/** Day of month of the `n`-th Sunday (1-based) of `month` (0-based) in `year`. */
function nthSunday(year: number, month: number, n: number): number {
  const firstWeekday = new Date(Date.UTC(year, month, 1)).getUTCDay();
  return 1 + ((7 - firstWeekday) % 7) + 7 * (n - 1);
}

/** Day of month of the last Sunday of `month` (0-based) in `year`. */
function lastSunday(year: number, month: number): number {
  const lastDay = new Date(Date.UTC(year, month + 1, 0));
  return lastDay.getUTCDate() - lastDay.getUTCDay();
}

/** The UTC instants [start, end) during which `rule` adds an hour in `year`; null for `none`. */
export function dstPeriod(rule: DstRule, year: number): { start: number; end: number } | null {
  if (rule === 'us') {
    // 02:00 EST (UTC−5) and 02:00 EDT (UTC−4): 49 CFR Part 71 / Energy Policy Act of 2005.
    return { start: Date.UTC(year, 2, nthSunday(year, 2, 2), 7), end: Date.UTC(year, 10, nthSunday(year, 10, 1), 6) };
  }
  if (rule === 'eu') {
    // Directive 2000/84/EC: 01:00 UTC on the last Sundays of March and October.
    return { start: Date.UTC(year, 2, lastSunday(year, 2), 1), end: Date.UTC(year, 9, lastSunday(year, 9), 1) };
  }
  return null;
}

/** Broker clock minus UTC, in minutes, at the UTC instant `utcMs`. */
export function offsetAt(clock: BrokerClock, utcMs: number): number {
  if ('time_zone' in clock) {
    const dt = DateTime.fromMillis(utcMs, { zone: clock.time_zone });
    if (!dt.isValid) throw new RangeError(`unknown time zone ${clock.time_zone}`);
    return dt.offset;
  }
  const period = dstPeriod(clock.dst ?? 'none', new Date(utcMs).getUTCFullYear());
  return clock.utc_offset_minutes + (period && utcMs >= period.start && utcMs < period.end ? 60 : 0);
}

/** UTC instant → the wall time the server shows, as ms "since 1970" on the server's clock. */
export function utcToServer(clock: BrokerClock, utcMs: number): number {
  return utcMs + offsetAt(clock, utcMs) * MINUTE;
}

/**
 * Server wall time (ms "since 1970" on the server's clock, as MT5 writes it) → UTC instant.
 * A switch moves the offset by at most an hour and switches are months apart, so the offsets in
 * force a day before and a day after are the only candidates.
 */
export function serverToUtc(clock: BrokerClock, serverMs: number): number {
  const before = offsetAt(clock, serverMs - DAY);
  const after = offsetAt(clock, serverMs + DAY);
  const fits = (offset: number) => offsetAt(clock, serverMs - offset * MINUTE) === offset;
  const valid = [...new Set([before, after])].filter(fits);
  // Repeated hour: both fit, the larger offset is the earlier instant. Skipped hour: none fits.
  const offset = valid.length ? Math.max(...valid) : before;
  return serverMs - offset * MINUTE;
}

/** Human description for messages and logs, e.g. `UTC+02:00 with US DST` or `Europe/Athens`. */
export function describeClock(clock: BrokerClock): string {
  if ('time_zone' in clock) return clock.time_zone;
  const m = clock.utc_offset_minutes;
  const hhmm = `${m < 0 ? '-' : '+'}${String(Math.floor(Math.abs(m) / 60)).padStart(2, '0')}:${String(Math.abs(m) % 60).padStart(2, '0')}`;
  const dst = clock.dst ?? 'none';
  return `UTC${hhmm}${dst === 'none' ? '' : ` with ${dst.toUpperCase()} DST`}`;
}

/**
 * Fixed historical calendar of the simulated `Brymix-Demo` server. Everything is pinned to dates
 * in January 2026 (never the current clock) so a login's history is the same forever.
 *
 * Clocks: the server runs on EET/EEST (UTC+2 / UTC+3, EU daylight-saving rules) like most
 * EU-DST MT5 brokers (reference/mt5.md §3.5); the firm's day resets at midnight Europe/Prague
 * (UTC+1 / UTC+2). Both follow the EU rule, computed here without a timezone library because the
 * market builder asks for tens of thousands of instants.
 */

export const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** First simulated minute: Sunday 2026-01-04 22:00 UTC = Monday 00:00 server time (market open). */
export const MARKET_START_MS = Date.UTC(2026, 0, 4, 22, 0);
/** End of the simulated price feed: Friday 2026-01-30 22:00 UTC = Saturday 00:00 server time. */
export const MARKET_END_MS = Date.UTC(2026, 0, 30, 22, 0);
/**
 * The instant every history is read at: Friday 2026-01-23 21:00 UTC (22:00 Prague, 23:00 server),
 * the evening the demo challenge (Mon 2026-01-12 … Fri 2026-01-23, Prague) ends. Positions still
 * open then are the history's open positions.
 */
export const AS_OF_MS = Date.UTC(2026, 0, 23, 21, 0);

/** EU summer time: last Sunday of March 01:00 UTC until last Sunday of October 01:00 UTC. */
function isEuSummerTime(ms: number): boolean {
  const year = new Date(ms).getUTCFullYear();
  let range = summerTimeByYear.get(year);
  if (!range) {
    range = [lastSundayUtc(year, 2) + HOUR_MS, lastSundayUtc(year, 9) + HOUR_MS];
    summerTimeByYear.set(year, range);
  }
  return ms >= range[0] && ms < range[1];
}

const summerTimeByYear = new Map<number, [number, number]>();

function lastSundayUtc(year: number, month: number): number {
  const lastDay = Date.UTC(year, month + 1, 0);
  return lastDay - new Date(lastDay).getUTCDay() * DAY_MS;
}

/** Server clock minus UTC: 120 (EET) or 180 (EEST). */
export function serverUtcOffsetMinutes(ms: number): number {
  return isEuSummerTime(ms) ? 180 : 120;
}

/** Europe/Prague minus UTC: 60 (CET) or 120 (CEST). */
function pragueUtcOffsetMinutes(ms: number): number {
  return isEuSummerTime(ms) ? 120 : 60;
}

/** Forex hours: Monday 00:00 to Saturday 00:00 server time. */
export function isMarketOpen(ms: number): boolean {
  const serverDay = new Date(ms + serverUtcOffsetMinutes(ms) * MINUTE_MS).getUTCDay();
  return serverDay !== 0 && serverDay !== 6;
}

/** Converts a Prague wall time `YYYY-MM-DDTHH:mm[:ss[.SSS]]` to epoch ms (UTC). */
export function pragueToUtcMs(local: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/.exec(local);
  if (!m) throw new Error(`bad Prague wall time: ${local}`);
  const asUtc = Date.UTC(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4]),
    Number(m[5]),
    Number(m[6] ?? 0),
    Number((m[7] ?? '0').padEnd(3, '0')),
  );
  const guess = asUtc - 60 * MINUTE_MS;
  return asUtc - pragueUtcOffsetMinutes(guess) * MINUTE_MS;
}

/** Prague calendar date (`YYYY-MM-DD`) of an instant: the firm's trading-day bucket. */
export function pragueDate(ms: number): string {
  return new Date(ms + pragueUtcOffsetMinutes(ms) * MINUTE_MS).toISOString().slice(0, 10);
}

export interface Rollover {
  /** Server midnight, as epoch ms. */
  timeMs: number;
  /** 3 on the Wednesday-night rollover (weekend financing), otherwise 1. */
  multiplier: number;
}

/**
 * Swap rollovers in (fromMs, toMs]: server midnight at the start of Tuesday … Saturday, i.e. at the
 * end of each trading day Monday … Friday; Wednesday night is charged triple.
 */
export function rolloversBetween(fromMs: number, toMs: number): Rollover[] {
  const out: Rollover[] = [];
  const offset = serverUtcOffsetMinutes(fromMs) * MINUTE_MS;
  const serverLocal = new Date(fromMs + offset);
  let day = Date.UTC(serverLocal.getUTCFullYear(), serverLocal.getUTCMonth(), serverLocal.getUTCDate());
  for (;;) {
    const midnightUtc = day - serverUtcOffsetMinutes(day - 2 * HOUR_MS) * MINUTE_MS;
    if (midnightUtc > toMs) break;
    const weekday = new Date(day).getUTCDay(); // server weekday that starts at this midnight
    if (midnightUtc > fromMs && weekday >= 2 && weekday <= 6) {
      out.push({ timeMs: midnightUtc, multiplier: weekday === 4 ? 3 : 1 });
    }
    day += DAY_MS;
  }
  return out;
}

const pad2 = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const pad3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
let isoDay = Number.NaN;
let isoPrefix = '';

/**
 * `Date#toISOString` for integer epoch ms, about 3× faster: histories carry thousands of
 * timestamps and formatting them dominated generation time.
 */
export function isoUtc(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0) return new Date(ms).toISOString();
  const day = Math.floor(ms / DAY_MS);
  if (day !== isoDay) {
    isoDay = day;
    isoPrefix = new Date(day * DAY_MS).toISOString().slice(0, 11);
  }
  let rest = ms - day * DAY_MS;
  const h = Math.floor(rest / HOUR_MS);
  rest -= h * HOUR_MS;
  const m = Math.floor(rest / MINUTE_MS);
  rest -= m * MINUTE_MS;
  const s = Math.floor(rest / 1000);
  return `${isoPrefix}${pad2[h]}:${pad2[m]}:${pad2[s]}.${pad3[rest - s * 1000]}Z`;
}

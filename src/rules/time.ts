/**
 * Fast parsing of the history's UTC times. Connectors write `YYYY-MM-DDTHH:MM:SS.sssZ`; parsing
 * that by hand is several times faster than Date.parse, which matters at a million deals. Any
 * other ISO-8601 form falls back to Date.parse.
 */

/** Days from 1970-01-01 to a civil date (Howard Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

// Consecutive times mostly share a date: remember the last one's day number.
let lastDateKey = -1;
let lastDayMs = 0;

export function parseUtcMs(s: string): number {
  if (s.length === 24 && s.charCodeAt(23) === 90 /* Z */ && s.charCodeAt(10) === 84 /* T */ && s.charCodeAt(19) === 46 /* . */) {
    const dateKey =
      (s.charCodeAt(0) - 48) * 10_000_000 + (s.charCodeAt(1) - 48) * 1_000_000 + (s.charCodeAt(2) - 48) * 100_000 + (s.charCodeAt(3) - 48) * 10_000 +
      (s.charCodeAt(5) - 48) * 1000 + (s.charCodeAt(6) - 48) * 100 + (s.charCodeAt(8) - 48) * 10 + (s.charCodeAt(9) - 48);
    const h = (s.charCodeAt(11) - 48) * 10 + (s.charCodeAt(12) - 48);
    const mi = (s.charCodeAt(14) - 48) * 10 + (s.charCodeAt(15) - 48);
    const se = (s.charCodeAt(17) - 48) * 10 + (s.charCodeAt(18) - 48);
    const ms = (s.charCodeAt(20) - 48) * 100 + (s.charCodeAt(21) - 48) * 10 + (s.charCodeAt(22) - 48);
    if (dateKey !== lastDateKey) {
      const y = Math.floor(dateKey / 10_000);
      const mo = Math.floor(dateKey / 100) % 100;
      const day = dateKey % 100;
      if (!(mo >= 1 && mo <= 12 && day >= 1 && day <= 31 && s.charCodeAt(4) === 45 && s.charCodeAt(7) === 45)) return fallback(s);
      lastDateKey = dateKey;
      lastDayMs = daysFromCivil(y, mo, day) * 86_400_000;
    }
    if (h < 24 && mi < 60 && se < 60 && ms >= 0 && ms < 1000 && s.charCodeAt(13) === 58 && s.charCodeAt(16) === 58) {
      return lastDayMs + h * 3_600_000 + mi * 60_000 + se * 1000 + ms;
    }
  }
  return fallback(s);
}

function fallback(s: string): number {
  const ms = Date.parse(s);
  if (Number.isNaN(ms)) throw new RangeError(`invalid time "${s}"`);
  return ms;
}

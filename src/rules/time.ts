/**
 * Fast parsing of the history's UTC times. Connectors write `YYYY-MM-DDTHH:MM:SS.sssZ`; parsing
 * that by hand is about ten times faster than Date.parse, which matters at a million deals. Any
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

// Consecutive times mostly share an hour: remember the last canonical time's "YYYY-MM-DDTHH"
// (as character codes: String#startsWith costs several times more) and its instant, so most
// times cost ten comparisons and seven digits.
let y0 = -1;
let y1 = -1;
let y2 = -1;
let y3 = -1;
let mo0 = -1;
let mo1 = -1;
let d0 = -1;
let d1 = -1;
let h0 = -1;
let h1 = -1;
let hourMs = 0;

const digit = (s: string, i: number): number => s.charCodeAt(i) - 48;
/** Whether d (a character code minus 48) is a digit from 0 to max. */
const isDigitUpTo = (d: number, max: number): boolean => d >>> 0 <= max;

export function parseUtcMs(s: string): number {
  if (
    s.length === 24 &&
    s.charCodeAt(12) === h1 &&
    s.charCodeAt(11) === h0 &&
    s.charCodeAt(9) === d1 &&
    s.charCodeAt(8) === d0 &&
    s.charCodeAt(6) === mo1 &&
    s.charCodeAt(5) === mo0 &&
    s.charCodeAt(3) === y3 &&
    s.charCodeAt(2) === y2 &&
    s.charCodeAt(1) === y1 &&
    s.charCodeAt(0) === y0 &&
    s.charCodeAt(4) === 45 /* - */ &&
    s.charCodeAt(7) === 45 /* - */ &&
    s.charCodeAt(10) === 84 /* T */
  ) {
    const m1 = digit(s, 14);
    const m2 = digit(s, 15);
    const s1 = digit(s, 17);
    const s2 = digit(s, 18);
    const f1 = digit(s, 20);
    const f2 = digit(s, 21);
    const f3 = digit(s, 22);
    if (
      isDigitUpTo(m1, 5) &&
      isDigitUpTo(m2, 9) &&
      isDigitUpTo(s1, 5) &&
      isDigitUpTo(s2, 9) &&
      isDigitUpTo(f1, 9) &&
      isDigitUpTo(f2, 9) &&
      isDigitUpTo(f3, 9) &&
      s.charCodeAt(13) === 58 /* : */ &&
      s.charCodeAt(16) === 58 /* : */ &&
      s.charCodeAt(19) === 46 /* . */ &&
      s.charCodeAt(23) === 90 /* Z */
    ) {
      return hourMs + (m1 * 10 + m2) * 60_000 + (s1 * 10 + s2) * 1000 + f1 * 100 + f2 * 10 + f3;
    }
    return fallback(s);
  }
  return parseCanonical(s);
}

/** `YYYY-MM-DDTHH:MM:SS.sssZ`, checked character by character; anything else goes to Date.parse. */
function parseCanonical(s: string): number {
  if (s.length !== 24) return fallback(s);
  for (let i = 0; i < 23; i++) {
    const c = s.charCodeAt(i);
    const sep =
      i === 4 || i === 7
        ? 45 /* - */
        : i === 10
          ? 84 /* T */
          : i === 13 || i === 16
            ? 58 /* : */
            : i === 19
              ? 46 /* . */
              : 0;
    if (sep ? c !== sep : !isDigitUpTo(c - 48, 9)) return fallback(s);
  }
  if (s.charCodeAt(23) !== 90 /* Z */) return fallback(s);
  const y = digit(s, 0) * 1000 + digit(s, 1) * 100 + digit(s, 2) * 10 + digit(s, 3);
  const mo = digit(s, 5) * 10 + digit(s, 6);
  const day = digit(s, 8) * 10 + digit(s, 9);
  const h = digit(s, 11) * 10 + digit(s, 12);
  const mi = digit(s, 14) * 10 + digit(s, 15);
  const se = digit(s, 17) * 10 + digit(s, 18);
  if (mo < 1 || mo > 12 || day < 1 || day > 31 || h > 23 || mi > 59 || se > 59) return fallback(s);
  y0 = s.charCodeAt(0);
  y1 = s.charCodeAt(1);
  y2 = s.charCodeAt(2);
  y3 = s.charCodeAt(3);
  mo0 = s.charCodeAt(5);
  mo1 = s.charCodeAt(6);
  d0 = s.charCodeAt(8);
  d1 = s.charCodeAt(9);
  h0 = s.charCodeAt(11);
  h1 = s.charCodeAt(12);
  hourMs = daysFromCivil(y, mo, day) * 86_400_000 + h * 3_600_000;
  return hourMs + mi * 60_000 + se * 1000 + digit(s, 20) * 100 + digit(s, 21) * 10 + digit(s, 22);
}

function fallback(s: string): number {
  const ms = Date.parse(s);
  if (Number.isNaN(ms)) throw new RangeError(`invalid time "${s}"`);
  return ms;
}

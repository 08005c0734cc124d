/**
 * Cell values of a terminal report, in any terminal language: numbers with space or NBSP
 * thousands separators, percentages, composite `a (b)` cells, volumes `filled / requested` and
 * times `YYYY.MM.DD HH:MM:SS` (or Excel serial days from a re-saved xlsx).
 */
/**
 * The plain shape of a report number (`-1 019.60`, `0.00`, `1771882106`): optional sign, digits
 * with single spaces between groups, optional fraction. Read without a regex; anything else goes
 * the general way.
 */
function plainNumber(raw: string): number | null {
  const n = raw.length;
  if (n === 0 || n > 40) return null;
  let i = 0;
  let negative = false;
  if (raw.charCodeAt(0) === 0x2d) {
    negative = true;
    i = 1;
  }
  let mantissa = 0;
  let digits = 0;
  let decimals = 0;
  let dot = false;
  for (; i < n; i++) {
    const c = raw.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      mantissa = mantissa * 10 + (c - 0x30);
      digits++;
      if (dot) decimals++;
    } else if (c === 0x20 && !dot && digits > 0 && i + 1 < n && raw.charCodeAt(i + 1) !== 0x20) {
      // a thousands separator
    } else if (c === 0x2e && !dot && digits > 0) dot = true;
    else return null;
  }
  if (digits === 0 || raw.charCodeAt(n - 1) === 0x2e) return null;
  // Up to 15 digits the mantissa is exact and m / 10^k is the correctly rounded value, as Number() gives.
  if (digits > 15) return Number(raw.replaceAll(' ', ''));
  const value = decimals === 0 ? mantissa : mantissa / POW10[decimals]!;
  return negative ? -value : value;
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/** Locale-free number: space/NBSP thousands separators, optional %, `-` sign; '' → null. */
export function parseNumber(raw: string): number | null {
  const fast = plainNumber(raw);
  if (fast !== null) return fast;
  let s = raw.replace(/[\s\u00a0\u2009\u202f']/g, '');
  if (s === '' || s === '-') return null;
  if (s.endsWith('%')) s = s.slice(0, -1);
  if (s.includes(',') && s.includes('.')) s = s.replace(/,/g, '');
  else if (/^-?\d+,\d+$/.test(s)) s = s.replace(',', '.');
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(s)) return null;
  return Number(s);
}

/** `58.44 (0.58%)` → [58.44, 0.58]; `658` → [658, null]. */
export function parseComposite(raw: string): [number | null, number | null] {
  const m = /^(.*?)\s*\(([^)]*)\)\s*$/.exec(raw);
  if (!m) return [parseNumber(raw), null];
  return [parseNumber(m[1]!), parseNumber(m[2]!)];
}

/** A money or volume cell; empty or unreadable is 0. */
export const money = (s: string | undefined): number => parseNumber(s ?? '') ?? 0;
/** A cell that may be empty (S / L, T / P, a market order's price): null then. */
export const optNum = (s: string | undefined): number | null => parseNumber(s ?? '');
/** A ticket, order or position number. */
export const int = (s: string | undefined): number => {
  const n = parseNumber(s ?? '');
  return n === null ? 0 : Math.trunc(n);
};

/** `2023.06.23 07:53:00` (or an Excel serial from xlsx) → `2023-06-23 07:53:00`. */
export function reportTime(raw: string | undefined): string {
  const r = raw ?? '';
  // the usual `YYYY.MM.DD HH:MM:SS`, without a regex
  if (
    r.length === 19 &&
    r.charCodeAt(4) === 0x2e &&
    r.charCodeAt(7) === 0x2e &&
    r.charCodeAt(10) === 0x20 &&
    r.charCodeAt(13) === 0x3a &&
    r.charCodeAt(16) === 0x3a
  )
    return `${r.slice(0, 4)}-${r.slice(5, 7)}-${r.slice(8)}`;
  const s = r.trim();
  const m = /^(\d{4})[.\-/](\d\d)[.\-/](\d\d)(?:[ T](\d\d):(\d\d)(?::(\d\d))?)?/.exec(s);
  if (m) return `${m[1]}-${m[2]}-${m[3]} ${m[4] ?? '00'}:${m[5] ?? '00'}:${m[6] ?? '00'}`;
  if (/^\d{4,6}(\.\d+)?$/.test(s)) {
    // Excel serial day number (1900 system); wall time, no zone.
    const ms = Math.round((Number(s) - 25569) * 86_400_000);
    return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
  }
  return s;
}

/** A block row's first cell: `2023.06.23 07:53:00`, or an Excel serial date from a re-saved xlsx. */
export function isTime(text: string): boolean {
  const c = text.charCodeAt(0);
  if (text.length >= 10 && text.charCodeAt(4) === 0x2e && text.charCodeAt(7) === 0x2e && c >= 0x30 && c <= 0x39)
    return true;
  return /^\d{4}[.\-/]\d\d[.\-/]\d\d/.test(text) || /^\d{4,6}(\.\d+)?$/.test(text);
}

/** `0.1 / 0.2` → 0.1: the filled volume of an order's `filled / requested` cell; a single number is both. */
export function filledVolume(cell: string): number {
  const slash = cell.indexOf('/');
  return parseNumber((slash < 0 ? cell : cell.slice(0, slash)).trim()) ?? 0;
}

/** `0.1 / 0.2` → 0.2: the requested volume. */
export function requestedVolume(cell: string): number {
  const slash = cell.indexOf('/');
  return parseNumber((slash < 0 ? cell : cell.slice(slash + 1)).trim()) ?? 0;
}

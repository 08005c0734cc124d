/**
 * Money as integer cents, with one contract per conversion: sums and comparisons are done in
 * cents; floats appear only at the edges (what MT5 and reports give, what JSON carries).
 */

/**
 * Cents of an amount given by a person or a partner system: a JSON number (`250.5`) or a decimal
 * string (`"250.50"`, surrounding spaces ignored) with at most two decimals and 13 integer digits.
 * Null for anything else (`1.005`, `"1e3"`, `"1,50"`, `NaN`): never a silently rounded value.
 */
export function parseCents(value: number | string): number | null {
  const text = typeof value === 'number' ? (Number.isFinite(value) ? value.toFixed(2) : '') : value.trim();
  // toFixed would round 1.005 to "1.00": a number with a third decimal is refused first.
  if (typeof value === 'number' && Math.abs(Math.round(value * 100) - value * 100) > 1e-6) return null;
  const m = /^(-?)(\d{1,13})(?:\.(\d{1,2}))?$/.exec(text);
  if (!m) return null;
  const cents = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  return m[1] === '-' ? -cents : cents;
}

/** Integer cents as a plain decimal with two places: -1234 → "-12.34", 5 → "0.05". */
export function formatCents(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/**
 * A float amount (as MT5 or a report states it) to the nearest cent: Math.round of amount × 100,
 * so an exact half goes up (toward +∞: -0.125 → -12), and near a half the float's binary value
 * decides (1.005 × 100 is 100.49999… → 100).
 */
export function amountToCents(amount: number): number {
  return Math.round(amount * 100);
}

/** Cents back to a float amount, for JSON and for comparing with figures MT5 gives (12345 → 123.45). */
export function centsToAmount(cents: number): number {
  return cents / 100;
}

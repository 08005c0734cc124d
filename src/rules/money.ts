/** Money in integer cents: every sum and comparison is exact; floats only at the edges. */
export const toCents = (x: number): number => Math.round(x * 100);
export const fromCents = (c: number): number => c / 100;

/** Rounds a percentage to 2 decimals, half away from zero. */
export function pct2(x: number): number {
  return (Math.sign(x) * Math.round(Math.abs(x) * 100 + 1e-9)) / 100;
}

/** 5500 cents*100 → "5,500.00" for descriptions. */
export function formatMoney(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const whole = Math.floor(abs / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${whole}.${String(abs % 100).padStart(2, '0')}`;
}

export function formatPct(x: number): string {
  return `${Number(pct2(x).toFixed(2))}%`;
}

/** "3m 45s" style durations for descriptions. */
export function formatDuration(ms: number): string {
  const totalSeconds = ms / 1000;
  const m = Math.floor(totalSeconds / 60);
  const s = totalSeconds - m * 60;
  const sText = Number.isInteger(s) ? String(s) : s.toFixed(3).replace(/0+$/, '');
  return m > 0 ? (s === 0 ? `${m}m` : `${m}m ${sText}s`) : `${sText}s`;
}

/**
 * `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date, as milliseconds from `nowMs`.
 * The one reader of the header, for webhook receivers and MT5 upstreams alike. A fractional
 * delay ("1.5") is not RFC syntax but is read as meant; anything else unreadable is null, so the
 * caller falls back to its own backoff. A date in the past is 0 (retry now).
 */
export function parseRetryAfter(header: string | readonly string[] | null | undefined, nowMs: number): number | null {
  const value = (typeof header === 'string' ? header : header?.[0])?.trim();
  if (!value) return null;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  // Every HTTP-date form (IMF-fixdate, RFC 850, asctime) starts with the day's name.
  if (!/^[A-Za-z]{3}/.test(value)) return null;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

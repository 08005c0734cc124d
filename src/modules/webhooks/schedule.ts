/**
 * Retry schedule of outgoing webhooks: 10 attempts over about three days (Standard Webhooks'
 * example table; reference/security.md §0): immediately, then +5 s, +5 min, +30 min, +2 h, +5 h,
 * +10 h, +14 h, +20 h, +24 h, each with ±15 % jitter.
 */
export const RETRY_DELAYS_MS = [
  5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 50_400_000, 72_000_000, 86_400_000,
] as const;

/** Delay before attempt `nextAttempt` (2…10); `random` in [0,1) picks the jitter. */
export function retryDelay(nextAttempt: number, random: number, retryAfterMs: number | null = null): number {
  const base = RETRY_DELAYS_MS[Math.min(nextAttempt - 2, RETRY_DELAYS_MS.length - 1)]!;
  const jittered = Math.round(base * (0.85 + 0.3 * random));
  // Honour Retry-After when the receiver asks for more time (capped at a day).
  return retryAfterMs !== null ? Math.max(jittered, Math.min(retryAfterMs, 86_400_000)) : jittered;
}

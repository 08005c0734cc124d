/**
 * Failed-login throttling (OWASP API2:2023, reference/security.md §2–§4): at most `maxFailures`
 * failures per account and `4 × maxFailures` per source IP within the window; while over, every
 * attempt (right password or not) answers 429 with Retry-After. A success clears the account's count.
 */
import type { FixedWindow } from './fixed-window.ts';

export type ThrottleCheck = { ok: true } | { ok: false; retryAfterSeconds: number };

export function createLoginThrottle({
  window,
  scope,
  maxFailures,
  windowMs,
}: {
  window: FixedWindow;
  scope: string;
  maxFailures: number;
  windowMs: number;
}) {
  const accountKey = (email: string) => `login:${scope}:acct:${email.toLowerCase()}`;
  const ipKey = (ip: string) => `login:${scope}:ip:${ip}`;
  const ipLimit = maxFailures * 4;
  return {
    async check(email: string, ip: string): Promise<ThrottleCheck> {
      const [a, b] = await Promise.all([
        window.peek(accountKey(email), maxFailures, windowMs),
        window.peek(ipKey(ip), ipLimit, windowMs),
      ]);
      if (a.allowed && b.allowed) return { ok: true };
      return { ok: false, retryAfterSeconds: Math.max(a.allowed ? 0 : a.resetSeconds, b.allowed ? 0 : b.resetSeconds) };
    },
    async failed(email: string, ip: string): Promise<void> {
      await window.hit(accountKey(email), maxFailures, windowMs);
      await window.hit(ipKey(ip), ipLimit, windowMs);
    },
    async succeeded(email: string): Promise<void> {
      await window.reset(accountKey(email));
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;

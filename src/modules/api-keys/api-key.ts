/**
 * API key format `bmx_<kid>_<secret>`: `kid` (12 base62) is the public lookup id shown in lists
 * and logs; `secret` (43 base62 ≈ 256 bits) is stored only as SHA-256 (src/infra/crypto/secret-token.ts).
 */
import { secretTokenFormat } from '../../infra/crypto/secret-token.ts';

export const apiKeyFormat = secretTokenFormat({ prefix: 'bmx', kidLength: 12, secretLength: 43 });

/** Parses durations such as `24h`, `30m`, `7d`, `0`. Returns milliseconds or null. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+)\s*(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit as 'ms' | 's' | 'm' | 'h' | 'd'];
  return n * factor;
}

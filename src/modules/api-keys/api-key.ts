/**
 * API key format `bmx_<kid>_<secret>`: `kid` (12 base62) is the public lookup id shown in lists
 * and logs; `secret` (43 base62 ≈ 256 bits) is stored only as SHA-256. Keys are random, so a
 * fast hash is enough (reference/security.md §2).
 */
import { randomBase62, safeEqual, sha256Hex } from '../../infra/crypto/index.ts';

export const KEY_PREFIX = 'bmx';
const KEY_PATTERN = /^bmx_([0-9A-Za-z]{12})_([0-9A-Za-z]{43})$/;

export interface GeneratedKey {
  kid: string;
  key: string;
  secretHash: string;
}

export function generateKey(): GeneratedKey {
  const kid = randomBase62(12);
  const secret = randomBase62(43);
  return { kid, key: `${KEY_PREFIX}_${kid}_${secret}`, secretHash: sha256Hex(secret) };
}

export function parseKey(raw: string): { kid: string; secret: string } | null {
  const m = KEY_PATTERN.exec(raw.trim());
  return m ? { kid: m[1]!, secret: m[2]! } : null;
}

export function secretMatches(secret: string, storedHash: string): boolean {
  return safeEqual(sha256Hex(secret), storedHash);
}

/** Parses durations such as `24h`, `30m`, `7d`, `0`. Returns milliseconds or null. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+)\s*(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit as 'ms' | 's' | 'm' | 'h' | 'd'];
  return n * factor;
}

/** Longest overlap a rotation may keep the old key alive (reference/security.md §2). */
export const MAX_ROTATION_OVERLAP_MS = 7 * 86_400_000;

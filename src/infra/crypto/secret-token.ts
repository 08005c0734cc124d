/**
 * Prefixed random secrets, one design for API keys (`bmx_<kid>_<secret>`), service tokens
 * (`bst_<kid>_<secret>`) and widget tokens (`wgt_<secret>`), reference/security.md §2: base62 from
 * the CSPRNG, shown once, stored only as SHA-256 (the secrets are random, so a fast hash is enough),
 * compared in constant time. The `kid` is a public lookup id, safe to show in lists and logs. A token
 * without a kid is looked up by its hash, which then covers the whole token, prefix included.
 */
import { safeEqual, sha256Hex } from './hash.ts';
import { randomBase62 } from './ids.ts';

export interface SecretTokenSpec {
  /** Says what the token is: `bmx`, `bst`, `wgt`. */
  prefix: string;
  /** Base62 characters of the public lookup id; 0 when the token has none. */
  kidLength: number;
  /** Base62 characters of the secret (43 ≈ 256 bits). */
  secretLength: number;
}

export interface IssuedSecretToken {
  /** The whole token: given to its owner once, never stored. */
  token: string;
  /** The public lookup id; '' when the format has none. */
  kid: string;
  /** What is stored: SHA-256 (hex) of the secret, or of the whole token when there is no kid. */
  hash: string;
}

export interface PresentedSecretToken {
  kid: string;
  hash: string;
}

export type SecretTokenStatus = 'active' | 'expiring' | 'expired' | 'revoked';

/** The longest a rotation keeps the replaced key or token working (reference/security.md §2). */
export const MAX_ROTATION_OVERLAP_MS = 7 * 86_400_000;
/** `last_used_at` is written at most once a minute, so a busy token does not write on every request. */
const TOUCH_EVERY_MS = 60_000;

export function secretTokenFormat(spec: SecretTokenSpec) {
  const { prefix, kidLength, secretLength } = spec;
  const pattern = kidLength
    ? new RegExp(`^${prefix}_([0-9A-Za-z]{${kidLength}})_([0-9A-Za-z]{${secretLength}})$`)
    : new RegExp(`^${prefix}_[0-9A-Za-z]{${secretLength}}$`);

  return {
    issue(): IssuedSecretToken {
      if (!kidLength) {
        const token = `${prefix}_${randomBase62(secretLength)}`;
        return { token, kid: '', hash: sha256Hex(token) };
      }
      const kid = randomBase62(kidLength);
      const secret = randomBase62(secretLength);
      return { token: `${prefix}_${kid}_${secret}`, kid, hash: sha256Hex(secret) };
    },

    /** The kid and the hash to look up or compare; null when `raw` is not a token of this format. */
    read(raw: string): PresentedSecretToken | null {
      const m = pattern.exec(raw);
      if (!m) return null;
      return kidLength ? { kid: m[1]!, hash: sha256Hex(m[2]!) } : { kid: '', hash: sha256Hex(raw) };
    },

    /** Constant-time comparison of a presented token with the hash stored for its kid. */
    matches(presented: PresentedSecretToken, storedHash: string): boolean {
      return safeEqual(presented.hash, storedHash);
    },

    /** How a stored token is named in lists: `bmx_<kid>_…` (never the secret). */
    display(kid: string): string {
      return `${prefix}_${kid}_…`;
    },
  };
}

/** Revoked wins; then an expiry makes the token `expiring` until it passes, `expired` after. */
export function secretTokenStatus(
  row: { revoked_at: number | null; expires_at: number | null },
  now: number,
): SecretTokenStatus {
  if (row.revoked_at !== null) return 'revoked';
  if (row.expires_at !== null) return Number(row.expires_at) <= now ? 'expired' : 'expiring';
  return 'active';
}

/** Whether a successful use should be written back (`last_used_at`, `last_seen_at`). */
export function isTouchDue(lastUsedAt: number | null, now: number): boolean {
  return lastUsedAt === null || now - Number(lastUsedAt) > TOUCH_EVERY_MS;
}

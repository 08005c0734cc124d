/** Random identifiers: base62 strings from the CSPRNG and prefixed ids (`job_…`, `key_…`). */
import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

// Random bytes are drawn from a pooled CSPRNG buffer (as crypto.randomUUID does): one
// randomFillSync per 4 KiB instead of one per id keeps request ids cheap on hot routes.
const POOL = Buffer.allocUnsafe(4096);
let poolPos = POOL.length;

function randomByte(): number {
  if (poolPos === POOL.length) {
    randomFillSync(POOL);
    poolPos = 0;
  }
  return POOL[poolPos++]!;
}

/** Uniform base62 string from the CSPRNG (rejection sampling: bytes ≥ 248 are skipped). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    const b = randomByte();
    if (b < 248) out += ALPHABET[b % 62];
  }
  return out;
}

/** Prefixed id such as `job_3fK9…` (prefix says what it is). */
export function newId(prefix: string, length = 20): string {
  return `${prefix}_${randomBase62(length)}`;
}

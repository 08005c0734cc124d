/** Small, audited crypto helpers: ids, hashes, constant-time compare, AES-256-GCM sealing. */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hash,
  randomBytes,
  randomFillSync,
  timingSafeEqual,
} from 'node:crypto';

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

export function sha256Hex(data: string | Buffer): string {
  // One-shot crypto.hash (Node ≥ 20.12) skips the Hash object: cheaper on hot paths.
  return hash('sha256', data, 'hex');
}

export function hmacSha256Hex(secret: string | Buffer, data: string | Buffer): string {
  return createHmac('sha256', secret).update(data).digest('hex');
}

/** Constant-time equality of two strings (false on length mismatch, without early exit on content). */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  if (ab.length !== bb.length) {
    timingSafeEqual(ab, ab);
    return false;
  }
  return timingSafeEqual(ab, bb);
}

/** Decodes a 32-byte key given as base64 or base64url. */
export function decodeKey(encoded: string): Buffer {
  const key = Buffer.from(encoded.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (key.length !== 32) throw new Error('encryption key must decode to 32 bytes');
  return key;
}

/**
 * AES-256-GCM with a random 96-bit nonce. Output: `v1.<nonce>.<ciphertext+tag>` (base64url).
 * `aad` binds the sealed value to its row (e.g. the job id) so a ciphertext cannot be moved.
 */
export class Sealer {
  readonly #key: Buffer;
  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error('AES-256 key must be 32 bytes');
    this.#key = key;
  }

  seal(plaintext: string, aad: string): string {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce);
    cipher.setAAD(Buffer.from(aad));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `v1.${nonce.toString('base64url')}.${body.toString('base64url')}`;
  }

  open(sealed: string, aad: string): string {
    const [version, nonceB64, bodyB64] = sealed.split('.');
    if (version !== 'v1' || !nonceB64 || !bodyB64) throw new Error('unsupported sealed value');
    const body = Buffer.from(bodyB64, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(nonceB64, 'base64url'));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(body.subarray(body.length - 16));
    return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString('utf8');
  }

  /** Keyed hash for fingerprints that must not be reversible by guessing (e.g. request bodies). */
  fingerprint(data: string): string {
    return hmacSha256Hex(this.#key, `fingerprint:${data}`);
  }
}

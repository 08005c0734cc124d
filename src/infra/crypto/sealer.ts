/** AES-256-GCM sealing with a row-bound AAD, and decoding the 32-byte key it takes. */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { hmacSha256Hex } from './hash.ts';

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

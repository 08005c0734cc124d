/** Hashes, HMACs and constant-time comparison of strings. */
import { createHmac, hash, timingSafeEqual } from 'node:crypto';

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

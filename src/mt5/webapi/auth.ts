/**
 * MT5 Web API challenge–response (reference/mt5.md §2.2, MetaQuotes `webapi_rest_authentication`).
 * All intermediate values are raw 16-byte MD5 digests, not hex strings.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const md5 = (...parts: Buffer[]) => createHash('md5').update(Buffer.concat(parts)).digest();

/** MD5( MD5(UTF-16LE(password)) || "WebAPI" ), 16 bytes. */
export function passwordHash(password: string): Buffer {
  return md5(md5(Buffer.from(password, 'utf16le')), Buffer.from('WebAPI', 'ascii'));
}

/** hex( MD5( pwHash || bytes(rand) ) ) — the answer to `srv_rand`, and the server's to `cli_rand`. */
export function randAnswer(pwHash: Buffer, randHex: string): string {
  if (!/^[0-9a-f]{32}$/i.test(randHex)) throw new Error('a Web API random must be 16 bytes of hex');
  return md5(pwHash, Buffer.from(randHex, 'hex')).toString('hex');
}

export function newCliRand(): string {
  return randomBytes(16).toString('hex');
}

export function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a.toLowerCase(), 'utf8');
  const y = Buffer.from(b.toLowerCase(), 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

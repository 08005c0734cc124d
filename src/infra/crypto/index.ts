/** Small, audited crypto helpers: ids, hashes, constant-time compare, AES-256-GCM sealing. */
export { hmacSha256Hex, safeEqual, sha256Hex } from './hash.ts';
export { newId, randomBase62 } from './ids.ts';
export { decodeKey, Sealer } from './sealer.ts';

/**
 * Outgoing webhook signatures.
 * - `X-Signature`: hex HMAC-SHA256 of the exact body bytes keyed with WEBHOOK_SECRET as UTF-8,
 *   exactly what the integration guide's Flask and Express receivers compute.
 * - Standard Webhooks (v1): `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`,
 *   keyed with the base64-decoded part after `whsec_` (or the UTF-8 secret when it has no prefix).
 */
import { createHmac } from 'node:crypto';
import { hmacSha256Hex, safeEqual } from '../../infra/crypto/index.ts';

export function xSignature(secret: string, body: string): string {
  return hmacSha256Hex(secret, body);
}

export function standardWebhooksKey(secret: string): Buffer {
  return secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret, 'utf8');
}

export function standardSignature(secret: string, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', standardWebhooksKey(secret)).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${mac}`;
}

export interface SignedHeaders {
  'content-type': string;
  'user-agent': string;
  'x-signature': string;
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

export function signedHeaders(secret: string, id: string, timestampSeconds: number, body: string): SignedHeaders {
  return {
    'content-type': 'application/json',
    'user-agent': 'Brymix-Webhooks/1.0',
    'x-signature': xSignature(secret, body),
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': standardSignature(secret, id, timestampSeconds, body),
  };
}

/** Receiver-side verification of the Standard Webhooks headers (used by tests and the bench). */
export function verifyStandardSignature(
  secret: string,
  headers: { id: string; timestamp: string; signature: string },
  body: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const ts = Number(headers.timestamp);
  if (!Number.isInteger(ts) || Math.abs(nowSeconds - ts) > toleranceSeconds) return false;
  const expected = standardSignature(secret, headers.id, ts, body);
  return headers.signature.split(' ').some((candidate) => safeEqual(candidate, expected));
}

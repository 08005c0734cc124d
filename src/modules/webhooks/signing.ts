/**
 * Outgoing webhook signatures.
 * - `X-Signature`: hex HMAC-SHA256 of the exact body bytes keyed with the secret as UTF-8, exactly
 *   what the integration guide's Flask and Express receivers compute (the site webhook's
 *   `x-webhook-signature` is the same MAC).
 * - Standard Webhooks (v1): `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`,
 *   keyed with the base64-decoded part after `whsec_` (or the UTF-8 secret when it has no prefix).
 */
import { createHmac } from 'node:crypto';
import { hmacSha256Hex, safeEqual } from '../../infra/crypto/index.ts';

export function xSignature(secret: string, body: string): string {
  return hmacSha256Hex(secret, body);
}

function standardWebhooksKey(secret: string): Buffer {
  return secret.startsWith('whsec_')
    ? Buffer.from(secret.slice('whsec_'.length), 'base64')
    : Buffer.from(secret, 'utf8');
}

export function standardSignature(secret: string, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', standardWebhooksKey(secret))
    .update(`${id}.${timestampSeconds}.${body}`)
    .digest('base64');
  return `v1,${mac}`;
}

/** What one attempt signs: the delivery id (the same on every attempt), the attempt's time, the exact body. */
interface SignedMessage {
  id: string;
  timestampSeconds: number;
  body: string;
}

/** The headers of one attempt; each delivery channel has its scheme. */
export type SigningScheme = (message: SignedMessage) => Record<string, string>;

function standardWebhooksHeaders(secret: string, message: SignedMessage): Record<string, string> {
  return {
    'webhook-id': message.id,
    'webhook-timestamp': String(message.timestampSeconds),
    'webhook-signature': standardSignature(secret, message.id, message.timestampSeconds, message.body),
  };
}

/** Result webhooks: the seed's `X-Signature` plus Standard Webhooks, keyed with WEBHOOK_SECRET. */
export function resultWebhookScheme(secret: string): SigningScheme {
  return (message) => ({
    'content-type': 'application/json',
    'user-agent': 'Brymix-Webhooks/1.0',
    'x-signature': xSignature(secret, message.body),
    ...standardWebhooksHeaders(secret, message),
  });
}

/**
 * Platform → CRM events: what POST /api/webhooks/site verifies, `x-webhook-signature` (hex
 * HMAC-SHA256 of the body) plus Standard Webhooks, keyed with SITE_WEBHOOK_SECRET.
 */
export function siteWebhookScheme(secret: string): SigningScheme {
  return (message) => ({
    'content-type': 'application/json',
    'user-agent': 'Brymix-Platform/1.0',
    'x-webhook-signature': xSignature(secret, message.body),
    ...standardWebhooksHeaders(secret, message),
  });
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

/**
 * POST /api/webhooks/site, the receiving side (reference/security.md §1): the signature is checked
 * over the raw bytes before anything is parsed, in constant time; Standard Webhooks headers, when
 * the sender adds them, must verify too and carry a timestamp within 5 minutes (both directions);
 * each event is remembered by its id (webhook-id, else the body's `id`, else SHA-256 of the body)
 * so a replay or a retry is applied once; the event is queued and the sender gets 2xx at once.
 */

import { fieldErrorsFromZod } from '../../http/error-handler.ts';
import { AppError } from '../../http/errors.ts';
import { findNul, nulProblem } from '../../http/nul-guard.ts';
import type { Clock } from '../../infra/clock.ts';
import { hmacSha256Hex, newId, safeEqual, sha256Hex } from '../../infra/crypto/index.ts';
import type { Db } from '../../infra/db/index.ts';
import type { Logger } from '../../infra/logger.ts';
import type { JobQueue } from '../../infra/queue/types.ts';
import { siteEventJob } from '../../jobs.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { RequestMeta } from '../audit/audit.ts';
import { verifyStandardSignature } from '../webhooks/signing.ts';
import { createCrmRepository } from './crm.repository.ts';
import { envelopeSchema, eventDataSchemas, SITE_EVENTS, type SiteEventName } from './crm.ts';

const SIGNATURE_HEADER = 'x-webhook-signature';
/** Standard Webhooks tolerance (standardwebhooks JS: 5 minutes, too old and too new). */
const TIMESTAMP_TOLERANCE_SECONDS = 300;
/** Dedupe keys are kept at least this long: beyond any sender's retry horizon (~3 days). */
export const DEDUPE_KEEP_MS = 30 * 86_400_000;

export type SignatureCheck = { ok: true; webhookId: string | null } | { ok: false; reason: string };

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Checks `x-webhook-signature` (hex HMAC-SHA256 of the raw body) and, when present, the Standard Webhooks headers. */
export function verifySiteSignature(
  secret: string,
  raw: Buffer,
  headers: Record<string, string | string[] | undefined>,
  nowSeconds: number,
): SignatureCheck {
  const given = header(headers, SIGNATURE_HEADER)
    ?.trim()
    .toLowerCase()
    .replace(/^sha256=/, '');
  if (!given) return { ok: false, reason: 'missing_signature' };
  if (!/^[0-9a-f]{64}$/.test(given)) return { ok: false, reason: 'malformed_signature' };
  if (!safeEqual(given, hmacSha256Hex(secret, raw))) return { ok: false, reason: 'bad_signature' };
  const id = header(headers, 'webhook-id');
  const ts = header(headers, 'webhook-timestamp');
  const sig = header(headers, 'webhook-signature');
  if (id === undefined && ts === undefined && sig === undefined) return { ok: true, webhookId: null };
  if (!id || !ts || !sig || id.length > 200) return { ok: false, reason: 'incomplete_standard_webhooks_headers' };
  const t = Number(ts);
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > TIMESTAMP_TOLERANCE_SECONDS)
    return { ok: false, reason: 'timestamp_outside_tolerance' };
  if (
    !verifyStandardSignature(
      secret,
      { id, timestamp: ts, signature: sig },
      raw.toString('utf8'),
      nowSeconds,
      TIMESTAMP_TOLERANCE_SECONDS,
    )
  )
    return { ok: false, reason: 'bad_standard_signature' };
  return { ok: true, webhookId: id };
}

export function createSiteWebhookReceiver({
  db,
  queue,
  clock,
  audit,
  logger,
  secret,
}: {
  db: Db;
  queue: JobQueue;
  clock: Clock;
  audit: AuditService;
  logger: Logger;
  secret: string;
}) {
  const repo = createCrmRepository(db);

  function enqueue(eventId: string): Promise<void> {
    return queue.enqueue(siteEventJob, { event_id: eventId }, { id: `site-${eventId}`, maxAttempts: 8 });
  }

  return {
    enqueue,
    async accept(
      raw: Buffer,
      headers: Record<string, string | string[] | undefined>,
      meta: RequestMeta,
    ): Promise<{ status: 'accepted' | 'duplicate'; eventId: string }> {
      const base = { actorType: 'platform' as const, actorId: 'site-webhook', ip: meta.ip, requestId: meta.requestId };
      const check = verifySiteSignature(secret, raw, headers, Math.floor(clock.now() / 1000));
      if (!check.ok) {
        await audit.tryRecord({
          ...base,
          actorType: 'anonymous',
          action: 'webhook.rejected',
          outcome: 'denied',
          meta: { reason: check.reason, bytes: raw.length },
        });
        throw new AppError('unauthorized', 'Invalid webhook signature');
      }
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        await audit.tryRecord({
          ...base,
          action: 'webhook.rejected',
          outcome: 'failure',
          meta: { reason: 'invalid_json' },
        });
        throw new AppError('invalid_json', 'The request body is not valid JSON');
      }
      // The app-wide NUL check skips raw bodies; PostgreSQL text cannot hold U+0000.
      const nul = findNul(body, '', 'body');
      if (nul !== null) {
        await audit.tryRecord({
          ...base,
          action: 'webhook.rejected',
          outcome: 'failure',
          meta: { reason: 'nul_character', field: nul.slice(0, 100) },
        });
        throw nulProblem(nul);
      }
      const env = envelopeSchema.safeParse(body);
      if (!env.success) {
        const errors = fieldErrorsFromZod(env.error);
        throw new AppError('validation_failed', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });
      }
      const event = env.data.event;
      if (!(SITE_EVENTS as readonly string[]).includes(event)) {
        await audit.tryRecord({
          ...base,
          action: 'webhook.rejected',
          outcome: 'failure',
          meta: { reason: 'unknown_event', event: event.slice(0, 100) },
        });
        throw new AppError('validation_failed', `Unknown event "${event}"; expected one of ${SITE_EVENTS.join(', ')}`, {
          errors: [{ field: 'event', message: `must be one of ${SITE_EVENTS.join(', ')}` }],
        });
      }
      const data = eventDataSchemas[event as SiteEventName].safeParse(env.data.data);
      if (!data.success) {
        const errors = fieldErrorsFromZod(data.error, 'data');
        await audit.tryRecord({
          ...base,
          action: 'webhook.rejected',
          outcome: 'failure',
          meta: { reason: 'invalid_data', event },
        });
        throw new AppError('validation_failed', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });
      }
      const dedupeKey = check.webhookId
        ? `webhook-id:${check.webhookId}`
        : env.data.id
          ? `id:${env.data.id}`
          : `body:${sha256Hex(raw)}`;
      const eventId = newId('evt', 20);
      const fresh = await repo.insertEvent({
        dedupe_key: dedupeKey,
        id: eventId,
        event,
        payload: raw.toString('utf8'),
        status: 'received',
        error: null,
        received_at: clock.now(),
        processed_at: null,
      });
      if (!fresh) {
        await audit.tryRecord({
          ...base,
          action: 'webhook.duplicate',
          meta: { event, dedupeKey: dedupeKey.slice(0, 120) },
        });
        return { status: 'duplicate', eventId: dedupeKey };
      }
      await audit.tryRecord({
        ...base,
        action: 'webhook.received',
        targetType: 'event',
        targetId: eventId,
        meta: { event, webhookId: check.webhookId },
      });
      // The event row is durable; a lost enqueue is picked up by the sweeper.
      await enqueue(eventId).catch((err: Error) =>
        logger.error({ err: err.message, eventId }, 'could not queue site event; the sweeper will retry'),
      );
      return { status: 'accepted', eventId };
    },
  };
}

export type SiteWebhookReceiver = ReturnType<typeof createSiteWebhookReceiver>;

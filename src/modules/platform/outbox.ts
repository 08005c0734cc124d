/**
 * The trading platform's event outbox: an event row is written in the same transaction as the
 * change it reports, then delivered to CRM_BASE_URL/api/webhooks/site as a queue job, signed with
 * `x-webhook-signature` (hex HMAC-SHA256 of the body, SITE_WEBHOOK_SECRET) plus Standard Webhooks
 * headers (`webhook-id` = the event id, stable across retries, so the CRM applies it once).
 * Retries follow the webhooks module's schedule (about three days); its sender does the HTTP.
 */
import { sql } from 'kysely';
import type { Clock } from '../../infra/clock.ts';
import { newId } from '../../infra/crypto/index.ts';
import type { Db } from '../../infra/db/index.ts';
import { crmDb, type CrmDb } from '../../infra/db/crm-schema.ts';
import type { Logger } from '../../infra/logger.ts';
import type { JobQueue } from '../../infra/queue/types.ts';
import { outboxDeliveryJob, type OutboxDeliveryPayload } from '../../jobs.ts';
import type { SiteEventName } from '../crm/crm.ts';
import { parseRetryAfter, retryDelay } from '../webhooks/schedule.ts';
import { standardSignature, xSignature } from '../webhooks/signing.ts';
import { parseCidrs } from '../../infra/net/cidr.ts';
import { createWebhookSender } from '../webhooks/webhook.sender.ts';

const LOST_GRACE_MS = 60_000;

export interface OutboxDeps {
  db: Db;
  queue: JobQueue;
  clock: Clock;
  logger: Logger;
  secret: string;
  url: string;
  maxAttempts: number;
  timeoutMs: number;
  random?: () => number;
}

export function createPlatformOutbox(deps: OutboxDeps) {
  const cdb = crmDb(deps.db);
  const random = deps.random ?? Math.random;
  // CRM_BASE_URL is the operator's own setting, not a customer's URL: any address is allowed.
  const sender = createWebhookSender({ allow: parseCidrs(['0.0.0.0/0', '::/0']), timeoutMs: deps.timeoutMs });

  function enqueueAttempt(id: string, attempt: number, delayMs = 0, suffix = ''): Promise<void> {
    return deps.queue.enqueue(outboxDeliveryJob, { outbox_id: id, attempt }, { id: `${id}-${attempt}${suffix}`, delayMs, maxAttempts: 1 });
  }

  return {
    url: deps.url,

    /** Writes an event inside the caller's transaction; call `dispatch` with the ids after commit. */
    async add(tx: CrmDb, event: SiteEventName, data: Record<string, unknown>, occurredAt: number): Promise<string> {
      const id = newId('pev', 20);
      const payload = JSON.stringify({ event, data, timestamp: new Date(occurredAt).toISOString() });
      await tx.insertInto('platform_outbox').values({ id, event, payload, status: 'pending', attempts: 0, next_attempt_at: deps.clock.now(), last_status_code: null, last_error: null, created_at: deps.clock.now(), delivered_at: null }).execute();
      return id;
    },

    async dispatch(ids: string[]): Promise<void> {
      for (const id of ids) await enqueueAttempt(id, 1).catch((err: Error) => deps.logger.error({ err: err.message, id }, 'could not queue platform event; the sweeper will retry'));
    },

    /** Queue handler: one delivery attempt; schedules the next on failure. */
    async handleAttempt(payload: OutboxDeliveryPayload): Promise<void> {
      const { outbox_id: id, attempt } = payload;
      const now = deps.clock.now();
      const claimed = await cdb
        .updateTable('platform_outbox')
        .set({ status: 'delivering', attempts: attempt, next_attempt_at: now + deps.timeoutMs + 45_000 })
        .where('id', '=', id)
        .where('attempts', '=', attempt - 1)
        .where((eb) => eb.or([eb('status', '=', 'pending'), eb.and([eb('status', '=', 'delivering'), eb('next_attempt_at', '<', now)])]))
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) return; // delivered, or a stale duplicate
      const row = (await cdb.selectFrom('platform_outbox').selectAll().where('id', '=', id).executeTakeFirst())!;
      const ts = Math.floor(deps.clock.now() / 1000);
      const headers = {
        'content-type': 'application/json',
        'user-agent': 'Brymix-Platform/1.0',
        'x-webhook-signature': xSignature(deps.secret, row.payload),
        'webhook-id': row.id,
        'webhook-timestamp': String(ts),
        'webhook-signature': standardSignature(deps.secret, row.id, ts, row.payload),
      };
      const outcome = await sender.send(deps.url, headers, row.payload);
      const done = deps.clock.now();
      const ok = outcome.statusCode !== null && outcome.statusCode >= 200 && outcome.statusCode < 300;
      // A 4xx other than 408/429 will not get better by retrying the same bytes, but the CRM may be
      // mid-deploy or misconfigured; retries are cheap and the schedule is bounded, so keep trying.
      const last = attempt >= deps.maxAttempts;
      const delay = ok || last ? null : retryDelay(attempt + 1, random(), parseRetryAfter(outcome.retryAfter, done));
      await cdb
        .updateTable('platform_outbox')
        .set({
          status: ok ? 'delivered' : delay === null ? 'failed' : 'pending',
          next_attempt_at: delay === null ? null : done + delay,
          last_status_code: outcome.statusCode,
          last_error: ok ? null : (outcome.error ?? `HTTP ${outcome.statusCode}`).slice(0, 500),
          ...(ok ? { delivered_at: done } : {}),
        })
        .where('id', '=', id)
        .execute();
      deps.logger.info({ outboxId: id, event: row.event, attempt, statusCode: outcome.statusCode, error: outcome.error }, ok ? 'platform event delivered' : 'platform event attempt failed');
      if (delay !== null) await enqueueAttempt(id, attempt + 1, delay);
    },

    /** Re-queues events whose queue job was lost (crash between commit and enqueue, or mid-attempt). */
    async sweep(): Promise<number> {
      const now = deps.clock.now();
      const rows = await cdb
        .selectFrom('platform_outbox')
        .select(['id', 'attempts'])
        .where((eb) => eb.or([eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '<', now - LOST_GRACE_MS)]), eb.and([eb('status', '=', 'delivering'), eb('next_attempt_at', '<', now)])]))
        .limit(500)
        .execute();
      for (const r of rows) await enqueueAttempt(r.id, r.attempts + 1, 0, `-sweep${now}`);
      return rows.length;
    },

    async stats(): Promise<Record<string, number>> {
      const rows = await cdb.selectFrom('platform_outbox').select(['status', sql<number>`count(*)`.as('n')]).groupBy('status').execute();
      return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    },

    close: () => sender.close(),
  };
}

export type PlatformOutbox = ReturnType<typeof createPlatformOutbox>;

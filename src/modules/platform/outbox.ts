/**
 * The trading platform's event outbox: an event is written in the same transaction as the change
 * it reports, then delivered to CRM_BASE_URL/api/webhooks/site by the webhooks module's delivery
 * engine, signed with the site webhook's scheme (`x-webhook-signature` plus Standard Webhooks,
 * SITE_WEBHOOK_SECRET; `webhook-id` = the event id, stable across retries, so the CRM applies it
 * once), on the engine's schedule, with its attempt log and its 410 rule.
 */
import type { Clock } from '../../infra/clock.ts';
import type { Db } from '../../infra/db/index.ts';
import type { Logger } from '../../infra/logger.ts';
import { parseCidrs } from '../../infra/net/cidr.ts';
import type { JobQueue } from '../../infra/queue/types.ts';
import { type OutboxDeliveryPayload, outboxDeliveryJob } from '../../jobs.ts';
import type { SiteEventName } from '../crm/crm.ts';
import { createDeliveryEngine } from '../webhooks/delivery.engine.ts';
import { siteWebhookScheme } from '../webhooks/signing.ts';
import { createWebhookSender } from '../webhooks/webhook.sender.ts';

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
  // CRM_BASE_URL is the operator's own setting, not a customer's URL: any address is allowed.
  const sender = createWebhookSender({ allow: parseCidrs(['0.0.0.0/0', '::/0']), timeoutMs: deps.timeoutMs });
  const engine = createDeliveryEngine({
    db: deps.db,
    clock: deps.clock,
    logger: deps.logger,
    maxAttempts: deps.maxAttempts,
    timeoutMs: deps.timeoutMs,
    ...(deps.random ? { random: deps.random } : {}),
    channel: {
      name: 'platform',
      idPrefix: 'pev',
      logName: 'platform event',
      sign: siteWebhookScheme(deps.secret),
      sender,
      // Events are stored without a url: a changed CRM_BASE_URL also reroutes the ones still pending.
      url: deps.url,
      queueAttempt: (deliveryId, attempt, options) =>
        deps.queue.enqueue(outboxDeliveryJob, { outbox_id: deliveryId, attempt }, { ...options, maxAttempts: 1 }),
    },
  });

  return {
    /** Writes an event inside the caller's transaction; call `dispatch` with the ids after commit. */
    add(tx: Db, event: SiteEventName, data: Record<string, unknown>, occurredAt: number): Promise<string> {
      const payload = JSON.stringify({ event, data, timestamp: new Date(occurredAt).toISOString() });
      return engine.create(tx, { event, payload });
    },

    async dispatch(ids: string[]): Promise<void> {
      for (const id of ids) {
        await engine.dispatch(id).catch((err: Error) => {
          deps.logger.error({ err: err.message, id }, 'could not queue platform event; the sweeper will retry');
        });
      }
    },

    /** The work of outboxDeliveryJob: one delivery attempt; the engine queues the next on failure. */
    handleAttempt(payload: OutboxDeliveryPayload): Promise<void> {
      return engine.runAttempt(payload.outbox_id, payload.attempt);
    },

    /** Re-queues events whose queue job was lost (crash between commit and enqueue, or mid-attempt). */
    sweep: (): Promise<number> => engine.sweep(),

    /** An event with its attempt log (operators, tests). */
    find: (id: string) => engine.find(id),

    close: () => sender.close(),
  };
}

export type PlatformOutbox = ReturnType<typeof createPlatformOutbox>;

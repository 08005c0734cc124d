/**
 * Result webhooks: a check's result goes to its callback_url through the delivery engine, signed
 * with the seed's `X-Signature` plus Standard Webhooks, written in the same transaction as the
 * result. This service adds the job-facing side: the delivery log view and manual redelivery.
 */
import type { Transaction } from 'kysely';
import type { Clock } from '../../infra/clock.ts';
import type { Db } from '../../infra/db/index.ts';
import type { Database } from '../../infra/db/schema.ts';
import type { Logger } from '../../infra/logger.ts';
import type { Metrics } from '../../infra/metrics.ts';
import type { JobQueue } from '../../infra/queue/types.ts';
import { type WebhookDeliveryPayload, webhookDeliveryJob } from '../../jobs.ts';
import { createDeliveryEngine, type DeliveryRecord } from './delivery.engine.ts';
import { resultWebhookScheme } from './signing.ts';
import type { WebhookSender } from './webhook.sender.ts';

export interface WebhookServiceDeps {
  db: Db;
  queue: JobQueue;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  sender: WebhookSender;
  secret: string;
  maxAttempts: number;
  timeoutMs: number;
  random?: () => number;
}

export interface DeliveryView {
  webhook_id: string;
  url: string;
  status: string;
  attempts: number;
  max_attempts: number;
  next_attempt_at: string | null;
  delivered_at: string | null;
  last_status_code: number | null;
  created_at: string;
  attempt_log: Array<{
    attempt: number;
    started_at: string;
    duration_ms: number;
    status_code: number | null;
    error: string | null;
    response_body: string | null;
    next_retry_at: string | null;
  }>;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A delivery and its attempt log as the API shows them (a check's, a monitor event's). */
export function deliveryView({ delivery: d, attempts }: DeliveryRecord, maxAttempts: number): DeliveryView {
  return {
    webhook_id: d.id,
    url: d.url ?? '',
    status: d.status,
    attempts: d.attempts,
    max_attempts: maxAttempts,
    next_attempt_at: d.status === 'pending' ? iso(d.next_attempt_at) : null,
    delivered_at: iso(d.delivered_at),
    last_status_code: d.last_status_code,
    created_at: iso(d.created_at)!,
    attempt_log: attempts.map((a) => ({
      attempt: a.attempt,
      started_at: iso(a.started_at)!,
      duration_ms: a.duration_ms,
      status_code: a.status_code,
      error: a.error,
      response_body: a.response_body,
      next_retry_at: iso(a.next_retry_at),
    })),
  };
}

export function createWebhookService(deps: WebhookServiceDeps) {
  const engine = createDeliveryEngine({
    db: deps.db,
    clock: deps.clock,
    logger: deps.logger,
    maxAttempts: deps.maxAttempts,
    timeoutMs: deps.timeoutMs,
    ...(deps.random ? { random: deps.random } : {}),
    channel: {
      name: 'result',
      idPrefix: 'msg',
      logName: 'webhook',
      sign: resultWebhookScheme(deps.secret),
      sender: deps.sender,
      queueAttempt: (deliveryId, attempt, options) =>
        deps.queue.enqueue(webhookDeliveryJob, { delivery_id: deliveryId, attempt }, { ...options, maxAttempts: 1 }),
      onAttempt: ({ ok }) => deps.metrics.webhookAttempts.inc({ result: ok ? 'success' : 'failure' }),
    },
  });

  return {
    /** Writes the delivery inside the caller's transaction; call `dispatch` after commit. */
    createDelivery(
      tx: Transaction<Database>,
      input: { jobId: string; tenantId: string; url: string; payload: string },
    ): Promise<string> {
      return engine.create(tx, input);
    },

    /** Queues the first attempt as a queue job. */
    dispatch: (deliveryId: string): Promise<void> => engine.dispatch(deliveryId),

    /**
     * Runs the first attempt now, in the caller (the worker that finished the check) rather than as
     * a queue job of its own; a failed attempt queues the next on the schedule, as any attempt does.
     */
    deliverFirst: (deliveryId: string): Promise<void> => engine.runAttempt(deliveryId, 1),

    /** The work of webhookDeliveryJob. */
    handleAttempt(payload: WebhookDeliveryPayload): Promise<void> {
      return engine.runAttempt(payload.delivery_id, payload.attempt);
    },

    /**
     * Queues the first attempt of a job's webhook when the check's queue job runs again after
     * finishing it: none ran yet (the check's commit succeeded while its client saw the connection
     * drop, or its process died before the attempt), or the first attempt, made by the worker that
     * finished the check, was abandoned mid-way (its lease ran out: that process died). The queue
     * id is the first attempt's, so a queued first attempt is not doubled, and an attempt still
     * within its lease is left alone.
     */
    async resumeForJob(jobId: string): Promise<void> {
      const d = (await engine.findByJob(jobId))?.delivery;
      if (!d) return;
      const notStarted = d.status === 'pending' && d.attempts === 0;
      const abandoned = d.status === 'delivering' && d.attempts === 1 && (d.next_attempt_at ?? 0) < deps.clock.now();
      if (notStarted || abandoned) await engine.dispatch(d.id);
    },

    async forJob(jobId: string): Promise<DeliveryView | null> {
      const found = await engine.findByJob(jobId);
      return found && deliveryView(found, deps.maxAttempts);
    },

    /**
     * Makes one immediate attempt at a job's webhook, with the same webhook-id. When it fails,
     * automatic retries go on while the attempt budget lasts. Returns null when there is no webhook.
     */
    async redeliver(jobId: string): Promise<DeliveryView | null> {
      const found = await engine.findByJob(jobId);
      if (!found) return null;
      const after = await engine.redeliver(found.delivery.id);
      return after && deliveryView(after, deps.maxAttempts);
    },

    /** Re-queues deliveries whose queue job was lost (e.g. the process died between commit and enqueue). */
    sweep: (): Promise<number> => engine.sweep(),
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;

/**
 * Outgoing webhooks: a delivery row is written in the same transaction as the result it carries
 * (transactional outbox), then each attempt runs as a queue job. The `webhook-id` (the delivery
 * id) is the same on every attempt; the timestamp and signatures are made anew per attempt.
 */
import type { Transaction } from 'kysely';
import type { Clock } from '../../infra/clock.ts';
import { newId } from '../../infra/crypto/index.ts';
import type { Db } from '../../infra/db/index.ts';
import type { Database, WebhookAttemptRow, WebhookDeliveryRow } from '../../infra/db/schema.ts';
import type { Logger } from '../../infra/logger.ts';
import type { Metrics } from '../../infra/metrics.ts';
import type { JobQueue } from '../../infra/queue/types.ts';
import { webhookDeliveryJob, type WebhookDeliveryPayload } from '../../jobs.ts';
import { parseRetryAfter, retryDelay } from './schedule.ts';
import { signedHeaders } from './signing.ts';
import { createWebhookRepository } from './webhook.repository.ts';
import type { WebhookSender } from './webhook.sender.ts';

/** A delivery whose next step is this late was lost with a crashed process; the sweeper re-queues it. */
const SWEEP_GRACE_MS = 60_000;

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

export function createWebhookService(deps: WebhookServiceDeps) {
  const repo = createWebhookRepository(deps.db);
  const random = deps.random ?? Math.random;

  function enqueueAttempt(deliveryId: string, attempt: number, delayMs = 0): Promise<void> {
    return deps.queue.enqueue(webhookDeliveryJob, { delivery_id: deliveryId, attempt }, { id: `${deliveryId}-${attempt}`, delayMs, maxAttempts: 1 });
  }

  function view(d: WebhookDeliveryRow, attempts: WebhookAttemptRow[]): DeliveryView {
    return {
      webhook_id: d.id,
      url: d.url,
      status: d.status,
      attempts: d.attempts,
      max_attempts: deps.maxAttempts,
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

  return {
    /** Writes the delivery inside the caller's transaction; call `dispatch` after commit. */
    async createDelivery(tx: Transaction<Database>, input: { jobId: string; tenantId: string; url: string; payload: string }): Promise<string> {
      const id = newId('msg', 24);
      const now = deps.clock.now();
      await repo.insertDelivery(
        { id, job_id: input.jobId, tenant_id: input.tenantId, url: input.url, payload: input.payload, status: 'pending', attempts: 0, next_attempt_at: now, last_status_code: null, created_at: now, delivered_at: null },
        tx,
      );
      return id;
    },

    dispatch(deliveryId: string): Promise<void> {
      return enqueueAttempt(deliveryId, 1);
    },

    /** Queue handler: runs attempt `attempt` of a delivery and schedules the next on failure. */
    async handleAttempt(payload: WebhookDeliveryPayload): Promise<void> {
      const { delivery_id: deliveryId, attempt } = payload;
      const now = deps.clock.now();
      if (!(await repo.claimAttempt(deliveryId, attempt, now, deps.timeoutMs + 45_000))) return; // stale duplicate
      const delivery = (await repo.findDelivery(deliveryId))!;
      const ts = Math.floor(deps.clock.now() / 1000);
      const outcome = await deps.sender.send(delivery.url, { ...signedHeaders(deps.secret, delivery.id, ts, delivery.payload) }, delivery.payload);
      const finishedAt = deps.clock.now();
      const ok = outcome.statusCode !== null && outcome.statusCode >= 200 && outcome.statusCode < 300;
      // 410 Gone: the receiver asks us to stop (Standard Webhooks).
      const gone = outcome.statusCode === 410;
      const last = attempt >= deps.maxAttempts;
      const nextDelay = ok || gone || last ? null : retryDelay(attempt + 1, random(), parseRetryAfter(outcome.retryAfter, finishedAt));
      const nextAt = nextDelay === null ? null : finishedAt + nextDelay;
      await repo.insertAttempt({
        delivery_id: deliveryId,
        attempt,
        started_at: ts * 1000,
        duration_ms: outcome.durationMs,
        status_code: outcome.statusCode,
        error: outcome.error ?? (ok ? null : `HTTP ${outcome.statusCode}`),
        response_body: outcome.responseBody,
        next_retry_at: nextAt,
      });
      await repo.finishAttempt(deliveryId, {
        status: ok ? 'succeeded' : nextAt === null ? 'failed' : 'pending',
        next_attempt_at: nextAt,
        last_status_code: outcome.statusCode,
        ...(ok ? { delivered_at: finishedAt } : {}),
      });
      deps.metrics.webhookAttempts.inc({ result: ok ? 'success' : 'failure' });
      deps.logger.info(
        { webhookId: deliveryId, jobId: delivery.job_id, attempt, statusCode: outcome.statusCode, error: outcome.error, durationMs: outcome.durationMs, nextAttemptAt: iso(nextAt) },
        ok ? 'webhook delivered' : 'webhook attempt failed',
      );
      if (nextDelay !== null) await enqueueAttempt(deliveryId, attempt + 1, nextDelay);
    },

    async forJob(jobId: string): Promise<DeliveryView | null> {
      const d = await repo.findDeliveryByJob(jobId);
      if (!d) return null;
      return view(d, await repo.listAttempts(d.id));
    },

    /**
     * Makes one immediate attempt at a job's webhook, with the same webhook-id. When it fails,
     * automatic retries go on while the attempt budget lasts. Returns null when there is no webhook.
     */
    async redeliver(jobId: string): Promise<DeliveryView | null> {
      const d = await repo.findDeliveryByJob(jobId);
      if (!d) return null;
      if (d.status !== 'delivering' && (await repo.reopen(d.id, d.attempts, deps.clock.now()))) {
        // A unique queue id: a retry already scheduled for later finds the attempt taken and stops.
        await deps.queue.enqueue(webhookDeliveryJob, { delivery_id: d.id, attempt: d.attempts + 1 }, { id: `${d.id}-${d.attempts + 1}-manual-${deps.clock.now()}`, maxAttempts: 1 });
      }
      return view((await repo.findDelivery(d.id))!, await repo.listAttempts(d.id));
    },

    /** Re-queues deliveries whose queue job was lost (e.g. the process died between commit and enqueue). */
    async sweep(): Promise<number> {
      const overdue = await repo.overdue(deps.clock.now(), SWEEP_GRACE_MS, 500);
      for (const d of overdue) {
        const attempt = d.status === 'delivering' ? d.attempts : d.attempts + 1;
        await enqueueAttempt(d.id, attempt);
      }
      return overdue.length;
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;

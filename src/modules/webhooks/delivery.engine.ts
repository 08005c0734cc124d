/**
 * The one engine for signed HTTP to someone else's server. A delivery row is written in the same
 * transaction as the change it reports (transactional outbox); each attempt then runs as a queue
 * job: claim the attempt (its lease), sign the exact stored bytes with the channel's scheme, send
 * through the channel's sender (SSRF and redirect policy), log the attempt, and finish: 2xx
 * succeeds, 410 Gone stops (Standard Webhooks: the receiver asks us to stop), anything else is
 * retried on the schedule (schedule.ts, a longer Retry-After honoured) until the attempts run out.
 * The delivery id is the `webhook-id` of every attempt; timestamp and signatures are made anew.
 *
 * A channel is one kind of delivery (result webhooks, platform → CRM events, …): its users build
 * one engine per channel and route their queue job to `runAttempt`.
 */

import type { Clock } from '../../infra/clock.ts';
import { newId } from '../../infra/crypto/index.ts';
import type { Db } from '../../infra/db/index.ts';
import { parseRetryAfter } from '../../infra/http/retry-after.ts';
import type { Logger } from '../../infra/logger.ts';
import { createDeliveryRepository } from './delivery.repository.ts';
import { retryDelay } from './schedule.ts';
import type { SigningScheme } from './signing.ts';
import type { AttemptOutcome, WebhookSender } from './webhook.sender.ts';
import type { WebhookAttemptRow, WebhookDeliveryRow } from './webhook.table.ts';

/** An attempt's lease runs this long past its timeout; a lease this late means the process died. */
const LEASE_MARGIN_MS = 45_000;
/** A delivery whose next step is this late was lost with a crashed process; the sweeper re-queues it. */
const SWEEP_GRACE_MS = 60_000;
const SWEEP_BATCH = 500;

interface DeliveryChannel {
  /** Stored on each delivery; the sweep re-queues only its own channel's deliveries. */
  name: string;
  /** Prefix of delivery ids, which receivers see as `webhook-id`. */
  idPrefix: string;
  /** Subject of the log lines ("webhook" → "webhook delivered", "webhook attempt failed"). */
  logName: string;
  sign: SigningScheme;
  /** The HTTP client, with the address policy this channel's receivers need. */
  sender: WebhookSender;
  /** Where a delivery created without a url goes, read at each attempt (an operator's setting). */
  url?: string;
  /** Queues attempt `attempt` of a delivery as this channel's job; a queue id already waiting is a no-op. */
  queueAttempt(deliveryId: string, attempt: number, options: { id: string; delayMs: number }): Promise<void>;
  /** Told of every attempt after it is logged (metrics). */
  onAttempt?(result: AttemptResult): void;
}

export interface DeliveryEngineDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  channel: DeliveryChannel;
  maxAttempts: number;
  /** The sender's per-attempt limit; the attempt's lease is derived from it. */
  timeoutMs: number;
  random?: () => number;
}

export interface NewDelivery {
  /** The delivery id (receivers' `webhook-id`) when the caller has a stable one, e.g. an event id; else a new one. */
  id?: string;
  payload: string;
  /** Omitted: the channel's url. */
  url?: string | null;
  event?: string | null;
  jobId?: string | null;
  tenantId?: string | null;
}

interface AttemptResult {
  deliveryId: string;
  attempt: number;
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  nextAttemptAt: number | null;
}

/** A delivery and its attempt log, oldest attempt first. */
export interface DeliveryRecord {
  delivery: WebhookDeliveryRow;
  attempts: WebhookAttemptRow[];
}

const isSuccess = (statusCode: number | null) => statusCode !== null && statusCode >= 200 && statusCode < 300;

export function createDeliveryEngine(deps: DeliveryEngineDeps) {
  const { channel, clock } = deps;
  const repo = createDeliveryRepository(deps.db);
  const random = deps.random ?? Math.random;
  const leaseMs = deps.timeoutMs + LEASE_MARGIN_MS;

  /** The queue id `<delivery>-<attempt>` makes a second queueing of one attempt a no-op. */
  function queue(deliveryId: string, attempt: number, delayMs = 0, queueId?: string): Promise<void> {
    return channel.queueAttempt(deliveryId, attempt, { id: queueId ?? `${deliveryId}-${attempt}`, delayMs });
  }

  function send(delivery: WebhookDeliveryRow, timestampSeconds: number): Promise<AttemptOutcome> {
    const url = delivery.url ?? channel.url;
    if (!url) {
      const error = 'no destination url';
      return Promise.resolve({ statusCode: null, responseBody: null, error, retryAfter: undefined, durationMs: 0 });
    }
    const message = { id: delivery.id, timestampSeconds, body: delivery.payload };
    return channel.sender.send(url, channel.sign(message), delivery.payload);
  }

  async function record(id: string): Promise<DeliveryRecord | null> {
    const delivery = await repo.findDelivery(id);
    return delivery ? { delivery, attempts: await repo.listAttempts(id) } : null;
  }

  return {
    /** Writes a delivery inside the caller's transaction; call `dispatch` with its id after commit. */
    async create(tx: Db, input: NewDelivery): Promise<string> {
      const id = input.id ?? newId(channel.idPrefix, 24);
      const now = clock.now();
      await repo.insertDelivery(
        {
          id,
          channel: channel.name,
          job_id: input.jobId ?? null,
          tenant_id: input.tenantId ?? null,
          event: input.event ?? null,
          url: input.url ?? null,
          payload: input.payload,
          status: 'pending',
          attempts: 0,
          next_attempt_at: now,
          last_status_code: null,
          last_error: null,
          created_at: now,
          delivered_at: null,
        },
        tx,
      );
      return id;
    },

    /** Queues the first attempt. */
    dispatch(deliveryId: string): Promise<void> {
      return queue(deliveryId, 1);
    },

    /** The queue job's work: runs attempt `attempt` of a delivery and queues the next on failure. */
    async runAttempt(deliveryId: string, attempt: number): Promise<void> {
      const delivery = await repo.claimAttempt(deliveryId, attempt, clock.now(), leaseMs);
      if (!delivery) return; // stale duplicate
      const timestampSeconds = Math.floor(clock.now() / 1000);
      const outcome = await send(delivery, timestampSeconds);
      const finishedAt = clock.now();
      const ok = isSuccess(outcome.statusCode);
      const gone = outcome.statusCode === 410;
      const last = attempt >= deps.maxAttempts;
      const retryAfterMs = parseRetryAfter(outcome.retryAfter, finishedAt);
      const nextDelay = ok || gone || last ? null : retryDelay(attempt + 1, random(), retryAfterMs);
      const nextAttemptAt = nextDelay === null ? null : finishedAt + nextDelay;
      const error = ok ? null : (outcome.error ?? `HTTP ${outcome.statusCode}`);
      await repo.logAttempt(
        {
          delivery_id: deliveryId,
          attempt,
          started_at: timestampSeconds * 1000,
          duration_ms: outcome.durationMs,
          status_code: outcome.statusCode,
          error,
          response_body: outcome.responseBody,
          next_retry_at: nextAttemptAt,
        },
        {
          status: ok ? 'succeeded' : nextAttemptAt === null ? 'failed' : 'pending',
          next_attempt_at: nextAttemptAt,
          last_status_code: outcome.statusCode,
          last_error: error?.slice(0, 500) ?? null,
          ...(ok ? { delivered_at: finishedAt } : {}),
        },
      );
      channel.onAttempt?.({ deliveryId, attempt, ok, statusCode: outcome.statusCode, error, nextAttemptAt });
      deps.logger.info(
        {
          webhookId: deliveryId,
          channel: channel.name,
          ...(delivery.job_id ? { jobId: delivery.job_id } : {}),
          ...(delivery.event ? { event: delivery.event } : {}),
          attempt,
          statusCode: outcome.statusCode,
          error: outcome.error,
          durationMs: outcome.durationMs,
          nextAttemptAt: nextAttemptAt === null ? null : new Date(nextAttemptAt).toISOString(),
        },
        ok ? `${channel.logName} delivered` : `${channel.logName} attempt failed`,
      );
      if (nextDelay !== null) await queue(deliveryId, attempt + 1, nextDelay);
    },

    find: record,

    async findByJob(jobId: string): Promise<DeliveryRecord | null> {
      const delivery = await repo.findDeliveryByJob(jobId);
      return delivery ? { delivery, attempts: await repo.listAttempts(delivery.id) } : null;
    },

    /**
     * Makes one immediate attempt, with the same webhook-id. When it fails, automatic retries go
     * on while the attempt budget lasts. Null when there is no such delivery.
     */
    async redeliver(deliveryId: string): Promise<DeliveryRecord | null> {
      const d = await repo.findDelivery(deliveryId);
      if (!d) return null;
      const now = clock.now();
      if (d.status !== 'delivering' && (await repo.reopen(d.id, d.attempts, now))) {
        // A unique queue id: a retry already scheduled for later finds the attempt taken and stops.
        await queue(d.id, d.attempts + 1, 0, `${d.id}-${d.attempts + 1}-manual-${now}`);
      }
      return record(d.id);
    },

    /** Re-queues this channel's deliveries whose queue job was lost (a crash after commit, or mid-attempt). */
    async sweep(): Promise<number> {
      const overdue = await repo.overdue(channel.name, clock.now(), SWEEP_GRACE_MS, SWEEP_BATCH);
      for (const d of overdue) await queue(d.id, d.status === 'delivering' ? d.attempts : d.attempts + 1);
      return overdue.length;
    },
  };
}

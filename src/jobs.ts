/**
 * Every job the queue runs: its name, the schema of its payload and its handler. src/worker.ts
 * runs this list; services enqueue these definitions (`queue.enqueue(checkRunJob, { job_id })`).
 * The names are stored with each queued job, so they never change: a job queued before an
 * upgrade runs after it. Payloads carry ids and counters only (BullMQ keeps them in clear text).
 */
import { z } from 'zod';
import { defineJob } from './infra/queue/job.ts';
import type { JobContext } from './infra/queue/types.ts';

const checkRunPayload = z.object({ job_id: z.string().min(1) });
const webhookDeliveryPayload = z.object({ delivery_id: z.string().min(1), attempt: z.number().int().min(1) });
const siteEventPayload = z.object({ event_id: z.string().min(1) });
const outboxDeliveryPayload = z.object({ outbox_id: z.string().min(1), attempt: z.number().int().min(1) });
const accountSyncPayload = z.object({ account_id: z.string().min(1), round: z.number().int().min(1) });
const monitorEventDeliveryPayload = z.object({ delivery_id: z.string().min(1), attempt: z.number().int().min(1) });

export type CheckRunPayload = z.infer<typeof checkRunPayload>;
export type WebhookDeliveryPayload = z.infer<typeof webhookDeliveryPayload>;
export type SiteEventPayload = z.infer<typeof siteEventPayload>;
export type OutboxDeliveryPayload = z.infer<typeof outboxDeliveryPayload>;
export type AccountSyncPayload = z.infer<typeof accountSyncPayload>;
export type MonitorEventDeliveryPayload = z.infer<typeof monitorEventDeliveryPayload>;

/**
 * The service entry points the handlers call, by shape: the services import this file for their
 * job definitions, so it names no service module (that would be an import cycle). src/worker.ts
 * passes the real services, and the compiler checks they fit.
 */
export interface JobServices {
  // Function-typed properties, not methods: their parameters are checked strictly (contravariantly).
  checks: { run: (payload: CheckRunPayload, ctx: JobContext) => Promise<void> };
  webhooks: { handleAttempt: (payload: WebhookDeliveryPayload) => Promise<void> };
  crm: { processSiteEvent: (payload: SiteEventPayload, ctx: JobContext) => Promise<void> };
  outbox: { handleAttempt: (payload: OutboxDeliveryPayload) => Promise<void> };
  platform: { syncAccount: (payload: AccountSyncPayload) => Promise<void> };
  monitors: { handleAttempt: (payload: MonitorEventDeliveryPayload) => Promise<void> };
}

/** Runs one challenge check (fetches the MT5 history, evaluates the rules, stores the result). */
export const checkRunJob = defineJob({
  name: 'check.run',
  payload: checkRunPayload,
  handler: (payload, ctx, services: JobServices) => services.checks.run(payload, ctx),
});

/** One attempt at a result webhook; schedules the next attempt itself. */
export const webhookDeliveryJob = defineJob({
  name: 'webhook.deliver',
  payload: webhookDeliveryPayload,
  handler: (payload, _ctx, services: JobServices) => services.webhooks.handleAttempt(payload),
});

/** Applies one event received on the CRM's site webhook. */
export const siteEventJob = defineJob({
  name: 'crm.site-event',
  payload: siteEventPayload,
  handler: (payload, ctx, services: JobServices) => services.crm.processSiteEvent(payload, ctx),
});

/** One attempt at sending a trading-platform event to the CRM; schedules the next attempt itself. */
export const outboxDeliveryJob = defineJob({
  name: 'platform.outbox.deliver',
  payload: outboxDeliveryPayload,
  handler: (payload, _ctx, services: JobServices) => services.outbox.handleAttempt(payload),
});

/** Follows a platform account's check until it ends, then records pass/fail and tells the CRM. */
export const accountSyncJob = defineJob({
  name: 'platform.account.sync',
  payload: accountSyncPayload,
  handler: (payload, _ctx, services: JobServices) => services.platform.syncAccount(payload),
});

/** One attempt at a monitor event's webhook; schedules the next attempt itself. */
export const monitorEventDeliveryJob = defineJob({
  name: 'monitor.event.deliver',
  payload: monitorEventDeliveryPayload,
  handler: (payload, _ctx, services: JobServices) => services.monitors.handleAttempt(payload),
});

export const jobs = [
  checkRunJob,
  webhookDeliveryJob,
  siteEventJob,
  outboxDeliveryJob,
  accountSyncJob,
  monitorEventDeliveryJob,
] as const;

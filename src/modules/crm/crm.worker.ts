/** Queue handlers and the recovery sweep of the CRM and the trading platform (site events in, platform events out, account sync). */
import type { Deps } from '../../deps.ts';
import type { JobHandler } from '../../infra/queue/types.ts';
import { OUTBOX_JOB } from '../platform/outbox.ts';
import { SYNC_JOB } from '../platform/platform.service.ts';
import { DEDUPE_KEEP_MS, SITE_EVENT_JOB } from './site-webhook.ts';

export function crmJobHandlers(deps: Deps): Record<string, JobHandler> {
  return {
    [SITE_EVENT_JOB]: (payload, ctx) => deps.crm.crm.processSiteEvent(payload, ctx),
    [OUTBOX_JOB]: (payload) => deps.crm.outbox.handleAttempt(payload),
    [SYNC_JOB]: (payload) => deps.crm.platform.syncAccount(payload),
  };
}

/** Re-queues received events and outbox rows whose jobs were lost; forgets old dedupe keys and counters. */
export async function sweepCrm(deps: Deps): Promise<void> {
  const c = deps.crm;
  for (const id of await c.crm.stuckEvents(60_000)) await c.siteWebhooks.enqueue(id);
  const n = await c.outbox.sweep();
  if (n > 0) deps.logger.info({ outbox: n }, 'sweeper re-queued platform events');
  await c.crm.pruneEvents(DEDUPE_KEEP_MS);
  await c.window.prune(86_400_000);
}

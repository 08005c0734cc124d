/**
 * Runs the jobs of src/jobs.ts and the recovery sweeps; used by `serve` (in-process) and `worker`.
 * Each sweep finds work whose queue job was lost (a crash between commit and enqueue) and queues
 * it again, or forgets rows past their retention.
 */
import type { Deps } from './deps.ts';
import { jobHandlers } from './infra/queue/job.ts';
import { type JobServices, jobs } from './jobs.ts';
import { DEDUPE_KEEP_MS } from './modules/crm/site-webhook.ts';

export interface RunningWorkers {
  stop(timeoutMs: number): Promise<void>;
}

/** How often lost jobs and webhooks are looked for. */
const SWEEP_EVERY_MS = 30_000;
/** A received site event still unapplied after this long has lost its queue job. */
const SITE_EVENT_GRACE_MS = 60_000;
/** Fixed-window rate counters are kept a day. */
const RATE_COUNTER_KEEP_MS = 86_400_000;

interface Sweep {
  name: string;
  /** Returns how many items it queued again (0 for pure housekeeping). */
  run(deps: Deps): Promise<number>;
}

const sweeps: readonly Sweep[] = [
  { name: 'checks', run: (deps) => deps.checks.sweep() },
  { name: 'webhooks', run: (deps) => deps.webhooks.sweep() },
  { name: 'monitor events', run: (deps) => deps.monitors.sweep() },
  {
    name: 'site events',
    async run(deps) {
      const ids = await deps.crm.stuckEvents(SITE_EVENT_GRACE_MS);
      for (const id of ids) await deps.siteWebhooks.enqueue(id);
      return ids.length;
    },
  },
  { name: 'platform outbox', run: (deps) => deps.outbox.sweep() },
  {
    name: 'prune',
    async run(deps) {
      await deps.queue.prune();
      await deps.crm.pruneEvents(DEDUPE_KEEP_MS);
      await deps.window.prune(RATE_COUNTER_KEEP_MS);
      return 0;
    },
  },
];

export async function startWorkers(deps: Deps): Promise<RunningWorkers> {
  // Deps is the handlers' JobServices: the compiler checks every service entry point against its payload.
  await deps.queue.start(jobHandlers<JobServices>(jobs, deps), { concurrency: deps.config.WORKER_CONCURRENCY });
  const sweep = async () => {
    for (const { name, run } of sweeps) {
      try {
        const requeued = await run(deps);
        if (requeued > 0) deps.logger.info({ sweep: name, requeued }, 'sweeper re-queued lost work');
      } catch (err) {
        deps.logger.warn({ sweep: name, err: (err as Error).message }, 'sweep failed');
      }
    }
  };
  void sweep();
  const timer = setInterval(() => void sweep(), SWEEP_EVERY_MS);
  timer.unref();
  return {
    async stop(timeoutMs: number) {
      clearInterval(timer);
      await deps.queue.stop(timeoutMs);
    },
  };
}

/** Registers the queue handlers and the recovery sweeper; used by `serve` (in-process) and `worker`. */
import type { Deps } from './deps.ts';
import { CHECK_JOB } from './modules/checks/check.ts';
import { DELIVER_JOB } from './modules/webhooks/webhook.service.ts';
import { crmJobHandlers, sweepCrm } from './modules/crm/crm.worker.ts';

export interface RunningWorkers {
  stop(timeoutMs: number): Promise<void>;
}

/** How often lost jobs and webhooks are looked for. */
const SWEEP_EVERY_MS = 30_000;

export async function startWorkers(deps: Deps): Promise<RunningWorkers> {
  await deps.queue.start(
    {
      [CHECK_JOB]: (payload, ctx) => deps.checks.run(payload, ctx),
      [DELIVER_JOB]: (payload) => deps.webhooks.handleAttempt(payload),
      ...crmJobHandlers(deps),
    },
    { concurrency: deps.config.WORKER_CONCURRENCY },
  );
  const sweep = async () => {
    try {
      const n = await deps.checks.sweep();
      if (n.checks + n.webhooks > 0) deps.logger.info(n, 'sweeper re-queued lost work');
      await sweepCrm(deps);
    } catch (err) {
      deps.logger.warn({ err: (err as Error).message }, 'sweep failed');
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

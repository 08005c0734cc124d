/**
 * Running a challenge check, the queue's `check.run` job: read the MT5 history (through the
 * connector, or from the uploaded report), evaluate the rules, store the verdict, erase the
 * credentials and queue the webhook, all in one transaction.
 */

import type { Clock } from '../../infra/clock.ts';
import type { Sealer } from '../../infra/crypto/index.ts';
import type { Db } from '../../infra/db/index.ts';
import { withDeadline } from '../../infra/deadline.ts';
import type { Logger } from '../../infra/logger.ts';
import type { Metrics } from '../../infra/metrics.ts';
import type { JobContext } from '../../infra/queue/types.ts';
import type { CheckRunPayload } from '../../jobs.ts';
import { ConnectorError, type Mt5Credentials } from '../../mt5/connector.ts';
import type { AccountHistory } from '../../mt5/history.ts';
import { ReportError, type ReportParser, reportToHistory } from '../../mt5/report/index.ts';
import type { ConnectorRouter } from '../../mt5/router.ts';
import type { WebhookService } from '../webhooks/webhook.service.ts';
import type { createCheckRepository } from './check.repository.ts';
import type { CheckJobRow } from './check.table.ts';
import { buildErrorResult, isReportInput, type JobError, type SealedInput } from './check.ts';
import type { VerdictPool } from './check.verdict.pool.ts';

interface CheckRunnerDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  sealer: Sealer;
  connectors: ConnectorRouter;
  webhooks: WebhookService;
  repo: ReturnType<typeof createCheckRepository>;
  /** Longest time one read of an MT5 account may take. */
  fetchTimeoutMs: number;
  reportParser: Pick<ReportParser, 'parse'>;
  /** Judges a history read (consistency, rules, result): on worker threads, or in this one. */
  verdicts: Pick<VerdictPool, 'judge'>;
}

export function createCheckRunner(deps: CheckRunnerDeps) {
  const { repo } = deps;

  async function finish(
    job: CheckJobRow,
    outcome: { payload: string; status: string; error?: JobError },
  ): Promise<void> {
    const now = deps.clock.now();
    const { payload } = outcome;
    let deliveryId: string | null = null;
    const updated = await deps.db.transaction().execute(async (tx) => {
      const ok = await repo.updateUnfinished(
        job.id,
        {
          status: outcome.status,
          result: payload,
          error: outcome.error ? JSON.stringify(outcome.error) : null,
          credentials_enc: null,
          finished_at: now,
        },
        tx,
      );
      if (ok && job.callback_url)
        deliveryId = await deps.webhooks.createDelivery(tx, {
          jobId: job.id,
          tenantId: job.tenant_id,
          url: job.callback_url,
          payload,
        });
      return ok;
    });
    if (!updated) return;
    deps.metrics.checksFinished.inc({ status: outcome.status });
    if (job.started_at !== null) deps.metrics.checkDuration.observe((now - job.started_at) / 1000);
    deps.logger.info({ jobId: job.id, status: outcome.status, error: outcome.error?.code }, 'check finished');
    // The first attempt runs here, not as a queue job of its own: the delivery row is committed with
    // the result, and this check's queue job stays leased until the attempt is logged, so a crash
    // before that runs the job again, which finds the check finished and queues the attempt
    // (resumeForJob); an attempt abandoned mid-way is re-queued by the sweeper, as any delivery's.
    if (deliveryId)
      await deps.webhooks
        .deliverFirst(deliveryId)
        .catch((err: Error) =>
          deps.logger.error({ err: err.message, jobId: job.id }, 'could not send webhook; the sweeper will retry'),
        );
  }

  function fail(job: CheckJobRow, error: JobError): Promise<void> {
    return finish(job, {
      payload: JSON.stringify(buildErrorResult(job, error, deps.clock.now())),
      status: 'error',
      error,
    });
  }

  return {
    /** Queue handler for `check.run`. Idempotent: a finished job only has its unsent webhook queued. */
    async run(payload: CheckRunPayload, ctx: JobContext): Promise<void> {
      const jobId = payload.job_id;
      const running = await repo.start(jobId, deps.clock.now());
      if (!running) {
        // Unknown, or finished by an attempt whose commit landed while its connection dropped (or
        // whose process died before its first webhook attempt): its webhook may not be queued.
        const job = await repo.find(jobId);
        if (job?.callback_url) await deps.webhooks.resumeForJob(job.id);
        return;
      }
      const job = running;
      if (!job.credentials_enc)
        return fail(running, {
          code: 'credentials_unavailable',
          message: 'The MT5 credentials of this check are no longer available',
        });

      let input: SealedInput;
      try {
        input = JSON.parse(deps.sealer.open(job.credentials_enc, job.id)) as SealedInput;
      } catch {
        return fail(running, {
          code: 'credentials_unavailable',
          message: 'The MT5 credentials of this check could not be decrypted (was CREDENTIALS_KEY changed?)',
        });
      }
      const credentials: Mt5Credentials = isReportInput(input)
        ? { login: job.mt5_login, password: '', server: job.mt5_server }
        : input;

      try {
        let history: AccountHistory;
        if (isReportInput(input)) {
          try {
            const report = await deps.reportParser.parse(Buffer.from(input.bytes_b64, 'base64'), {
              filename: input.filename,
            });
            history = reportToHistory(report, {
              initialBalance: job.initial_balance,
              ...(input.server_utc_offset_minutes !== undefined
                ? { serverUtcOffsetMinutes: input.server_utc_offset_minutes }
                : {}),
              ...(input.server_time_zone !== undefined ? { serverTimeZone: input.server_time_zone } : {}),
            });
          } catch (err) {
            if (err instanceof ReportError)
              return fail(running, {
                code: 'bad_data',
                message: `The uploaded report could not be read: ${err.message}`,
              });
            throw err;
          }
        } else {
          const connector = deps.connectors.forServer(credentials.server);
          history = await withDeadline(deps.fetchTimeoutMs, (signal) =>
            connector.fetchHistory(credentials, { signal }),
          );
        }
        // Whatever its source, a history that disagrees with the account's own figures (its balance
        // readings, its open positions) gets no verdict: ConnectorError('bad_data') → job error.
        const source = isReportInput(input) ? 'the uploaded report' : `MT5 server ${credentials.server}`;
        const verdict = await deps.verdicts.judge(history, running, deps.clock.now(), source);
        await finish(running, verdict);
      } catch (err) {
        if (err instanceof ConnectorError) {
          if (err.retryable && ctx.attempt < ctx.maxAttempts) {
            await repo.updateUnfinished(job.id, { status: 'queued' });
            throw err; // the queue retries with backoff
          }
          const code =
            err.code === 'invalid_credentials' || err.code === 'unknown_server' || err.code === 'bad_data'
              ? err.code
              : 'mt5_unreachable';
          const message =
            code === 'mt5_unreachable'
              ? `MT5 server ${credentials.server} could not be reached after ${ctx.attempt} attempts: ${err.message}`
              : err.message;
          return fail(running, { code, message });
        }
        deps.logger.error(
          { jobId: job.id, err: err instanceof Error ? err.message : String(err), attempt: ctx.attempt },
          'check crashed',
        );
        if (ctx.attempt < ctx.maxAttempts) {
          await repo.updateUnfinished(job.id, { status: 'queued' });
          throw err;
        }
        return fail(running, {
          code: 'internal',
          message: 'The check could not be evaluated; contact Brymix support with the job id',
        });
      }
    },
  };
}

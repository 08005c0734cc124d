/**
 * Challenge checks: accept (validated, credentials sealed, idempotent), run (check.runner.ts), report,
 * and the sweep that re-queues checks whose queue entries were lost.
 */

import { AppError } from '../../http/errors.ts';
import type { Clock } from '../../infra/clock.ts';
import { canonicalJson } from '../../infra/crypto/canonical-json.ts';
import { newId, type Sealer } from '../../infra/crypto/index.ts';
import { type Db, isUniqueViolation } from '../../infra/db/index.ts';
import type { Logger } from '../../infra/logger.ts';
import type { Metrics } from '../../infra/metrics.ts';
import type { CidrList } from '../../infra/net/cidr.ts';
import type { JobQueue } from '../../infra/queue/types.ts';
import { checkRunJob } from '../../jobs.ts';
import {
  type ParsedReport,
  parseReport,
  ReportError,
  type ReportParser,
  ReportTooLargeError,
} from '../../mt5/report/index.ts';
import type { ConnectorRouter } from '../../mt5/router.ts';
import { flatRulesSchema } from '../../rules/flat.ts';
import type { RuleSpec } from '../../rules/registry.ts';
import { RuleSetError, resolveRuleSet } from '../../rules/ruleset.ts';
import type { AuthenticatedKey } from '../api-keys/api-key.service.ts';
import { checkCallbackUrl } from '../webhooks/ssrf.ts';
import type { DeliveryView, WebhookService } from '../webhooks/webhook.service.ts';
import { createCheckRepository } from './check.repository.ts';
import { createCheckRunner } from './check.runner.ts';
import type { CheckSubmission } from './check.schemas.ts';
import type { CheckJobsTable } from './check.table.ts';
import { isReportInput, jobView, type SealedInput } from './check.ts';
import { createVerdictPool, type VerdictPool } from './check.verdict.pool.ts';

export interface CheckServiceDeps {
  db: Db;
  queue: JobQueue;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  sealer: Sealer;
  connectors: ConnectorRouter;
  webhooks: WebhookService;
  callbackAllow: CidrList;
  maxAttempts: number;
  /** Longest time one read of an MT5 account may take. */
  fetchTimeoutMs?: number;
  /** Largest terminal report accepted instead of credentials. */
  reportMaxBytes?: number;
  /** Parses uploaded reports off the event loop, with a time budget (default: in this thread). */
  reportParser?: Pick<ReportParser, 'parse'>;
  /** Judges histories on worker threads (default: in this thread). */
  verdicts?: Pick<VerdictPool, 'judge'>;
}

/** Parses on the calling thread: the CLI and tests that do not care about the event loop. */
const inThreadParser: Pick<ReportParser, 'parse'> = { parse: async (bytes, opts) => parseReport(bytes, opts) };

/**
 * Decodes and parses an uploaded report; a file that is not one is a 400 naming the field, one that
 * inflates past the limits (a zip bomb) a 413 naming the limit.
 */
async function readUploadedReport(
  base64: string,
  filename: string,
  maxBytes: number,
  parser: Pick<ReportParser, 'parse'> = inThreadParser,
): Promise<{ bytes: Buffer; report: ParsedReport }> {
  const bad = (message: string) =>
    new AppError('validation_failed', `report_base64: ${message}`, { errors: [{ field: 'report_base64', message }] });
  if (!/^[A-Za-z0-9+/=\s_-]*$/.test(base64)) throw bad('is not base64');
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length === 0) throw bad('is empty');
  if (bytes.length > maxBytes) throw new AppError('payload_too_large', `The report is larger than ${maxBytes} bytes`);
  try {
    return { bytes, report: await parser.parse(bytes, { filename }) };
  } catch (err) {
    if (err instanceof ReportTooLargeError)
      throw new AppError('payload_too_large', `report_base64: ${err.message}`, {
        errors: [{ field: 'report_base64', message: err.message }],
      });
    if (err instanceof ReportError) throw bad(err.message);
    throw err;
  }
}

/** Idempotency keys are remembered for a day (Stripe keeps them at least 24 h). */
const IDEMPOTENCY_TTL_MS = 86_400_000;
/** A queued job this old without progress has lost its queue job; the sweeper re-queues it. */
const SWEEP_GRACE_MS = 60_000;

export function createCheckService(deps: CheckServiceDeps) {
  const repo = createCheckRepository(deps.db);
  const reportParser = deps.reportParser ?? inThreadParser;
  const runner = createCheckRunner({
    db: deps.db,
    clock: deps.clock,
    logger: deps.logger,
    metrics: deps.metrics,
    sealer: deps.sealer,
    connectors: deps.connectors,
    webhooks: deps.webhooks,
    repo,
    fetchTimeoutMs: deps.fetchTimeoutMs ?? 60_000,
    reportParser,
    verdicts: deps.verdicts ?? createVerdictPool({ threads: 0 }),
  });

  function enqueueRun(jobId: string): Promise<void> {
    return deps.queue.enqueue(checkRunJob, { job_id: jobId }, { id: `check-${jobId}`, maxAttempts: deps.maxAttempts });
  }

  /** The request's rule set resolved to fully-defaulted specs (flat fields fall back to the firm's defaults). */
  function effectiveRules(request: CheckSubmission, auth: AuthenticatedKey): RuleSpec[] {
    const defaults = auth.ruleDefaults ? flatRulesSchema.safeParse(auth.ruleDefaults) : null;
    try {
      return resolveRuleSet(request.rules, defaults?.success ? defaults.data : {});
    } catch (err) {
      if (!(err instanceof RuleSetError)) throw err;
      const errors = err.issues.map((i) => ({ field: i.path ? `rules.${i.path}` : 'rules', message: i.message }));
      throw new AppError('validation_failed', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });
    }
  }

  return {
    async submit(
      auth: AuthenticatedKey,
      request: CheckSubmission,
      idempotencyKey: string | undefined,
    ): Promise<{ job_id: string; status: 'queued' }> {
      if (idempotencyKey !== undefined && (idempotencyKey.length < 1 || idempotencyKey.length > 255)) {
        throw new AppError('validation_failed', 'Idempotency-Key must be 1–255 characters', {
          errors: [{ field: 'Idempotency-Key', message: 'must be 1–255 characters' }],
        });
      }
      if (request.callback_url) {
        const check = checkCallbackUrl(request.callback_url, deps.callbackAllow);
        if (!check.ok)
          throw new AppError('validation_failed', `callback_url ${check.reason}`, {
            errors: [{ field: 'callback_url', message: check.reason }],
          });
      }
      const rules = effectiveRules(request, auth);

      const fingerprint = idempotencyKey ? deps.sealer.fingerprint(canonicalJson(request)) : null;
      if (idempotencyKey) {
        const seen = await repo.findIdempotencyKey(auth.tenantId, idempotencyKey);
        if (seen) return replay(seen, fingerprint!);
      }

      const now = deps.clock.now();
      const id = newId('job', 20);
      let sealedInput: SealedInput;
      let mt5Login: string;
      let mt5Server: string;
      if (request.report_base64 !== undefined) {
        const { report } = await readUploadedReport(
          request.report_base64,
          request.report_filename ?? 'report.html',
          deps.reportMaxBytes ?? 10_485_760,
          reportParser,
        );
        if (!report.account.login)
          throw new AppError('validation_failed', 'report_base64: the report names no account', {
            errors: [{ field: 'report_base64', message: 'the report names no account' }],
          });
        mt5Login = request.mt5_login ?? report.account.login;
        mt5Server = request.mt5_server ?? (report.account.server || 'report');
        sealedInput = {
          kind: 'report',
          filename: request.report_filename ?? 'report.html',
          bytes_b64: request.report_base64,
          ...(request.server_utc_offset_minutes !== undefined
            ? { server_utc_offset_minutes: request.server_utc_offset_minutes }
            : {}),
          ...(request.server_time_zone !== undefined ? { server_time_zone: request.server_time_zone } : {}),
        };
      } else {
        mt5Login = request.mt5_login!;
        mt5Server = request.mt5_server!;
        sealedInput = { login: mt5Login, password: request.mt5_password!, server: mt5Server };
      }
      const row: CheckJobsTable = {
        id,
        tenant_id: auth.tenantId,
        key_id: auth.keyId,
        user_id: request.user_id,
        challenge_id: request.challenge_id,
        mt5_login: mt5Login,
        mt5_server: mt5Server,
        credentials_enc: deps.sealer.seal(JSON.stringify(sealedInput), id),
        initial_balance: request.initial_balance,
        rules: JSON.stringify(rules),
        callback_url: request.callback_url ?? null,
        status: 'queued',
        result: null,
        error: null,
        attempts: 0,
        created_at: now,
        started_at: null,
        finished_at: null,
      };
      try {
        // One statement needs no transaction (on PostgreSQL: one round trip instead of three).
        if (!idempotencyKey) await repo.insert(row);
        else
          await deps.db.transaction().execute(async (tx) => {
            await repo.insert(row, tx);
            await repo.insertIdempotencyKey(
              {
                tenant_id: auth.tenantId,
                key: idempotencyKey,
                request_hash: fingerprint!,
                job_id: id,
                created_at: now,
              },
              tx,
            );
          });
      } catch (err) {
        // The same Idempotency-Key committed by a concurrent request: answer as that request did.
        if (idempotencyKey && isUniqueViolation(err)) {
          const seen = await repo.findIdempotencyKey(auth.tenantId, idempotencyKey);
          if (seen) return replay(seen, fingerprint!);
        }
        throw err;
      }
      deps.metrics.checksSubmitted.inc();
      deps.logger.info(
        {
          jobId: id,
          tenantId: auth.tenantId,
          server: mt5Server,
          source: isReportInput(sealedInput) ? 'report' : 'connector',
        },
        'check queued',
      );
      // The job row is durable; if the queue is unreachable now, the sweeper queues it later.
      await enqueueRun(id).catch((err: Error) =>
        deps.logger.error({ err: err.message, jobId: id }, 'could not queue check; the sweeper will retry'),
      );
      return { job_id: id, status: 'queued' };

      function replay(
        seen: { request_hash: string; job_id: string },
        hash: string,
      ): { job_id: string; status: 'queued' } {
        if (seen.request_hash !== hash)
          throw new AppError('idempotency_mismatch', 'This Idempotency-Key was used with a different request body');
        return { job_id: seen.job_id, status: 'queued' };
      }
    },

    async get(auth: AuthenticatedKey, jobId: string): Promise<Record<string, unknown>> {
      const job = await repo.findForTenant(jobId, auth.tenantId);
      if (!job) throw new AppError('not_found', `No job ${jobId}`);
      return jobView(job);
    },

    async deliveries(auth: AuthenticatedKey, jobId: string): Promise<{ job_id: string; deliveries: DeliveryView[] }> {
      const job = await repo.findForTenant(jobId, auth.tenantId);
      if (!job) throw new AppError('not_found', `No job ${jobId}`);
      const d = await deps.webhooks.forJob(job.id);
      return { job_id: job.id, deliveries: d ? [d] : [] };
    },

    async redeliver(auth: AuthenticatedKey, jobId: string): Promise<{ job_id: string; delivery: DeliveryView }> {
      const job = await repo.findForTenant(jobId, auth.tenantId);
      if (!job) throw new AppError('not_found', `No job ${jobId}`);
      if (!job.callback_url) throw new AppError('conflict', 'This job has no callback_url');
      const d = await deps.webhooks.redeliver(job.id);
      if (!d) throw new AppError('conflict', 'This job has not finished yet; its webhook is sent when it does');
      return { job_id: job.id, delivery: d };
    },

    /** Queue handler for `check.run`. */
    run: runner.run,

    /** Re-queues checks whose queue entries were lost; forgets old idempotency keys. Returns the checks re-queued. */
    async sweep(): Promise<number> {
      const now = deps.clock.now();
      const stuck = await repo.unfinishedOlderThan(now - SWEEP_GRACE_MS, 500);
      for (const j of stuck) await enqueueRun(j.id);
      await repo.pruneIdempotencyKeys(now - IDEMPOTENCY_TTL_MS);
      return stuck.length;
    },
  };
}

export type CheckService = ReturnType<typeof createCheckService>;

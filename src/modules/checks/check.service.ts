/**
 * Challenge checks: accept (validated, credentials sealed, idempotent), run (read MT5 through the
 * connector, evaluate the rules, store the verdict, erase the credentials, queue the webhook, all
 * in one transaction), and report.
 */

import { AppError } from '../../http/errors.ts';
import type { Clock } from '../../infra/clock.ts';
import { canonicalJson } from '../../infra/crypto/canonical-json.ts';
import { newId, type Sealer } from '../../infra/crypto/index.ts';
import { type Db, isUniqueViolation } from '../../infra/db/index.ts';
import type { Logger } from '../../infra/logger.ts';
import type { Metrics } from '../../infra/metrics.ts';
import type { CidrList } from '../../infra/net/cidr.ts';
import type { JobContext, JobQueue } from '../../infra/queue/types.ts';
import { type CheckRunPayload, checkRunJob } from '../../jobs.ts';
import { ConnectorError, type Mt5Credentials } from '../../mt5/connector.ts';
import { assertConsistent } from '../../mt5/consistency.ts';
import type { AccountHistory } from '../../mt5/history.ts';
import {
  type ParsedReport,
  parseReport,
  ReportError,
  type ReportParser,
  ReportTooLargeError,
  reportToHistory,
} from '../../mt5/report/index.ts';
import type { ConnectorRouter } from '../../mt5/router.ts';
import { flatRulesSchema } from '../../rules/flat.ts';
import { evaluate } from '../../rules/index.ts';
import type { RuleSpec } from '../../rules/registry.ts';
import { RuleSetError, resolveRuleSet } from '../../rules/ruleset.ts';
import type { AuthenticatedKey } from '../api-keys/api-key.service.ts';
import { checkCallbackUrl } from '../webhooks/ssrf.ts';
import type { DeliveryView, WebhookService } from '../webhooks/webhook.service.ts';
import { createCheckRepository } from './check.repository.ts';
import type { CheckSubmission as CheckRequest } from './check.schemas.ts';
import type { CheckJobRow } from './check.table.ts';
import { buildErrorResult, buildResult, type JobError, jobView } from './check.ts';

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
}

/** Parses on the calling thread: the CLI and tests that do not care about the event loop. */
const inThreadParser: Pick<ReportParser, 'parse'> = { parse: async (bytes, opts) => parseReport(bytes, opts) };

/**
 * What is sealed in `credentials_enc` while a job waits: MT5 credentials, or the
 * uploaded terminal report. Both are erased when the job ends.
 */
type SealedInput =
  | Mt5Credentials
  | {
      kind: 'report';
      filename: string;
      bytes_b64: string;
      server_utc_offset_minutes?: number;
      server_time_zone?: string;
    };

function isReportInput(x: SealedInput): x is Extract<SealedInput, { kind: 'report' }> {
  return (x as { kind?: string }).kind === 'report';
}

/**
 * Decodes and parses an uploaded report; a file that is not one is a 400 naming the field, one that
 * inflates past the limits (a zip bomb) a 413 naming the limit.
 */
export async function readUploadedReport(
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
  const fetchTimeoutMs = deps.fetchTimeoutMs ?? 60_000;
  const reportParser = deps.reportParser ?? inThreadParser;

  function enqueueRun(jobId: string): Promise<void> {
    return deps.queue.enqueue(checkRunJob, { job_id: jobId }, { id: `check-${jobId}`, maxAttempts: deps.maxAttempts });
  }

  /** The request's rule set resolved to fully-defaulted specs (flat fields fall back to the firm's defaults). */
  function effectiveRules(request: CheckRequest, auth: AuthenticatedKey): RuleSpec[] {
    const defaults = auth.ruleDefaults ? flatRulesSchema.safeParse(auth.ruleDefaults) : null;
    try {
      return resolveRuleSet(request.rules, defaults?.success ? defaults.data : {});
    } catch (err) {
      if (!(err instanceof RuleSetError)) throw err;
      const errors = err.issues.map((i) => ({ field: i.path ? `rules.${i.path}` : 'rules', message: i.message }));
      throw new AppError('validation_failed', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });
    }
  }

  async function finish(
    job: CheckJobRow,
    outcome: { result: Record<string, unknown>; status: string; error?: JobError },
  ): Promise<void> {
    const now = deps.clock.now();
    const payload = JSON.stringify(outcome.result);
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
    if (deliveryId)
      await deps.webhooks
        .dispatch(deliveryId)
        .catch((err: Error) =>
          deps.logger.error({ err: err.message, jobId: job.id }, 'could not queue webhook; the sweeper will retry'),
        );
  }

  function fail(job: CheckJobRow, error: JobError): Promise<void> {
    return finish(job, { result: buildErrorResult(job, error, deps.clock.now()), status: 'error', error });
  }

  return {
    async submit(
      auth: AuthenticatedKey,
      request: CheckRequest,
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
      try {
        await deps.db.transaction().execute(async (tx) => {
          await repo.insert(
            {
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
            },
            tx,
          );
          if (idempotencyKey)
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

    /** Queue handler for `check.run`. Idempotent: a finished job is left alone. */
    async run(payload: CheckRunPayload, ctx: JobContext): Promise<void> {
      const jobId = payload.job_id;
      const job = await repo.find(jobId);
      if (!job || job.status === 'passed' || job.status === 'failed' || job.status === 'error') return;
      const startedAt = job.started_at ?? deps.clock.now();
      await repo.updateUnfinished(job.id, { status: 'running', started_at: startedAt, attempts: job.attempts + 1 });
      const running = { ...job, status: 'running', started_at: startedAt };
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
            const report = await reportParser.parse(Buffer.from(input.bytes_b64, 'base64'), {
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
          history = await connector.fetchHistory(credentials, { signal: AbortSignal.timeout(fetchTimeoutMs) });
        }
        // Whatever its source, a history that disagrees with the account's own figures (its balance
        // readings, its open positions) gets no verdict: ConnectorError('bad_data') → job error.
        assertConsistent(
          history,
          {},
          { source: isReportInput(input) ? 'the uploaded report' : `MT5 server ${credentials.server}` },
        );
        // Jobs store the resolved specs; rows from before the list form hold a flat object.
        const rules = resolveRuleSet(JSON.parse(job.rules));
        const evaluation = evaluate(history, rules, { initialBalance: job.initial_balance });
        const at = deps.clock.now();
        await finish(running, { result: buildResult(running, evaluation, at), status: evaluation.status });
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

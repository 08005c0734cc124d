/** Domain of a challenge check: its sealed input, the result object of the guide, job error codes. */

import type { Mt5Credentials } from '../../mt5/connector.ts';
import { type Evaluation, metricsWithoutEvaluation, type RuleSpec } from '../../rules/index.ts';
import { resolveRuleSet } from '../../rules/ruleset.ts';
import type { CheckJobRow } from './check.table.ts';

/**
 * What is sealed in `credentials_enc` while a job waits: MT5 credentials, or the
 * uploaded terminal report. Both are erased when the job ends.
 */
export type SealedInput =
  | Mt5Credentials
  | {
      kind: 'report';
      filename: string;
      bytes_b64: string;
      server_utc_offset_minutes?: number;
      server_time_zone?: string;
    };

export function isReportInput(x: SealedInput): x is Extract<SealedInput, { kind: 'report' }> {
  return (x as { kind?: string }).kind === 'report';
}

/** Why a check could not be evaluated; the README lists these for integrators. */
export type JobErrorCode =
  | 'invalid_credentials'
  | 'unknown_server'
  | 'mt5_unreachable'
  | 'bad_data'
  | 'credentials_unavailable'
  | 'internal';

export interface JobError {
  code: JobErrorCode;
  message: string;
}

/** ISO-8601 UTC without milliseconds, as the guide writes its timestamps. */
function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** The guide's "Response Format", plus outcome, objectives and evidence. */
export function buildResult(job: CheckJobRow, evaluation: Evaluation, evaluatedAt: number): Record<string, unknown> {
  return {
    job_id: job.id,
    user_id: job.user_id,
    challenge_id: job.challenge_id,
    status: evaluation.status,
    outcome: evaluation.outcome,
    metrics: evaluation.metrics,
    violations: evaluation.violations,
    objectives: evaluation.objectives,
    equity_source: evaluation.equity_source,
    confidence: evaluation.confidence,
    statistics: evaluation.statistics,
    inputs_hash: evaluation.inputs_hash,
    mt5_login: job.mt5_login,
    mt5_server: job.mt5_server,
    rules: JSON.parse(job.rules) as unknown,
    timestamp: isoSeconds(evaluatedAt),
  };
}

/**
 * The metrics of a job without an evaluation: the keys its rule set's verdict would carry, null.
 * Never throws: an error result is built whatever is wrong with the job.
 */
function unmeasuredMetrics(job: CheckJobRow): Record<string, unknown> {
  let rules: RuleSpec[] = [];
  try {
    rules = resolveRuleSet(JSON.parse(job.rules));
  } catch {
    // unreadable stored rules: the guide's keys alone
  }
  return metricsWithoutEvaluation(rules, job.initial_balance);
}

/**
 * An error result. It carries every key the guide's receivers read (its Flask receiver reads
 * `result['violations']` and `result['metrics']` whatever the status, and would answer 500 to a
 * body without them): no violations, and metrics with the verdict's keys, null.
 */
export function buildErrorResult(job: CheckJobRow, error: JobError, at: number): Record<string, unknown> {
  return {
    job_id: job.id,
    user_id: job.user_id,
    challenge_id: job.challenge_id,
    status: 'error',
    metrics: unmeasuredMetrics(job),
    violations: [],
    objectives: [],
    error,
    mt5_login: job.mt5_login,
    mt5_server: job.mt5_server,
    timestamp: isoSeconds(at),
  };
}

/** What GET /api/v1/job/{id} answers: the finished result, or the job's progress. */
export function jobView(job: CheckJobRow): Record<string, unknown> {
  const base = job.result
    ? (JSON.parse(job.result) as Record<string, unknown>)
    : {
        job_id: job.id,
        user_id: job.user_id,
        challenge_id: job.challenge_id,
        status: job.status,
        mt5_login: job.mt5_login,
        mt5_server: job.mt5_server,
      };
  // A job still running, or an error stored before error results carried them, has no metrics or
  // violations of its own: the same empty shape, so a poller reading them never finds them missing.
  if (base.metrics === undefined) base.metrics = unmeasuredMetrics(job);
  if (base.violations === undefined) base.violations = [];
  return {
    ...base,
    created_at: new Date(job.created_at).toISOString(),
    started_at: job.started_at === null ? null : new Date(job.started_at).toISOString(),
    finished_at: job.finished_at === null ? null : new Date(job.finished_at).toISOString(),
    attempts: job.attempts,
  };
}

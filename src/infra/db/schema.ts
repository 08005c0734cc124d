/** Kysely table types. Times are UTC epoch milliseconds; JSON columns are text. */
import type { Generated, Selectable } from 'kysely';

export interface ApiKeysTable {
  id: string;
  tenant_id: string;
  name: string;
  kid: string;
  secret_hash: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
  rotated_from: string | null;
  /** JSON: the firm's default flat rules. */
  rule_defaults: string | null;
  /** JSON: CIDRs allowed to use the key (null = anywhere). */
  allowed_cidrs: string | null;
}

export interface CheckJobsTable {
  id: string;
  tenant_id: string;
  key_id: string;
  user_id: string;
  challenge_id: string;
  mt5_login: string;
  mt5_server: string;
  /** AES-256-GCM sealed credentials while the job waits; null once it ends. */
  credentials_enc: string | null;
  initial_balance: number;
  /** JSON: rules as requested (flat object). */
  rules: string;
  callback_url: string | null;
  status: string;
  /** JSON: the result object sent by webhook. */
  result: string | null;
  /** JSON: { code, message } when status is error. */
  error: string | null;
  attempts: number;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

export interface IdempotencyKeysTable {
  tenant_id: string;
  key: string;
  request_hash: string;
  job_id: string;
  created_at: number;
}

/** Outgoing deliveries of every channel (modules/webhooks/delivery.engine.ts). */
export interface WebhookDeliveriesTable {
  id: string;
  /** Who sends it: 'result' (result webhooks), 'platform' (platform → CRM events). */
  channel: string;
  /** Result webhooks: the check job whose result this carries (one delivery per job). */
  job_id: string | null;
  tenant_id: string | null;
  /** The event name, for channels that send several kinds (platform events). */
  event: string | null;
  /** Null: the channel's own endpoint, read at each attempt. */
  url: string | null;
  /** The exact bytes sent (UTF-8 JSON). */
  payload: string;
  status: string;
  attempts: number;
  next_attempt_at: number | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

/** One row per attempt of any delivery: the attempt log. */
export interface WebhookAttemptsTable {
  id: Generated<number>;
  delivery_id: string;
  attempt: number;
  started_at: number;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
  response_body: string | null;
  next_retry_at: number | null;
}

export interface QueueJobsTable {
  id: string;
  name: string;
  payload: string;
  status: string;
  run_at: number;
  attempts: number;
  max_attempts: number;
  locked_until: number | null;
  locked_by: string | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

export interface Database {
  api_keys: ApiKeysTable;
  check_jobs: CheckJobsTable;
  idempotency_keys: IdempotencyKeysTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  queue_jobs: QueueJobsTable;
}

export type ApiKeyRow = Selectable<ApiKeysTable>;
export type CheckJobRow = Selectable<CheckJobsTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
export type WebhookAttemptRow = Selectable<WebhookAttemptsTable>;

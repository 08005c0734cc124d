/**
 * Kysely table types of the challenge checks (migrations/001_initial.ts). Times are UTC epoch milliseconds; JSON
 * columns are text.
 */
import type { Selectable } from 'kysely';

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

interface IdempotencyKeysTable {
  tenant_id: string;
  key: string;
  request_hash: string;
  job_id: string;
  created_at: number;
}

/** The tables above by name, as the one `Database` (src/infra/db/schema.ts) lists them. */
export interface CheckTables {
  check_jobs: CheckJobsTable;
  idempotency_keys: IdempotencyKeysTable;
}

export type CheckJobRow = Selectable<CheckJobsTable>;

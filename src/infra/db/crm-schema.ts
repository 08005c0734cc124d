/**
 * Kysely table types of the CRM and trading platform (migrations/003_crm.ts). Kept apart from
 * schema.ts so modules can land in parallel; `crmDb(db)` widens a Db (or transaction) to see them.
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database } from './schema.ts';

export interface StaffUsersTable {
  id: string;
  email: string;
  role: string;
  password_hash: string;
  created_at: number;
  updated_at: number;
  disabled_at: number | null;
  last_login_at: number | null;
}

export interface StaffTokenRevocationsTable {
  jti: string;
  expires_at: number;
}

export interface AuditLogTable {
  seq: number;
  id: string;
  at: number;
  actor_type: string;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  outcome: string;
  ip: string | null;
  request_id: string | null;
  /** JSON object, metadata only (never secrets, tokens or bodies of credential routes). */
  meta: string | null;
  prev_hash: string;
  hash: string;
}

export interface CrmClientsTable {
  id: string;
  external_id: string | null;
  email: string;
  first_name: string | null;
  last_name: string | null;
  phone: string | null;
  country: string | null;
  status: string;
  kyc_status: string;
  kyc_notes: string | null;
  source: string;
  created_at: number;
  updated_at: number;
}

export interface CrmKycHistoryTable {
  id: string;
  client_id: string;
  from_status: string | null;
  to_status: string;
  notes: string | null;
  actor_type: string;
  actor_id: string | null;
  at: number;
}

export interface CrmAccountsTable {
  id: string;
  client_id: string;
  external_id: string;
  parent_external_id: string | null;
  login: string | null;
  server: string | null;
  type: string | null;
  phase: string | null;
  status: string | null;
  currency: string | null;
  balance_cents: number | null;
  equity_cents: number | null;
  created_at: number;
  updated_at: number;
}

export interface CrmTransactionsTable {
  id: string;
  client_id: string;
  external_id: string;
  account_external_id: string | null;
  type: string;
  amount_cents: number;
  currency: string;
  method: string | null;
  completed_at: number;
  created_at: number;
}

export interface CrmNotesTable {
  id: string;
  client_id: string;
  body: string;
  author_type: string;
  author_id: string | null;
  created_at: number;
}

export interface CrmActivityTable {
  id: string;
  client_id: string;
  type: string;
  summary: string;
  data: string | null;
  actor_type: string;
  actor_id: string | null;
  at: number;
}

export interface CrmWebhookEventsTable {
  dedupe_key: string;
  id: string;
  event: string;
  payload: string;
  status: string;
  error: string | null;
  received_at: number;
  processed_at: number | null;
}

export interface ServiceTokensTable {
  id: string;
  name: string;
  kid: string;
  secret_hash: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
  rotated_from: string | null;
}

export interface RateCountersTable {
  key: string;
  count: number;
  window_start: number;
}

export interface SsoUsedTokensTable {
  jti: string;
  expires_at: number;
  used_at: number;
}

export interface PlatformTradersTable {
  id: string;
  email: string;
  password_hash: string;
  first_name: string;
  last_name: string;
  phone: string | null;
  kyc_status: string;
  created_at: number;
  updated_at: number;
}

export interface PlatformSessionsTable {
  token_hash: string;
  trader_id: string;
  impersonated_by: string | null;
  created_at: number;
  expires_at: number;
  ended_at: number | null;
}

export interface PlatformAccountsTable {
  id: string;
  trader_id: string;
  parent_id: string | null;
  login: string;
  server: string;
  password_enc: string;
  type: string;
  phase: string;
  status: string;
  currency: string;
  initial_balance_cents: number;
  balance_cents: number;
  rules: string;
  check_job_id: string | null;
  created_at: number;
  updated_at: number;
}

export interface PlatformTransactionsTable {
  id: string;
  trader_id: string;
  account_id: string;
  type: string;
  amount_cents: number;
  currency: string;
  method: string;
  created_at: number;
}

export type CrmTables = {
  staff_users: StaffUsersTable;
  staff_token_revocations: StaffTokenRevocationsTable;
  audit_log: AuditLogTable;
  crm_clients: CrmClientsTable;
  crm_kyc_history: CrmKycHistoryTable;
  crm_accounts: CrmAccountsTable;
  crm_transactions: CrmTransactionsTable;
  crm_notes: CrmNotesTable;
  crm_activity: CrmActivityTable;
  crm_webhook_events: CrmWebhookEventsTable;
  service_tokens: ServiceTokensTable;
  rate_counters: RateCountersTable;
  sso_used_tokens: SsoUsedTokensTable;
  platform_traders: PlatformTradersTable;
  platform_sessions: PlatformSessionsTable;
  platform_accounts: PlatformAccountsTable;
  platform_transactions: PlatformTransactionsTable;
};

export type CrmDatabase = Database & CrmTables;
export type CrmDb = Kysely<CrmDatabase>;
export type CrmTx = Transaction<CrmDatabase>;

/** The same connection, typed to see the CRM tables too. */
export function crmDb(db: Kysely<Database>): CrmDb {
  return db.withTables<CrmTables>();
}

export type StaffUserRow = Selectable<StaffUsersTable>;
export type AuditRow = Selectable<AuditLogTable>;
export type ClientRow = Selectable<CrmClientsTable>;
export type CrmAccountRow = Selectable<CrmAccountsTable>;
export type PlatformAccountRow = Selectable<PlatformAccountsTable>;
export type PlatformTraderRow = Selectable<PlatformTradersTable>;

/**
 * Kysely table types of the CRM: clients, KYC history, accounts, transactions, notes, activity, received site
 * events, service tokens (migrations/003_crm.ts; the times of state, 005_crm_state_at.ts). Times are UTC
 * epoch milliseconds; JSON columns are text.
 */
import type { Selectable } from 'kysely';

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
  /** When the KYC status and notes held were set (event time or staff change); null: unknown. */
  kyc_state_at: number | null;
  /** When the platform fields held (external_id, names, phone, country) were registered; null: unknown. */
  profile_state_at: number | null;
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
  /** Time of the event whose state the row holds (status, balance, …); null: unknown. */
  state_at: number | null;
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

/** The tables above by name, as the one `Database` (src/infra/db/schema.ts) lists them. */
export interface CrmTables {
  crm_clients: CrmClientsTable;
  crm_kyc_history: CrmKycHistoryTable;
  crm_accounts: CrmAccountsTable;
  crm_transactions: CrmTransactionsTable;
  crm_notes: CrmNotesTable;
  crm_activity: CrmActivityTable;
  crm_webhook_events: CrmWebhookEventsTable;
  service_tokens: ServiceTokensTable;
}

export type ClientRow = Selectable<CrmClientsTable>;
export type CrmAccountRow = Selectable<CrmAccountsTable>;
export type ServiceTokenRow = Selectable<ServiceTokensTable>;

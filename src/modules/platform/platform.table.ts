/**
 * Kysely table types of the trading platform: traders, sessions, used SSO tokens, accounts, transactions
 * (migrations/003_crm.ts). Times are UTC epoch milliseconds; JSON columns are text.
 */
import type { Selectable } from 'kysely';

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

interface SsoUsedTokensTable {
  jti: string;
  expires_at: number;
  used_at: number;
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

/** The tables above by name, as the one `Database` (src/infra/db/schema.ts) lists them. */
export interface PlatformTables {
  platform_traders: PlatformTradersTable;
  platform_sessions: PlatformSessionsTable;
  sso_used_tokens: SsoUsedTokensTable;
  platform_accounts: PlatformAccountsTable;
  platform_transactions: PlatformTransactionsTable;
}

export type PlatformTraderRow = Selectable<PlatformTradersTable>;
export type PlatformAccountRow = Selectable<PlatformAccountsTable>;

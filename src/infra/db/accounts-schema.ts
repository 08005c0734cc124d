/**
 * Table types of the account data API (accounts, widgets, access log), kept beside schema.ts so modules land
 * in parallel; `accountsDb(db)` widens a Db (or transaction) to see them.
 */
import type { Generated, Kysely, Selectable } from 'kysely';
import type { Database } from './schema.ts';

export interface Mt5AccountsTable {
  id: string;
  login: string;
  server: string;
  /** Investor password, AES-256-GCM sealed with the account id as AAD. Never returned. */
  password_enc: string;
  name: string;
  initial_balance: number | null;
  /** JSON: flat rules (loss floors on the chart, objectives); null = none attached. */
  rules: string | null;
  created_at: number;
}

export interface Mt5AccountLinksTable {
  account_id: string;
  tenant_id: string;
  created_at: number;
}

export interface ApiKeyLimitsTable {
  tenant_id: string;
  per_minute: number | null;
  account_interval_ms: number | null;
  account_burst: number | null;
  updated_at: number;
}

export interface WidgetTokensTable {
  id: string;
  account_id: string;
  kind: string;
  name: string;
  token_hash: string;
  /** JSON: privacy options bound to the token (the URL can only hide more). */
  options: string;
  created_at: number;
  revoked_at: number | null;
  last_seen_at: number | null;
}

export interface ApiAccessLogTable {
  id: Generated<number>;
  at: number;
  request_id: string;
  actor: string;
  key_id: string | null;
  tenant_id: string | null;
  widget_id: string | null;
  account_id: string | null;
  method: string;
  route: string;
  status: number;
  ip: string;
  forwarded_for: string | null;
  latency_ms: number;
  reason: string | null;
}

export type AccountsTables = {
  mt5_accounts: Mt5AccountsTable;
  mt5_account_links: Mt5AccountLinksTable;
  api_key_limits: ApiKeyLimitsTable;
  widget_tokens: WidgetTokensTable;
  api_access_log: ApiAccessLogTable;
};

export type AccountsDb = Kysely<Database & AccountsTables>;
export type Mt5AccountRow = Selectable<Mt5AccountsTable>;
export type WidgetTokenRow = Selectable<WidgetTokensTable>;
export type ApiAccessLogRow = Selectable<ApiAccessLogTable>;

export function accountsDb(db: Kysely<Database>): AccountsDb {
  return db.withTables<AccountsTables>();
}

/**
 * Kysely table types of the account data API: registry, key links, per-key limits, access log
 * (migrations/002_accounts.ts).
 */
import type { Generated, Selectable } from 'kysely';

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

interface Mt5AccountLinksTable {
  account_id: string;
  tenant_id: string;
  created_at: number;
}

interface ApiKeyLimitsTable {
  tenant_id: string;
  per_minute: number | null;
  account_interval_ms: number | null;
  account_burst: number | null;
  updated_at: number;
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

/** The tables above by name, as the one `Database` (src/infra/db/schema.ts) lists them. */
export interface AccountTables {
  mt5_accounts: Mt5AccountsTable;
  mt5_account_links: Mt5AccountLinksTable;
  api_key_limits: ApiKeyLimitsTable;
  api_access_log: ApiAccessLogTable;
}

export type Mt5AccountRow = Selectable<Mt5AccountsTable>;
export type ApiAccessLogRow = Selectable<ApiAccessLogTable>;

/**
 * Kysely table type of the API keys (migrations/001_initial.ts). Times are UTC epoch milliseconds; JSON columns are
 * text.
 */
import type { Selectable } from 'kysely';

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

/** The tables above by name, as the one `Database` (src/infra/db/schema.ts) lists them. */
export interface ApiKeyTables {
  api_keys: ApiKeysTable;
}

export type ApiKeyRow = Selectable<ApiKeysTable>;

/** Kysely table type of the widget tokens (migrations/002_accounts.ts). Times are UTC epoch milliseconds. */
import type { Selectable } from 'kysely';

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

/** The tables above by name, as the one `Database` (src/infra/db/schema.ts) lists them. */
export interface WidgetTables {
  widget_tokens: WidgetTokensTable;
}

export type WidgetTokenRow = Selectable<WidgetTokensTable>;

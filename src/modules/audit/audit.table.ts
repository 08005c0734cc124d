/** Kysely table type of the hash-chained audit log (migrations/003_crm.ts). Times are UTC epoch milliseconds. */
import type { Selectable } from 'kysely';

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

/** The tables above by name, as the one `Database` (src/infra/db/schema.ts) lists them. */
export interface AuditTables {
  audit_log: AuditLogTable;
}

export type AuditRow = Selectable<AuditLogTable>;

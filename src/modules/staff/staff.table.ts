/**
 * Kysely table types of the staff users and their logged-out tokens (migrations/003_crm.ts). Times are UTC epoch
 * milliseconds.
 */
import type { Selectable } from 'kysely';

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

interface StaffTokenRevocationsTable {
  jti: string;
  expires_at: number;
}

/** The tables above by name, as the one `Database` (src/infra/db/schema.ts) lists them. */
export interface StaffTables {
  staff_users: StaffUsersTable;
  staff_token_revocations: StaffTokenRevocationsTable;
}

export type StaffUserRow = Selectable<StaffUsersTable>;

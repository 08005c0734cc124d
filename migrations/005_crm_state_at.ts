/**
 * The time of the state the CRM holds, so a site event older than that state cannot overwrite it
 * (events are retried and may arrive out of order): `crm_accounts.state_at` for an account's
 * status, balance and other fields, `crm_clients.kyc_state_at` for the KYC status and notes,
 * `crm_clients.profile_state_at` for what client.registered sets (platform id, names, phone,
 * country). Epoch milliseconds of the event (its `timestamp`), or of a staff change. Null on rows
 * written before this migration: the time of their state is unknown, so the next event applies.
 * SQLite adds and drops one column per statement. Migrations never import from src/.
 */
import type { Kysely } from 'kysely';

const COLUMNS = [
  ['crm_accounts', 'state_at'],
  ['crm_clients', 'kyc_state_at'],
  ['crm_clients', 'profile_state_at'],
] as const;

export async function up(db: Kysely<any>): Promise<void> {
  for (const [table, column] of COLUMNS) {
    await db.schema.alterTable(table).addColumn(column, 'bigint').execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const [table, column] of COLUMNS) {
    await db.schema.alterTable(table).dropColumn(column).execute();
  }
}

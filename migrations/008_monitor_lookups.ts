/**
 * Two ways other modules find a monitor: the trading platform its challenge's monitor (tenant +
 * challenge_id), and the widgets the monitors watching an account (server + login).
 * Migrations never import from src/.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('monitors_tenant_challenge')
    .on('monitors')
    .columns(['tenant_id', 'challenge_id', 'created_at'])
    .execute();
  await db.schema.createIndex('monitors_account').on('monitors').columns(['mt5_server', 'mt5_login']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('monitors_account').execute();
  await db.schema.dropIndex('monitors_tenant_challenge').execute();
}

/**
 * The live processes watching monitors, each with the time it last said so: processes count each
 * other to share the monitors evenly (each claims up to its share and gives up what it holds over
 * it). A lookup index on `lease_owner` serves a process's own leases. Migrations never import from src/.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('monitor_processes')
    .addColumn('owner', 'text', (c) => c.primaryKey())
    .addColumn('seen_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('monitors_lease_owner').on('monitors').columns(['lease_owner', 'status']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('monitors_lease_owner').execute();
  await db.schema.dropTable('monitor_processes').execute();
}

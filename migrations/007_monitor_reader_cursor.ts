/**
 * The live reader's cursor of a monitor's account after its last observation: a process that takes
 * the monitor over (a restart, a failover) starts the reader with it (`start(creds, { resume })`),
 * so a reader whose accounts live in the reader (the simulator) goes on with the same account.
 * Migrations never import from src/.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('monitors').addColumn('reader_cursor', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('monitors').dropColumn('reader_cursor').execute();
}

/**
 * Live monitors: one row per watched account and rule set (`monitors`), the events each one raised
 * (`monitor_events`, numbered per monitor by `sequence`, identified by a deterministic `id` so an
 * event raised again after a restart or failover is refused as a duplicate), and the Idempotency-Key
 * of each POST /api/v1/monitors (`monitor_idempotency_keys`). `lease_owner`/`lease_expires_at` say
 * which live process watches a monitor. Portable between SQLite and PostgreSQL: text ids, bigint
 * epoch-ms times, JSON as text. Migrations never import from src/.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('monitors')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('challenge_id', 'text', (c) => c.notNull())
    .addColumn('mt5_login', 'text', (c) => c.notNull())
    .addColumn('mt5_server', 'text', (c) => c.notNull())
    .addColumn('credentials_enc', 'text')
    .addColumn('initial_balance', 'double precision', (c) => c.notNull())
    .addColumn('rules', 'text', (c) => c.notNull())
    .addColumn('alerts', 'text', (c) => c.notNull())
    .addColumn('callback_url', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('sequence', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('snapshot', 'text')
    .addColumn('last_observation_at', 'bigint')
    .addColumn('connection_state', 'text', (c) => c.notNull())
    .addColumn('connection_since', 'bigint', (c) => c.notNull())
    .addColumn('connection_error', 'text')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('monitors_tenant_created')
    .on('monitors')
    .columns(['tenant_id', 'created_at', 'id'])
    .execute();
  await db.schema.createIndex('monitors_status_lease').on('monitors').columns(['status', 'lease_expires_at']).execute();

  await db.schema
    .createTable('monitor_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('monitor_id', 'text', (c) => c.notNull())
    .addColumn('sequence', 'integer', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'bigint', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('monitor_events_monitor_sequence', ['monitor_id', 'sequence'])
    .execute();

  await db.schema
    .createTable('monitor_idempotency_keys')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('monitor_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('monitor_idempotency_keys_pk', ['tenant_id', 'key'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('monitor_idempotency_keys').execute();
  await db.schema.dropTable('monitor_events').execute();
  await db.schema.dropTable('monitors').execute();
}

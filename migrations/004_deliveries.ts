/**
 * One table of outgoing deliveries for every channel: result webhooks and the trading platform's
 * events to the CRM (the rows of `platform_outbox`, which goes away) now live in
 * `webhook_deliveries`, told apart by `channel`, and every attempt of either is logged in
 * `webhook_attempts`. Result-webhook columns (job_id, tenant_id) become optional; a delivery
 * without a url goes to its channel's endpoint. A platform event that was 'delivered' is
 * 'succeeded', the word result webhooks use. PostgreSQL alters the table in place; SQLite, which
 * cannot drop NOT NULL, rebuilds it. Migrations never import from src/.
 */
import { type Kysely, PostgresAdapter, sql } from 'kysely';

const COLUMNS = sql.raw(
  'id, channel, job_id, tenant_id, event, url, payload, status, attempts, next_attempt_at, last_status_code, ' +
    'last_error, created_at, delivered_at',
);

async function createDeliveriesTable(db: Kysely<any>, name: string): Promise<void> {
  await db.schema
    .createTable(name)
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('job_id', 'text', (c) => c.unique())
    .addColumn('tenant_id', 'text')
    .addColumn('event', 'text')
    .addColumn('url', 'text')
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint')
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('delivered_at', 'bigint')
    .execute();
}

async function copyPlatformOutbox(db: Kysely<any>, into: string): Promise<void> {
  await sql`insert into ${sql.table(into)} (${COLUMNS})
    select id, 'platform', null, null, event, null, payload,
      case when status = 'delivered' then 'succeeded' else status end,
      attempts, next_attempt_at, last_status_code, last_error, created_at, delivered_at
    from platform_outbox`.execute(db);
}

export async function up(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await db.schema
      .alterTable('webhook_deliveries')
      .addColumn('channel', 'text', (c) => c.notNull().defaultTo('result'))
      .addColumn('event', 'text')
      .addColumn('last_error', 'text')
      .alterColumn('job_id', (c) => c.dropNotNull())
      .alterColumn('tenant_id', (c) => c.dropNotNull())
      .alterColumn('url', (c) => c.dropNotNull())
      .execute();
    await db.schema
      .alterTable('webhook_deliveries')
      .alterColumn('channel', (c) => c.dropDefault())
      .execute();
    await copyPlatformOutbox(db, 'webhook_deliveries');
    await db.schema.dropTable('platform_outbox').execute();
  } else {
    // SQLite runs migrations outside a transaction; one keeps a crash from leaving half a rebuild.
    await db.transaction().execute(async (tx) => {
      await createDeliveriesTable(tx, 'webhook_deliveries_next');
      await sql`insert into webhook_deliveries_next (${COLUMNS})
        select id, 'result', job_id, tenant_id, null, url, payload, status,
          attempts, next_attempt_at, last_status_code, null, created_at, delivered_at
        from webhook_deliveries`.execute(tx);
      await copyPlatformOutbox(tx, 'webhook_deliveries_next');
      await tx.schema.dropTable('webhook_deliveries').execute();
      await tx.schema.dropTable('platform_outbox').execute();
      await tx.schema.alterTable('webhook_deliveries_next').renameTo('webhook_deliveries').execute();
    });
  }
  await db.schema.dropIndex('webhook_deliveries_status_next').ifExists().execute();
  // The sweep looks for one channel's overdue deliveries.
  await db.schema
    .createIndex('webhook_deliveries_channel_status_next')
    .on('webhook_deliveries')
    .columns(['channel', 'status', 'next_attempt_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('platform_outbox')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint')
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('delivered_at', 'bigint')
    .execute();
  await sql`insert into platform_outbox
    (id, event, payload, status, attempts, next_attempt_at, last_status_code, last_error, created_at, delivered_at)
    select id, coalesce(event, ''), payload, case when status = 'succeeded' then 'delivered' else status end,
      attempts, next_attempt_at, last_status_code, last_error, created_at, delivered_at
    from webhook_deliveries where channel = 'platform'`.execute(db);
  await db.deleteFrom('webhook_deliveries').where('channel', '<>', 'result').execute();
  await db.schema.dropIndex('webhook_deliveries_channel_status_next').ifExists().execute();
  await db.schema
    .createIndex('platform_outbox_status_next')
    .on('platform_outbox')
    .columns(['status', 'next_attempt_at'])
    .execute();
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await db.schema
      .alterTable('webhook_deliveries')
      .dropColumn('channel')
      .dropColumn('event')
      .dropColumn('last_error')
      .alterColumn('job_id', (c) => c.setNotNull())
      .alterColumn('tenant_id', (c) => c.setNotNull())
      .alterColumn('url', (c) => c.setNotNull())
      .execute();
  } else {
    await db.schema
      .createTable('webhook_deliveries_prev')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('job_id', 'text', (c) => c.notNull().unique())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', 'bigint')
      .addColumn('last_status_code', 'integer')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('delivered_at', 'bigint')
      .execute();
    await sql`insert into webhook_deliveries_prev
      select id, job_id, tenant_id, url, payload, status, attempts, next_attempt_at, last_status_code,
        created_at, delivered_at
      from webhook_deliveries`.execute(db);
    await db.schema.dropTable('webhook_deliveries').execute();
    await db.schema.alterTable('webhook_deliveries_prev').renameTo('webhook_deliveries').execute();
  }
  await db.schema
    .createIndex('webhook_deliveries_status_next')
    .on('webhook_deliveries')
    .columns(['status', 'next_attempt_at'])
    .execute();
}

/**
 * Accounts registry, account API and widgets: staff-registered MT5 accounts (investor
 * password sealed), their links to API-key tenants, per-tenant rate limits, widget tokens (hashed)
 * and the API access log. Portable between SQLite and PostgreSQL: text ids, bigint epoch-ms times,
 * JSON as text. Migrations never import from src/.
 */
import { type Kysely, PostgresAdapter } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('mt5_accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('login', 'text', (c) => c.notNull())
    .addColumn('server', 'text', (c) => c.notNull())
    .addColumn('password_enc', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('initial_balance', 'double precision')
    .addColumn('rules', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('mt5_accounts_login_server', ['login', 'server'])
    .execute();

  // Links are per key tenant, so a rotated key keeps the accounts of the key it replaced.
  await db.schema
    .createTable('mt5_account_links')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('mt5_account_links_pk', ['tenant_id', 'account_id'])
    .execute();
  await db.schema.createIndex('mt5_account_links_account').on('mt5_account_links').column('account_id').execute();

  await db.schema
    .createTable('api_key_limits')
    .addColumn('tenant_id', 'text', (c) => c.primaryKey())
    .addColumn('per_minute', 'integer')
    .addColumn('account_interval_ms', 'integer')
    .addColumn('account_burst', 'integer')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('widget_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('options', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .addColumn('last_seen_at', 'bigint')
    .execute();
  await db.schema.createIndex('widget_tokens_account').on('widget_tokens').column('account_id').execute();

  const isPg = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable('api_access_log')
    .addColumn('id', isPg ? 'bigserial' : 'integer', (c) => (isPg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text')
    .addColumn('tenant_id', 'text')
    .addColumn('widget_id', 'text')
    .addColumn('account_id', 'text')
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('route', 'text', (c) => c.notNull())
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('ip', 'text', (c) => c.notNull())
    .addColumn('forwarded_for', 'text')
    .addColumn('latency_ms', 'double precision', (c) => c.notNull())
    .addColumn('reason', 'text')
    .execute();
  await db.schema.createIndex('api_access_log_at').on('api_access_log').column('at').execute();
  await db.schema.createIndex('api_access_log_key_at').on('api_access_log').columns(['key_id', 'at']).execute();
  await db.schema.createIndex('api_access_log_account_at').on('api_access_log').columns(['account_id', 'at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['api_access_log', 'widget_tokens', 'api_key_limits', 'mt5_account_links', 'mt5_accounts']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}

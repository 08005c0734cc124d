/**
 * Migration 004 on the database in use (SQLite, or PostgreSQL in services mode): result webhooks,
 * their attempts and the platform outbox written by 003's schema are all there afterwards, and
 * going back down restores the outbox.
 */
import { type Kysely, type Migration, Migrator } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { type DbHandle, openDb } from '../src/infra/db/index.ts';
import { dropStorage, newStorage, type StackStorage, servicesMode, testConfig } from '../test/storage.ts';
import * as initial from './001_initial.ts';
import * as accounts from './002_accounts.ts';
import * as crm from './003_crm.ts';
import * as deliveries from './004_deliveries.ts';

let storage: StackStorage;
let handle: DbHandle;
afterEach(async () => {
  await handle.close();
  await dropStorage(storage);
});

async function migrator(): Promise<{ db: Kysely<any>; migrator: Migrator }> {
  storage = newStorage();
  const config = testConfig({ DATA_DIR: storage.dataDir });
  handle = await openDb({
    databaseUrl: config.DATABASE_URL,
    dataDir: storage.dataDir,
    ...(servicesMode ? { pgSchema: storage.pgSchema } : {}),
  });
  const migrations: Record<string, Migration> = {
    '001_initial': initial,
    '002_accounts': accounts,
    '003_crm': crm,
    '004_deliveries': deliveries,
  };
  const db = handle.db as unknown as Kysely<any>;
  return {
    db,
    migrator: new Migrator({
      db,
      provider: { getMigrations: async () => migrations },
      ...(servicesMode ? { migrationTableSchema: storage.pgSchema } : {}),
    }),
  };
}

async function migrateTo(m: Migrator, name: string): Promise<void> {
  const { error } = await m.migrateTo(name);
  if (error) throw error;
}

const resultRow = {
  id: 'msg_1',
  job_id: 'job_1',
  tenant_id: 'ten_1',
  url: 'https://firm.example/hook',
  payload: '{"job_id":"job_1"}',
  status: 'pending',
  attempts: 2,
  next_attempt_at: 1_700_000_300_000,
  last_status_code: 500,
  created_at: 1_700_000_000_000,
  delivered_at: null,
};
const outboxRows = [
  { id: 'pev_1', event: 'client.registered', status: 'delivered', delivered_at: 1_700_000_001_000, last_error: null },
  { id: 'pev_2', event: 'kyc.updated', status: 'pending', delivered_at: null, last_error: 'HTTP 502' },
].map((r) => ({
  ...r,
  payload: `{"event":"${r.event}"}`,
  attempts: 1,
  next_attempt_at: r.status === 'pending' ? 1_700_000_005_000 : null,
  last_status_code: r.status === 'pending' ? 502 : 200,
  created_at: 1_700_000_000_000,
}));

describe('migration 004: one table of deliveries', () => {
  it('keeps result webhooks and their attempts, and moves the platform outbox in as its own channel', async () => {
    const { db, migrator: m } = await migrator();
    await migrateTo(m, '003_crm');
    await db.insertInto('webhook_deliveries').values(resultRow).execute();
    const attempt = { delivery_id: 'msg_1', attempt: 1, started_at: 1_700_000_000_000, duration_ms: 12 };
    await db
      .insertInto('webhook_attempts')
      .values({ ...attempt, status_code: 500, error: 'HTTP 500', response_body: 'oops', next_retry_at: 1 })
      .execute();
    await db.insertInto('platform_outbox').values(outboxRows).execute();

    await migrateTo(m, '004_deliveries');
    const rows = await db.selectFrom('webhook_deliveries').selectAll().orderBy('id').execute();
    expect(rows).toEqual([
      { ...resultRow, channel: 'result', event: null, last_error: null },
      {
        ...outboxRows[0],
        channel: 'platform',
        status: 'succeeded',
        job_id: null,
        tenant_id: null,
        url: null,
      },
      { ...outboxRows[1], channel: 'platform', job_id: null, tenant_id: null, url: null },
    ]);
    expect(await db.selectFrom('webhook_attempts').select(['delivery_id', 'response_body']).execute()).toEqual([
      { delivery_id: 'msg_1', response_body: 'oops' },
    ]);
    // A second result webhook for the same job is still refused.
    await expect(
      db
        .insertInto('webhook_deliveries')
        .values({ ...rows[0], id: 'msg_2' })
        .execute(),
    ).rejects.toThrow();

    await migrateTo(m, '003_crm');
    expect(await db.selectFrom('platform_outbox').selectAll().orderBy('id').execute()).toEqual(outboxRows);
    expect(await db.selectFrom('webhook_deliveries').selectAll().execute()).toEqual([resultRow]);
  });
});

/**
 * Migration 005 on the database in use (SQLite, or PostgreSQL in services mode): clients and
 * accounts written before it keep every value and have no time of state (null: the next event
 * applies); going back down removes the columns and keeps the rows.
 */
import { type Kysely, type Migration, Migrator } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { type DbHandle, openDb } from '../src/infra/db/index.ts';
import { dropStorage, newStorage, type StackStorage, servicesMode, testConfig } from '../test/storage.ts';
import * as initial from './001_initial.ts';
import * as accounts from './002_accounts.ts';
import * as crm from './003_crm.ts';
import * as deliveries from './004_deliveries.ts';
import * as stateAt from './005_crm_state_at.ts';

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
    '005_crm_state_at': stateAt,
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

const clientRow = {
  id: 'cli_1',
  external_id: 'trd_1',
  email: 'old@example.com',
  first_name: 'Olga',
  last_name: 'Old',
  phone: null,
  country: 'CZ',
  status: 'active',
  kyc_status: 'pending',
  kyc_notes: null,
  source: 'platform',
  created_at: 1_700_000_000_000,
  updated_at: 1_700_000_001_000,
};
const accountRow = {
  id: 'acc_1',
  client_id: 'cli_1',
  external_id: 'pac_1',
  parent_external_id: null,
  login: '1001',
  server: 'Brymix-Demo',
  type: 'challenge',
  phase: 'phase-1',
  status: 'passed',
  currency: 'USD',
  balance_cents: 11_045_240,
  equity_cents: null,
  created_at: 1_700_000_000_000,
  updated_at: 1_700_000_002_000,
};

describe('migration 005: the time of the state a client and an account hold', () => {
  it('adds the times as null to rows written before it, and going down keeps the rows', async () => {
    const { db, migrator: m } = await migrator();
    await migrateTo(m, '004_deliveries');
    await db.insertInto('crm_clients').values(clientRow).execute();
    await db.insertInto('crm_accounts').values(accountRow).execute();

    await migrateTo(m, '005_crm_state_at');
    expect(await db.selectFrom('crm_clients').selectAll().execute()).toEqual([
      { ...clientRow, kyc_state_at: null, profile_state_at: null },
    ]);
    expect(await db.selectFrom('crm_accounts').selectAll().execute()).toEqual([{ ...accountRow, state_at: null }]);
    await db.updateTable('crm_accounts').set({ state_at: 1_700_000_003_000 }).execute();
    expect(await db.selectFrom('crm_accounts').select('state_at').execute()).toEqual([{ state_at: 1_700_000_003_000 }]);

    await migrateTo(m, '004_deliveries');
    expect(await db.selectFrom('crm_clients').selectAll().execute()).toEqual([clientRow]);
    expect(await db.selectFrom('crm_accounts').selectAll().execute()).toEqual([accountRow]);
  });
});

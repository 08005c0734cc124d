import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../../../test/harness.ts';
import type { Db } from '../../infra/db/index.ts';
import { createCrmRepository } from './crm.repository.ts';

let stack: TestStack;
let repo: ReturnType<typeof createCrmRepository>;
let n = 0;
const client = (email: string) => {
  n++;
  const at = 1_760_000_000_000 + n;
  return {
    id: `cli_repo${String(n).padStart(12, '0')}`,
    external_id: null,
    email,
    first_name: 'Page',
    last_name: `Tester ${n}`,
    phone: null,
    country: null,
    status: 'active',
    kyc_status: 'not_started',
    kyc_notes: null,
    source: 'test',
    created_at: at,
    updated_at: at,
    kyc_state_at: null,
    profile_state_at: null,
  };
};

beforeAll(async () => {
  stack = await startStack({ workers: false });
  repo = createCrmRepository(stack.deps.dbHandle.db);
});
afterAll(() => stack.close());

describe('listClients', () => {
  it('reports the total beside every page, past the last page and for no match', async () => {
    for (const e of ['pg1@page.test', 'pg2@page.test', 'pg3@page.test']) await repo.findOrInsertClient(client(e));
    const f = { q: '@page.test', sort: 'created_asc' as const };
    const page = async (offset: number) => {
      const r = await repo.listClients(f, 2, offset);
      return [r.rows.map((c) => c.email), r.total];
    };
    expect(await page(0)).toEqual([['pg1@page.test', 'pg2@page.test'], 3]);
    expect(await page(2)).toEqual([['pg3@page.test'], 3]);
    expect(await page(5)).toEqual([[], 3]);
    expect(await repo.listClients({ q: 'nobody-here', sort: 'created_asc' }, 2, 0)).toEqual({ rows: [], total: 0 });
  });

  it('never answers a total that disagrees with its own page while clients are being added', async () => {
    const f = { q: '@race.test', sort: 'created_desc' as const };
    for (let i = 0; i < 40; i++) {
      const inserting = repo.findOrInsertClient(client(`r${i}@race.test`));
      const [, listed] = await Promise.all([inserting, repo.listClients(f, 100, 0)]);
      expect(listed.rows.length).toBe(listed.total);
    }
  });
});

/** Runs `work` in a transaction that stays open until `release` is called; `started` settles once `work` is done. */
function heldTransaction<T>(work: (tx: Db) => Promise<T>) {
  let release = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let done = () => {};
  const started = new Promise<void>((resolve) => {
    done = resolve;
  });
  const result = stack.deps.dbHandle.db.transaction().execute(async (tx) => {
    const value = await work(tx);
    done();
    await gate;
    return value;
  });
  return { started, release, result };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('findOrInsertClient', () => {
  it('gives two transactions inserting one new email the same client: the second waits, inserts nothing', async () => {
    const first = heldTransaction((tx) => repo.findOrInsertClient(client('same@race.test'), tx));
    await first.started;
    const db = stack.deps.dbHandle.db;
    const second = db.transaction().execute((tx) => repo.findOrInsertClient(client('same@race.test'), tx));
    // The second reaches the unique index (PostgreSQL) or waits for the connection (SQLite) meanwhile.
    await pause(100);
    first.release();
    const [a, b] = await Promise.all([first.result, second]);
    expect(a.inserted).toBe(true);
    expect(b).toMatchObject({ inserted: false, client: { id: a.client.id, email: 'same@race.test' } });
    expect((await repo.listClients({ q: 'same@race.test', sort: 'created_asc' }, 10, 0)).total).toBe(1);
  });
});

describe('updateAccountUnlessNewer', () => {
  const account = (externalId: string, status: string, stateAt: number) => ({
    id: `acc_${externalId}`,
    client_id: 'cli_accounts',
    external_id: externalId,
    parent_external_id: null,
    login: null,
    server: null,
    type: null,
    phase: null,
    status,
    currency: null,
    balance_cents: 100_000_00,
    equity_cents: null,
    created_at: stateAt,
    updated_at: stateAt,
    state_at: stateAt,
  });

  it('inserts an account once; a second insert of its external id yields', async () => {
    expect(await repo.insertAccountIfNew(account('once-1', 'active', 1_000))).toBe(true);
    expect(await repo.insertAccountIfNew({ ...account('once-1', 'passed', 2_000), id: 'acc_once-1b' })).toBe(false);
    expect((await repo.accounts('cli_accounts')).map((a) => [a.external_id, a.status])).toEqual([['once-1', 'active']]);
  });

  it('keeps the newer state when an older update waits for a newer one to commit', async () => {
    expect(await repo.insertAccountIfNew(account('lww-1', 'active', 1_000))).toBe(true);
    const passed = { status: 'passed', state_at: 3_000 };
    const newer = heldTransaction((tx) => repo.updateAccountUnlessNewer('lww-1', passed, tx));
    await newer.started;
    const older = stack.deps.dbHandle.db
      .transaction()
      .execute((tx) => repo.updateAccountUnlessNewer('lww-1', { status: 'active', state_at: 2_000 }, tx));
    await pause(100);
    newer.release();
    expect(await Promise.all([newer.result, older])).toEqual([true, false]);
    // Same time: the later arrival wins.
    expect(await repo.updateAccountUnlessNewer('lww-1', { status: 'funded', state_at: 3_000 })).toBe(true);
    const [held] = (await repo.accounts('cli_accounts')).filter((a) => a.external_id === 'lww-1');
    expect(held).toMatchObject({ status: 'funded', state_at: 3_000 });
  });
});

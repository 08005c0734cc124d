/**
 * Applying the trading platform's site events (the work of the `crm.site-event` job) on the
 * database in use, SQLite or PostgreSQL: events for one new client applied at the same time all
 * succeed on one client, and an event older than the state held never overwrites it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropStorage, newStorage, type StackStorage, servicesMode, testConfig } from '../../../test/storage.ts';
import { systemClock } from '../../infra/clock.ts';
import { type DbHandle, migrate, openDb } from '../../infra/db/index.ts';
import { createLogger } from '../../infra/logger.ts';
import { createAuditService } from '../audit/audit.service.ts';
import { createCrmRepository } from './crm.repository.ts';
import { type CrmService, createCrmService } from './crm.service.ts';
import type { SiteEventName } from './crm.ts';

let storage: StackStorage;
let handle: DbHandle;
let crm: CrmService;
let repo: ReturnType<typeof createCrmRepository>;

beforeAll(async () => {
  storage = newStorage();
  const config = testConfig({ DATA_DIR: storage.dataDir });
  handle = await openDb({
    databaseUrl: config.DATABASE_URL,
    dataDir: storage.dataDir,
    ...(servicesMode ? { pgSchema: storage.pgSchema } : {}),
  });
  await migrate(handle.db);
  const logger = createLogger('silent');
  const audit = createAuditService({ db: handle.db, clock: systemClock, logger });
  crm = createCrmService({
    db: handle.db,
    clock: systemClock,
    logger,
    audit,
    ssoSecret: 'sso-secret-for-tests-0000000000000000',
    tradingPlatformUrl: 'http://platform.test',
    tradingPlatformHasTrader: null,
  });
  repo = createCrmRepository(handle.db);
});
afterAll(async () => {
  await handle.close();
  await dropStorage(storage);
});

let received = 0;
/** Stores a site event as the webhook receiver does; returns its id for the job. */
async function receive(event: SiteEventName, data: Record<string, unknown>, timestamp: string): Promise<string> {
  received++;
  const id = `evt_crmservicetest${String(received).padStart(6, '0')}`;
  const payload = JSON.stringify({ event, data, timestamp });
  const row = { dedupe_key: `id:${id}`, id, event, payload, status: 'received', error: null, processed_at: null };
  expect(await repo.insertEvent({ ...row, received_at: Date.now() })).toBe(true);
  return id;
}

/** Runs the job of one event, first attempt of eight: an error is thrown for the queue to retry. */
const apply = (id: string) =>
  crm.processSiteEvent({ event_id: id }, { attempt: 1, maxAttempts: 8, jobId: `site-${id}` });

async function applyInOrder(...ids: string[]): Promise<void> {
  for (const id of ids) await apply(id);
}

const at = (minute: number) => new Date(Date.UTC(2026, 0, 16, 10, minute)).toISOString();

async function accountOf(email: string, accountId: string) {
  const { accounts } = await crm.accounts({ email });
  return accounts.find((a) => a.accountId === accountId);
}

async function timeline(email: string) {
  const { items } = await crm.activity({ email }, 50, undefined);
  return items.map((i) => ({ type: i.type, superseded: i.data?.superseded === true, at: i.at }));
}

describe('site events for one new client applied at the same time', () => {
  it('all succeed and make one client: registration, account opened and KYC for each of ten new emails', async () => {
    const emails = Array.from({ length: 10 }, (_, i) => `race${i}@example.com`);
    const ids: string[] = [];
    for (const [i, email] of emails.entries()) {
      const clientId = `RACE-${i}`;
      ids.push(
        await receive('client.registered', { clientId, email, firstName: 'Ray', lastName: `Race ${i}` }, at(0)),
        await receive('account.updated', { clientId, email, accountId: `race-acc-${i}`, status: 'active' }, at(0)),
        await receive('kyc.updated', { clientId, email, kycStatus: 'pending' }, at(0)),
      );
    }
    await Promise.all(ids.map(apply));

    for (const [i, email] of emails.entries()) {
      const { items, total } = await crm.listClients({ q: email, sort: 'created_asc' }, 1, 10);
      expect(total).toBe(1);
      expect(items[0]).toMatchObject({
        clientId: `RACE-${i}`,
        firstName: 'Ray',
        lastName: `Race ${i}`,
        kycStatus: 'pending',
      });
      expect(await accountOf(email, `race-acc-${i}`)).toMatchObject({ status: 'active' });
      expect((await timeline(email)).map((t) => t.type).sort()).toEqual([
        'account.updated',
        'client.registered',
        'kyc.updated',
      ]);
    }
    const events = await handle.db.selectFrom('crm_webhook_events').select('status').where('id', 'in', ids).execute();
    expect(events.map((e) => e.status)).toEqual(ids.map(() => 'processed'));
  });
});

describe('an event older than the state held', () => {
  const email = 'order@example.com';
  const opened = { clientId: 'ORD-1', email, accountId: 'ord-acc', login: '7101', status: 'active', balance: 100000 };

  it('account.updated arriving second leaves the newer status and balance, and joins the timeline', async () => {
    const created = await receive('account.updated', { ...opened, change: 'created' }, at(0));
    const passed = await receive(
      'account.updated',
      { ...opened, status: 'passed', balance: '110452.40', change: 'challenge_passed' },
      at(5),
    );
    await applyInOrder(passed, created);

    expect(await accountOf(email, 'ord-acc')).toMatchObject({ status: 'passed', balance: '110452.40', login: '7101' });
    expect(await timeline(email)).toEqual([
      { type: 'account.updated', superseded: false, at: at(5) },
      { type: 'account.updated', superseded: true, at: at(0) },
    ]);
  });

  it('account.updated newer than the state held, or of the same time arriving later, is applied', async () => {
    await apply(await receive('account.updated', { ...opened, status: 'passed', balance: '110400.00' }, at(5)));
    expect(await accountOf(email, 'ord-acc')).toMatchObject({ status: 'passed', balance: '110400.00' });
    await apply(await receive('account.updated', { ...opened, status: 'funded', balance: 110000 }, at(9)));
    expect(await accountOf(email, 'ord-acc')).toMatchObject({ status: 'funded', balance: '110000.00' });
  });

  it('kyc.updated arriving second leaves the newer KYC status and its history as they are', async () => {
    const kycEmail = 'kyc-order@example.com';
    const pending = await receive('kyc.updated', { email: kycEmail, kycStatus: 'pending' }, at(1));
    const approved = await receive(
      'kyc.updated',
      { email: kycEmail, kycStatus: 'approved', kycNotes: 'Passport' },
      at(2),
    );
    await applyInOrder(approved, pending);

    const client = await crm.getClientByEmail(kycEmail);
    expect(client).toMatchObject({ kycStatus: 'approved', kycNotes: 'Passport' });
    const { kycHistory } = await crm.getClient(client.id);
    expect(kycHistory.map((h) => [h.from, h.to])).toEqual([['not_started', 'approved']]);
    expect(await timeline(kycEmail)).toEqual([
      { type: 'kyc.updated', superseded: false, at: at(2) },
      { type: 'kyc.updated', superseded: true, at: at(1) },
    ]);
  });

  it('kyc.updated from before a staff change does not undo it', async () => {
    const staffEmail = 'kyc-staff@example.com';
    await apply(await receive('client.registered', { clientId: 'KS-1', email: staffEmail }, at(0)));
    const staff = { type: 'staff' as const, id: 'stf_1', label: 'desk@firm.test' };
    await crm.updateKyc({ email: staffEmail }, { kycStatus: 'approved' }, staff, {
      ip: '127.0.0.1',
      requestId: 'req-kyc-staff',
    });
    // Sent by the platform before the staff change, delivered after it (a retry).
    await apply(
      await receive(
        'kyc.updated',
        { email: staffEmail, kycStatus: 'pending' },
        new Date(Date.now() - 60_000).toISOString(),
      ),
    );
    expect(await crm.getClientByEmail(staffEmail)).toMatchObject({ kycStatus: 'approved' });
  });

  it('client.registered arriving second keeps the newer registration details', async () => {
    const regEmail = 'reg-order@example.com';
    const older = await receive(
      'client.registered',
      { clientId: 'REG-1', email: regEmail, firstName: 'Old', phone: '+1 555 0100' },
      at(1),
    );
    const newer = await receive(
      'client.registered',
      { clientId: 'REG-1', email: regEmail, firstName: 'New', phone: '+1 555 0199' },
      at(3),
    );
    await applyInOrder(newer, older);
    expect(await crm.getClientByEmail(regEmail)).toMatchObject({
      clientId: 'REG-1',
      firstName: 'New',
      phone: '+1 555 0199',
    });
  });
});

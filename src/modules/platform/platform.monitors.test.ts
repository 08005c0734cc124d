/**
 * The platform watches its challenge accounts live: sign-up starts a monitor in the platform's
 * tenant; its breach fails the account in the event's transaction and tells the CRM (account.updated,
 * challenge_failed, the rule and its time); another tenant's monitor of the same account never
 * touches it; an event committed by a process that dies before dispatching it still reaches the CRM.
 * The MT5 server is scripted (test/factories/scripted-live.ts) under the platform's server name, on
 * a fake clock; a local receiver stands in for the CRM.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closedTrade, createScriptedConnector, type ScriptedConnector } from '../../../test/factories/scripted-live.ts';
import {
  checkBody,
  dropStorage,
  eventually,
  newStorage,
  type Receiver,
  type StackStorage,
  startReceiver,
  startStack,
  type TestStack,
} from '../../../test/harness.ts';
import { FakeClock } from '../../infra/clock.ts';
import { BullQueue } from '../../infra/queue/bullmq.ts';
import type { Mt5Connector } from '../../mt5/connector.ts';
import type { LiveCapable } from '../../mt5/live.ts';
import { createConnectorRouter } from '../../mt5/router.ts';
import { SimulatorConnector } from '../../mt5/simulator/index.ts';

const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const SERVER = 'Brymix-Demo';
const SITE_PATH = '/api/webhooks/site';
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

interface Setup {
  stack: TestStack;
  clock: FakeClock;
  scripted: ScriptedConnector;
  crm: Receiver;
}

async function setup(
  o: { storage?: StackStorage; workers?: boolean; clock?: FakeClock; crm?: Receiver; history?: boolean } = {},
): Promise<Setup> {
  const clock = o.clock ?? new FakeClock(T0);
  const scripted = createScriptedConnector(clock);
  // With `history`, the challenge check reads the simulator's January account 1001 and finishes;
  // without, the scripted server has no history to give and the check ends in an error.
  const sim = new SimulatorConnector({ clock });
  const connector: Mt5Connector & LiveCapable = o.history
    ? {
        kind: 'scripted+simulator',
        fetchHistory: (c, f) => sim.fetchHistory(c, f),
        getAccountInfo: (c, f) => sim.getAccountInfo(c, f),
        getPositions: (c, f) => sim.getPositions(c, f),
        live: () => scripted.live(),
      }
    : scripted;
  // The platform opens its accounts on Brymix-Demo: here that server is the scripted one.
  const first = scripted.add('1001');
  first.password = 'demo';
  const crm = o.crm ?? (await startReceiver(SITE_PATH));
  const stack = await startStack({
    clock,
    connectors: createConnectorRouter({ [SERVER]: connector }),
    env: { CRM_BASE_URL: crm.url.slice(0, -SITE_PATH.length), WEBHOOK_TIMEOUT_MS: '2000' },
    ...(o.storage ? { storage: o.storage } : {}),
    ...(o.workers === false ? { workers: false } : {}),
  });
  open.push(stack);
  if (!o.crm) open.push(crm);
  return { stack, clock, scripted, crm };
}

async function signUp(s: Setup): Promise<{ cookie: string; accountId: string }> {
  const res = await s.stack.app.inject({
    method: 'POST',
    url: '/api/platform/signup',
    payload: { email: 'tia@example.com', password: 'trader-password-1', firstName: 'Tia', lastName: 'Trader' },
  });
  expect(res.statusCode).toBe(201);
  const cookie = String(res.headers['set-cookie']).split(';')[0]!;
  const accounts = await s.stack.app.inject({ method: 'GET', url: '/api/platform/accounts', headers: { cookie } });
  return { cookie, accountId: accounts.json().accounts[0].id };
}

const monitorsOf = (s: Setup, tenantId: string) =>
  s.stack.deps.dbHandle.db
    .selectFrom('monitors')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .orderBy('created_at')
    .execute();

const accountRow = (s: Setup, id: string) =>
  s.stack.deps.dbHandle.db.selectFrom('platform_accounts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

async function round(s: Setup): Promise<void> {
  s.clock.advance(1_000);
  await s.stack.deps.monitorRuntime.tick();
}

const challengeEvents = (crm: Receiver) =>
  crm.received
    .map((h) => h.json as { event: string; data: Record<string, unknown> })
    .filter((e) => e.event === 'account.updated' && String(e.data.change).startsWith('challenge_'));

describe('the platform watches its challenge accounts', () => {
  it('starts a monitor in its own tenant with the rules its check uses when an account opens', async () => {
    const s = await setup();
    const { accountId } = await signUp(s);
    const [m] = await monitorsOf(s, 'platform');
    expect(m).toMatchObject({ challenge_id: accountId, mt5_login: '1001', mt5_server: SERVER, status: 'active' });
    expect(m!.initial_balance).toBe(100_000);
    const rules = JSON.parse(m!.rules) as Array<{ family?: string; rule?: string }>;
    expect(rules.length).toBeGreaterThan(0);
    // The password is sealed, never stored as given.
    expect(m!.credentials_enc).not.toContain('demo');
  });

  it('fails the account in the breach’s transaction and tells the CRM the rule and its time', async () => {
    const s = await setup();
    const { cookie, accountId } = await signUp(s);
    await round(s);
    s.scripted.accounts.get('1001')!.equity = 94_000; // below the 5 % daily floor of 95,000
    await round(s);
    const [m] = await monitorsOf(s, 'platform');
    expect(m!.status).toBe('breached');
    expect(await accountRow(s, accountId)).toMatchObject({ status: 'failed' });

    const [event] = await eventually(
      async () => challengeEvents(s.crm),
      (e: unknown[]) => e.length === 1,
    );
    expect(event!.data).toMatchObject({
      accountId,
      login: '1001',
      server: SERVER,
      status: 'failed',
      change: 'challenge_failed',
      reason: { source: 'monitor', rule: 'maximum_daily_loss', at: expect.stringMatching(/^2026-12-01T10:00:0/) },
    });

    // The dashboard's data: the account ended, its monitor shows the breach and each limit's floor.
    const live = (
      await s.stack.app.inject({
        method: 'GET',
        url: `/api/platform/accounts/${accountId}/monitor`,
        headers: { cookie },
      })
    ).json();
    expect(live).toMatchObject({
      accountId,
      status: 'failed',
      monitor: { status: 'breached', breach: { rule: 'maximum_daily_loss', label: 'maximum daily loss' } },
    });
    expect(live.monitor.limits).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ rule: 'maximum_daily_loss', floor: 95_000 }),
        expect.objectContaining({ rule: 'maximum_drawdown', floor: 90_000 }),
      ]),
    );
    // Nothing more comes of it: a later reading, the check, the sweep send no second result.
    await round(s);
    await s.stack.deps.outbox.sweep();
    await new Promise((r) => setTimeout(r, 200));
    expect(challengeEvents(s.crm)).toHaveLength(1);
  });

  it('passes the account when its monitor sees every objective met', async () => {
    const s = await setup();
    const { accountId } = await signUp(s);
    await round(s);
    const a = s.scripted.accounts.get('1001')!;
    a.deals.push(...closedTrade(s.clock.now(), 11_000));
    a.balance = 111_000;
    a.equity = 111_000;
    await round(s);
    const [m] = await monitorsOf(s, 'platform');
    expect(m!.status).toBe('passed');
    expect(await accountRow(s, accountId)).toMatchObject({ status: 'passed', balance_cents: 11_100_000 });
    const [event] = await eventually(
      async () => challengeEvents(s.crm),
      (e: unknown[]) => e.length === 1,
    );
    expect(event!.data).toMatchObject({
      change: 'challenge_passed',
      balance: '111000.00',
      reason: { source: 'monitor', rule: null },
    });
  });

  it('is never touched by another tenant’s monitor of the same login, even one naming its account', async () => {
    const s = await setup();
    const { accountId } = await signUp(s);
    const { key } = await s.stack.createKey('Other Firm');
    const res = await s.stack.app.inject({
      method: 'POST',
      url: '/api/v1/monitors',
      headers: { 'x-api-key': key },
      payload: checkBody({
        challenge_id: accountId,
        mt5_login: '1001',
        mt5_password: 'demo',
        mt5_server: SERVER,
        initial_balance: 100_000,
        rules: { max_daily_loss_percent: 1, max_drawdown_percent: 2, profit_target_percent: 10 },
      }),
    });
    expect(res.statusCode).toBe(201);
    await round(s);
    s.scripted.accounts.get('1001')!.equity = 98_500; // breaks the other firm's 1 %, not the platform's 5 %
    await round(s);
    const other = await s.stack.deps.dbHandle.db
      .selectFrom('monitors')
      .selectAll()
      .where('id', '=', res.json().monitor_id)
      .executeTakeFirstOrThrow();
    expect(other.status).toBe('breached');
    const [mine] = await monitorsOf(s, 'platform');
    expect(mine!.status).toBe('active');
    expect(await accountRow(s, accountId)).toMatchObject({ status: 'active' });
    await new Promise((r) => setTimeout(r, 300));
    expect(challengeEvents(s.crm)).toHaveLength(0);
  });

  it('stops the monitor when its challenge check ends the account first', async () => {
    const s = await setup({ history: true });
    const { accountId } = await signUp(s);
    // The check follows the job on the queue's (fake) clock.
    const ended = await eventually(
      async () => {
        s.clock.advance(1_000);
        return accountRow(s, accountId);
      },
      (a: { status: string }) => a.status !== 'active',
    );
    expect(['passed', 'failed']).toContain(ended.status);
    const [m] = await eventually(
      async () => monitorsOf(s, 'platform'),
      (rows: Array<{ status: string }>) => rows[0]?.status === 'stopped',
    );
    expect(m).toMatchObject({ status: 'stopped', credentials_enc: null });
    // A reading that would have breached now changes nothing: the account ended with the check.
    s.scripted.accounts.get('1001')!.equity = 50_000;
    await round(s);
    expect((await accountRow(s, accountId)).status).toBe(ended.status);
    await new Promise((r) => setTimeout(r, 200));
    expect(challengeEvents(s.crm).map((e) => e.data.reason)).toEqual([expect.objectContaining({ source: 'check' })]);
  });

  it('delivers the result to the CRM after a process that committed the breach died before dispatching it', async () => {
    const storage = newStorage();
    const clock = new FakeClock(T0);
    const crm = await startReceiver(SITE_PATH);
    open.push(crm, { close: () => dropStorage(storage) });
    // Process A: no workers, so nothing it queues is delivered; it commits the breach, then dies.
    const a = await setup({ storage, workers: false, clock, crm });
    const { accountId } = await signUp(a);
    await round(a);
    a.scripted.accounts.get('1001')!.equity = 94_000;
    await round(a);
    expect(await accountRow(a, accountId)).toMatchObject({ status: 'failed' });
    // Everything it had queued is lost with it (a crash between commit and enqueue).
    if (a.stack.deps.queue instanceof BullQueue) await a.stack.deps.queue.obliterate();
    else await a.stack.deps.dbHandle.db.deleteFrom('queue_jobs').execute();
    await a.stack.close();
    open.splice(open.indexOf(a.stack), 1);
    expect(challengeEvents(crm)).toHaveLength(0);

    // Process B on the same storage: the outbox sweep finds the committed event and delivers it.
    clock.advance(61_000);
    const b = await setup({ storage, clock, crm });
    await b.stack.deps.outbox.sweep();
    const [event] = await eventually(
      async () => challengeEvents(crm),
      (e: unknown[]) => e.length >= 1,
    );
    expect(event!.data).toMatchObject({
      accountId,
      change: 'challenge_failed',
      reason: { rule: 'maximum_daily_loss' },
    });
  });
});

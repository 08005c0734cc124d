/**
 * The runtime against the simulator's live mode (Brymix-Demo, password demo, 100,000), on a fake
 * clock read once a second: 2001 breaches the 10 % maximum loss on floating equity within 60 s of
 * monitoring starting; 2002 crosses the 50 % alert of its 5 % daily loss within 60 s and is not
 * breached. A restarted process resumes the same accounts (the reader's cursor).
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  checkBody,
  dropStorage,
  newStorage,
  type StackStorage,
  startReceiver,
  startStack,
  type TestStack,
} from '../../../test/harness.ts';
import { FakeClock } from '../../infra/clock.ts';
import { createConnectorRouter } from '../../mt5/router.ts';
import { DEMO_SERVER, SimulatorConnector } from '../../mt5/simulator/index.ts';
import { alertSubject, monitorEventId } from './monitor.ts';

const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

async function setup(clock: FakeClock, storage?: StackStorage) {
  const stack: TestStack = await startStack({
    clock,
    // Queue leases are read on the fake clock, which this test moves a second per tick while the
    // event deliveries run in real time: a lease of the test's own 2 s would run out under a
    // delivery still in flight and let a second worker deliver the same event again.
    env: { QUEUE_LEASE_MS: '600000' },
    connectors: createConnectorRouter({ [DEMO_SERVER]: new SimulatorConnector({ clock }) }),
    ...(storage ? { storage } : {}),
  });
  open.push(stack);
  return stack;
}

async function start(stack: TestStack, key: string, login: string, callbackUrl: string): Promise<string> {
  const res = await stack.app.inject({
    method: 'POST',
    url: '/api/v1/monitors',
    headers: { 'x-api-key': key },
    payload: checkBody({
      mt5_login: login,
      // The loss limits alone: the scenarios' trades are not built to hold four minutes.
      rules: {
        max_drawdown_percent: 10,
        max_daily_loss_percent: 5,
        profit_target_percent: 10,
        min_trade_duration_seconds: null,
      },
      callback_url: callbackUrl,
    }),
  });
  expect(res.statusCode).toBe(201);
  return res.json().monitor_id;
}

const eventsOf = (stack: TestStack, id: string) =>
  stack.deps.dbHandle.db
    .selectFrom('monitor_events')
    .selectAll()
    .where('monitor_id', '=', id)
    .orderBy('sequence')
    .execute();

describe('monitors on the simulator’s live accounts', () => {
  it('2001 breaches the 10 % maximum loss within 60 s; 2002 crosses 50 % of its daily room without a breach', async () => {
    const clock = new FakeClock(T0);
    const stack = await setup(clock);
    const receiver = await startReceiver();
    open.push(receiver);
    const { key } = await stack.createKey('Simulator Firm');
    const m2001 = await start(stack, key, '2001', receiver.url);
    const m2002 = await start(stack, key, '2002', receiver.url);
    for (let s = 0; s < 60; s++) {
      await stack.deps.monitorRuntime.tick();
      clock.advance(1_000);
    }

    const e2001 = await eventsOf(stack, m2001);
    const breached = e2001.find((e) => e.event === 'monitor.breached');
    expect(breached, JSON.stringify(e2001.map((e) => e.event))).toBeDefined();
    expect(e2001.at(-1)!.event).toBe('monitor.breached');
    const body = JSON.parse(breached!.payload);
    expect(Date.parse(body.occurred_at) - T0).toBeLessThanOrEqual(60_000);
    expect(body.violations).toEqual(
      expect.arrayContaining([expect.objectContaining({ rule: 'maximum_drawdown', severity: 'hard' })]),
    );
    expect(body.metrics.current_equity).toBeLessThan(90_000);

    const e2002 = await eventsOf(stack, m2002);
    expect(e2002.map((e) => e.event)).not.toContain('monitor.breached');
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Prague' }).format(T0);
    const dailyAlert = monitorEventId(m2002, 'monitor.alert', alertSubject('maximum_daily_loss', 50, day));
    const alert = e2002.find((e) => e.id === dailyAlert);
    expect(alert, JSON.stringify(e2002.map((e) => [e.event, e.id]))).toBeDefined();
    expect(Date.parse(JSON.parse(alert!.payload).occurred_at) - T0).toBeLessThanOrEqual(60_000);
    const view = (
      await stack.app.inject({ method: 'GET', url: `/api/v1/monitors/${m2002}`, headers: { 'x-api-key': key } })
    ).json();
    expect(view.status).toBe('active');

    // Every event reached the receiver, signed, once.
    const all = [...e2001, ...e2002];
    await receiver.waitFor(all.length);
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id']))).toEqual(new Set(all.map((e) => e.id)));
  }, 60_000);

  it('a restarted process goes on with the same simulated account, raising nothing twice', async () => {
    const storage = newStorage();
    open.push({ close: () => dropStorage(storage) });
    const clock = new FakeClock(T0);
    const receiver = await startReceiver();
    open.push(receiver);
    const first = await setup(clock, storage);
    const { key } = await first.createKey('Restart Firm');
    const id = await start(first, key, '2001', receiver.url);
    for (let s = 0; s < 5; s++) {
      await first.deps.monitorRuntime.tick();
      clock.advance(1_000);
    }
    const before = await eventsOf(first, id);
    const row = await first.deps.dbHandle.db
      .selectFrom('monitors')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.reader_cursor).toMatch(/^sim/);
    await first.close();
    open.splice(open.indexOf(first), 1);

    const second = await setup(clock, storage);
    for (let s = 0; s < 60; s++) {
      await second.deps.monitorRuntime.tick();
      clock.advance(1_000);
    }
    const after = await eventsOf(second, id);
    expect(after.slice(0, before.length).map((e) => e.id)).toEqual(before.map((e) => e.id));
    expect(after.map((e) => e.sequence)).toEqual(after.map((_, i) => i + 1));
    expect(new Set(after.map((e) => e.id)).size).toBe(after.length);
    // The same story: the breach comes within 60 s of the first start, not of the restart's.
    const breached = after.find((e) => e.event === 'monitor.breached');
    expect(breached).toBeDefined();
    expect(Date.parse(JSON.parse(breached!.payload).occurred_at) - T0).toBeLessThanOrEqual(60_000);
  }, 60_000);
});

/**
 * The live process against a scripted MT5 server and a fake clock: every event, shared reads,
 * stale data and recovery, signed webhooks (once per event id), and a restart that resumes.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { events, monitor, open, round, setup, T0, view } from '../../../test/factories/live-monitor.ts';
import { closedTrade, createScriptedConnector } from '../../../test/factories/scripted-live.ts';
import { dropStorage, newStorage, TEST_WEBHOOK_SECRET } from '../../../test/harness.ts';
import { FakeClock } from '../../infra/clock.ts';
import { ConnectorError } from '../../mt5/connector.ts';
import { verifyStandardSignature } from '../webhooks/signing.ts';
import { alertSubject, monitorEventId } from './monitor.ts';

const BODY_KEYS = [
  'event',
  'event_id',
  'sequence',
  'monitor_id',
  'user_id',
  'challenge_id',
  'mt5_login',
  'occurred_at',
  'status',
  'metrics',
  'violations',
  'objectives',
  'timestamp',
];

describe('the monitor runtime', () => {
  it('reads each account once per round however many monitors watch it', async () => {
    const s = await setup();
    s.scripted.add('7101');
    s.scripted.add('7102');
    await monitor(s, '7101');
    await monitor(s, '7101', { challenge_id: 'second' });
    await monitor(s, '7102');
    await round(s);
    await round(s);
    expect(s.scripted.accounts.get('7101')).toMatchObject({ starts: 1, reads: 2 });
    expect(s.scripted.accounts.get('7102')).toMatchObject({ starts: 1, reads: 2 });
    expect(s.stack.deps.monitorRuntime.stats()).toEqual({ monitors: 3, accounts: 2 });
  });

  it('sends monitor.alert once per level crossed, signed like check results, then monitor.breached with the evidence', async () => {
    const s = await setup();
    const a = s.scripted.add('7201');
    const id = await monitor(s, '7201');
    await round(s);
    expect(await view(s, id)).toMatchObject({ status: 'active', connection: { state: 'connected' }, sequence: 0 });

    a.equity = 94_000; // 60 % of the 10 % drawdown's room
    await round(s);
    await round(s);
    a.equity = 91_000; // 90 %
    await round(s);
    expect((await events(s, id)).map((e) => e.event)).toEqual(['monitor.alert', 'monitor.alert']);
    const [first] = await s.receiver.waitFor(2);
    expect(Object.keys(first!.json)).toEqual(BODY_KEYS);
    expect(first!.json).toMatchObject({
      event: 'monitor.alert',
      sequence: 1,
      monitor_id: id,
      user_id: 'user_123',
      challenge_id: 'challenge_456',
      mt5_login: '7201',
      occurred_at: new Date(T0 + 2_000).toISOString(),
      status: 'active',
      violations: [],
    });
    expect(first!.json.metrics).toMatchObject({ current_equity: 94_000 });
    // Signed exactly like a check result: X-Signature over the raw body, and Standard Webhooks with the event id.
    expect(first!.headers['x-signature']).toBe(
      createHmac('sha256', TEST_WEBHOOK_SECRET).update(first!.raw).digest('hex'),
    );
    expect(first!.headers['webhook-id']).toBe(first!.json.event_id);
    const h = first!.headers as Record<string, string>;
    expect(
      verifyStandardSignature(
        TEST_WEBHOOK_SECRET,
        { id: h['webhook-id']!, timestamp: h['webhook-timestamp']!, signature: h['webhook-signature']! },
        first!.raw,
        Number(h['webhook-timestamp']),
      ),
    ).toBe(true);

    a.equity = 89_500; // below the 90,000 floor: the 95 % level is crossed on the way
    await round(s);
    const all = await events(s, id);
    expect(all.map((e) => [e.event, e.sequence])).toEqual([
      ['monitor.alert', 1],
      ['monitor.alert', 2],
      ['monitor.alert', 3],
      ['monitor.breached', 4],
    ]);
    const breached = JSON.parse(all[3]!.payload);
    expect(breached).toMatchObject({ status: 'breached', occurred_at: new Date(T0 + 5_000).toISOString() });
    expect(breached.violations).toEqual([expect.objectContaining({ rule: 'maximum_drawdown', severity: 'hard' })]);
    const v = await view(s, id);
    expect(v).toMatchObject({ status: 'breached', sequence: 4, violations: breached.violations });
    const row = await s.stack.deps.dbHandle.db
      .selectFrom('monitors')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.credentials_enc).toBeNull();
    // Monitoring of limits ended: nothing more is read or sent.
    const reads = a.reads;
    a.equity = 50_000;
    await round(s);
    expect(a.reads).toBe(reads);
    expect(await events(s, id)).toHaveLength(4);
    await s.receiver.waitFor(4);
    expect(new Set(s.receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(4);
    // The delivery log, as a check's: one delivery per event, its webhook-id the event id.
    const log = (
      await s.stack.app.inject({
        method: 'GET',
        url: `/api/v1/monitors/${id}/deliveries`,
        headers: { 'x-api-key': s.key },
      })
    ).json();
    expect(
      log.deliveries.map((d: { event: string; webhook_id: string; event_id: string }) => [
        d.event,
        d.webhook_id === d.event_id,
      ]),
    ).toEqual([
      ['monitor.alert', true],
      ['monitor.alert', true],
      ['monitor.alert', true],
      ['monitor.breached', true],
    ]);
    expect(log.deliveries[0]).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      max_attempts: 10,
      attempt_log: [{ status_code: 200 }],
    });
  });

  it('sends monitor.objectives_met when every objective is met and nothing is breached', async () => {
    const s = await setup();
    const a = s.scripted.add('7301');
    const id = await monitor(s, '7301');
    await round(s);
    a.deals.push(...closedTrade(s.clock.now() + 1_000, 10_500));
    a.balance = 110_500;
    a.equity = 110_500;
    await round(s);
    expect((await events(s, id)).map((e) => e.event)).toEqual(['monitor.objectives_met']);
    const v = await view(s, id);
    expect(v.status).toBe('passed');
    expect(v.objectives).toEqual([expect.objectContaining({ met: true })]);
    expect(v.metrics).toMatchObject({ profit_target_met: true, current_balance: 110_500 });
    const row = await s.stack.deps.dbHandle.db
      .selectFrom('monitors')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.credentials_enc).toBeNull();
  });

  it('stops reading a monitor stopped while it is watched, and raises nothing after monitor.stopped', async () => {
    const s = await setup();
    const a = s.scripted.add('7351');
    const id = await monitor(s, '7351');
    await round(s);
    await s.stack.app.inject({ method: 'DELETE', url: `/api/v1/monitors/${id}`, headers: { 'x-api-key': s.key } });
    a.equity = 50_000;
    await round(s);
    await round(s, 5_000);
    const reads = a.reads;
    await round(s);
    expect(a.reads).toBe(reads);
    expect((await events(s, id)).map((e) => e.event)).toEqual(['monitor.stopped']);
    expect(s.stack.deps.monitorRuntime.stats()).toEqual({ monitors: 0, accounts: 0 });
  });

  it('turns stale after MONITOR_STALE_AFTER_S without a fresh reading, never judges old data, and recovers', async () => {
    const s = await setup();
    const a = s.scripted.add('7401');
    const id = await monitor(s, '7401');
    await round(s);
    a.failing = new ConnectorError('unreachable', 'MT5 server did not respond', true);
    a.equity = 80_000; // a breach nobody can see yet
    for (let i = 0; i < 30; i++) await round(s);
    expect(await view(s, id)).toMatchObject({
      status: 'active',
      connection: { state: 'error', last_error: 'MT5 server did not respond' },
    });
    await round(s);
    expect(await view(s, id)).toMatchObject({ status: 'stale', sequence: 1 });
    await round(s, 60_000);
    // A source answering with readings older than the threshold is not judged on them.
    a.failing = null;
    a.lagMs = 31_000;
    // A failing account is read again after a backoff (at most 10 s), not every second.
    const reads = a.reads;
    await round(s);
    expect(a.reads).toBe(reads);
    await round(s, 10_000);
    await round(s);
    expect(a.reads).toBe(reads + 2);
    const stale = await events(s, id);
    expect(stale.map((e) => e.event)).toEqual(['monitor.stale']);
    expect(JSON.parse(stale[0]!.payload)).toMatchObject({
      status: 'stale',
      occurred_at: new Date(T0 + 32_000).toISOString(),
    });
    a.lagMs = 0;
    a.equity = 95_000;
    await round(s);
    expect((await events(s, id)).map((e) => e.event)).toEqual(['monitor.stale', 'monitor.recovered', 'monitor.alert']);
    expect(await view(s, id)).toMatchObject({ status: 'active', connection: { state: 'connected', last_error: null } });
    expect((await view(s, id)).data_age_ms).toBe(0);
  });

  it('sends a daily loss alert once per level per trading day (Europe/Prague), again the next day', async () => {
    const s = await setup();
    const a = s.scripted.add('7551');
    const id = await monitor(s, '7551', {
      rules: { max_drawdown_percent: 10, max_daily_loss_percent: 5, min_trade_duration_seconds: null },
      alerts: [50],
    });
    await round(s);
    a.equity = 97_000; // 3,000 of the day's 5,000 room (60 %); 30 % of the maximum loss
    await round(s);
    await round(s);
    // 23:30 UTC is 00:30 in Prague: a new trading day, whose anchor is the balance at the reset
    // (100,000), so the same floating loss is 60 % of the new day's room.
    s.clock.set(Date.parse('2026-12-01T23:30:00.000Z'));
    await s.stack.deps.monitorRuntime.tick();
    await round(s);
    const alerts = await events(s, id);
    expect(alerts.map((e) => e.event)).toEqual(['monitor.alert', 'monitor.alert']);
    expect(alerts.map((e) => e.id)).toEqual([
      monitorEventId(id, 'monitor.alert', alertSubject('maximum_daily_loss', 50, '2026-12-01')),
      monitorEventId(id, 'monitor.alert', alertSubject('maximum_daily_loss', 50, '2026-12-02')),
    ]);
  });

  it('resumes after a restart: the evaluator is rebuilt from the reader and no event is sent twice', async () => {
    const storage = newStorage();
    const clock = new FakeClock(T0);
    const scripted = createScriptedConnector(clock);
    const a = scripted.add('7501');
    const s1 = await setup({ storage, clock, scripted });
    const id = await monitor(s1, '7501');
    a.equity = 94_000;
    await round(s1);
    expect((await events(s1, id)).map((e) => e.event)).toEqual(['monitor.alert']);
    await s1.receiver.waitFor(1);
    for (const o of open.splice(0).reverse()) await o.close();

    const s2 = await setup({ storage, clock, scripted });
    s2.key = s1.key;
    open.push({ close: () => dropStorage(storage) });
    await round(s2);
    await round(s2);
    expect(a.starts).toBe(2);
    expect((await events(s2, id)).map((e) => e.event)).toEqual(['monitor.alert']);
    a.equity = 91_000;
    await round(s2);
    expect((await events(s2, id)).map((e) => [e.event, e.sequence])).toEqual([
      ['monitor.alert', 1],
      ['monitor.alert', 2],
    ]);
  });
});

/**
 * Two live processes on one PostgreSQL database (services mode): each monitor is watched by exactly
 * one of them; when one dies without a word (no release, as after SIGKILL), the other takes its
 * monitors once the lease runs out, rebuilds them from the reader, and no event is lost or sent twice.
 * SQLite is one process's database (it takes every monitor at once), so this runs on PostgreSQL only.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createScriptedConnector, SCRIPTED_SERVER } from '../../../test/factories/scripted-live.ts';
import { checkBody, dropStorage, newStorage, servicesMode, startStack, type TestStack } from '../../../test/harness.ts';
import { FakeClock } from '../../infra/clock.ts';
import { createConnectorRouter } from '../../mt5/router.ts';

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

describe.skipIf(!servicesMode)('monitor leases across processes', () => {
  it('moves a dead process’s monitors to a live one after the lease, losing and doubling nothing', async () => {
    const storage = newStorage();
    const clock = new FakeClock(Date.parse('2026-12-01T10:00:00.000Z'));
    const scripted = createScriptedConnector(clock);
    const connectors = createConnectorRouter({ [SCRIPTED_SERVER]: scripted });
    open.push({ close: () => dropStorage(storage) });
    const a: TestStack = await startStack({ storage, clock, connectors });
    open.push(a);
    const b: TestStack = await startStack({ storage, clock, connectors });
    open.push(b);
    const { key } = await a.createKey('Failover Firm');
    const ids: string[] = [];
    for (const login of ['7801', '7802', '7803']) {
      scripted.add(login);
      const res = await a.app.inject({
        method: 'POST',
        url: '/api/v1/monitors',
        headers: { 'x-api-key': key },
        payload: checkBody({
          mt5_login: login,
          mt5_password: 'pw',
          mt5_server: SCRIPTED_SERVER,
          rules: { max_drawdown_percent: 10, profit_target_percent: 10, max_daily_loss_percent: null },
        }),
      });
      ids.push(res.json().monitor_id);
    }
    const tick = async (s: TestStack) => {
      clock.advance(1_000);
      await s.deps.monitorRuntime.tick();
    };
    const owners = async () =>
      (await a.deps.dbHandle.db.selectFrom('monitors').select(['id', 'lease_owner']).orderBy('id').execute()).map(
        (r) => r.lease_owner,
      );

    await tick(a);
    await tick(b);
    await tick(a);
    await tick(b);
    // Shared evenly (ceil(3 / 2) each at most), every monitor held by exactly one of them.
    const A = a.deps.monitorRuntime.owner;
    const B = b.deps.monitorRuntime.owner;
    const shared = await owners();
    expect(shared.every((o) => o === A || o === B)).toBe(true);
    expect(shared.filter((o) => o === A).length).toBe(2);
    expect(a.deps.monitorRuntime.stats().monitors + b.deps.monitorRuntime.stats().monitors).toBe(3);
    scripted.accounts.get('7801')!.equity = 94_000;
    await tick(a);
    await tick(b);

    // A dies: it neither reads nor renews nor releases. Until its leases run out B takes none of them.
    await tick(b);
    expect(b.deps.monitorRuntime.stats().monitors).toBe(1);
    for (let i = 0; i < 9; i++) await tick(b);
    expect(b.deps.monitorRuntime.stats().monitors).toBe(3);
    expect(new Set(await owners())).toEqual(new Set([B]));
    scripted.accounts.get('7801')!.equity = 91_000;
    scripted.accounts.get('7802')!.equity = 85_000;
    await tick(b);

    // A comes back (a paused process, not a dead one): it finds its leases gone and raises nothing
    // on them; then the two share again, and 7803's alert is raised once, by whichever holds it.
    scripted.accounts.get('7803')!.equity = 94_000;
    await a.deps.monitorRuntime.tick();
    expect(a.deps.monitorRuntime.stats().monitors).toBe(0);
    for (let i = 0; i < 4; i++) {
      await tick(b);
      await tick(a);
    }
    // 7801 (alerted, not breached) and 7803 are still watched, each by one of them.
    expect(a.deps.monitorRuntime.stats().monitors + b.deps.monitorRuntime.stats().monitors).toBe(2);

    const events = await a.deps.dbHandle.db
      .selectFrom('monitor_events')
      .select(['monitor_id', 'event', 'sequence'])
      .orderBy('monitor_id')
      .orderBy('sequence')
      .execute();
    const of = (id: string) => events.filter((e) => e.monitor_id === id).map((e) => [e.event, e.sequence]);
    expect(of(ids[0]!)).toEqual([
      ['monitor.alert', 1],
      ['monitor.alert', 2],
    ]);
    expect(of(ids[1]!)).toEqual([
      ['monitor.alert', 1],
      ['monitor.alert', 2],
      ['monitor.alert', 3],
      ['monitor.breached', 4],
    ]);
    expect(of(ids[2]!)).toEqual([['monitor.alert', 1]]);
  });
});

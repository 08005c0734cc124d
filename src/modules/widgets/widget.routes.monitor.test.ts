/**
 * A widget shows the floor of each loss limit a live monitor watches on its account (same login and
 * server) for a tenant the account is linked to; another tenant's monitor of the same login shows
 * nothing. The simulator's live mode (Brymix-Demo 2002 trades in real time) on a fake clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBody, startStack, type TestStack } from '../../../test/harness.ts';
import { FakeClock } from '../../infra/clock.ts';
import { createConnectorRouter } from '../../mt5/router.ts';
import { DEMO_SERVER, SimulatorConnector } from '../../mt5/simulator/index.ts';

const clock = new FakeClock(Date.parse('2026-12-01T10:00:00.000Z'));
let stack: TestStack;

beforeAll(async () => {
  stack = await startStack({
    clock,
    workers: false,
    connectors: createConnectorRouter({ [DEMO_SERVER]: new SimulatorConnector({ clock }) }),
  });
});
afterAll(() => stack.close());

async function monitor(key: string, rules: Record<string, unknown>): Promise<string> {
  const res = await stack.app.inject({
    method: 'POST',
    url: '/api/v1/monitors',
    headers: { 'x-api-key': key },
    payload: checkBody({ mt5_login: '2002', rules }),
  });
  expect(res.statusCode).toBe(201);
  return res.json().monitor_id;
}

async function widgetData(url: string, extra = '') {
  const res = await stack.app.inject({
    url: `/api/widgets/data?token=${new URL(url).searchParams.get('token')}${extra}`,
  });
  expect(res.statusCode).toBe(200);
  return res.json();
}

describe('widgets and live monitors', () => {
  it('show the floors of the monitor watching the account for a linked tenant, and no other tenant’s', async () => {
    const mine = await stack.createKey('Streamer Firm');
    const other = await stack.createKey('Other Firm');
    await monitor(mine.key, { max_drawdown_percent: 10, max_daily_loss_percent: 5, profit_target_percent: 10 });
    await monitor(other.key, { max_drawdown_percent: 4, max_daily_loss_percent: 2, profit_target_percent: 10 });
    for (let i = 0; i < 3; i++) {
      clock.advance(1_000);
      await stack.deps.monitorRuntime.tick();
    }

    const account = await stack.deps.accounts.add({
      login: '2002',
      server: DEMO_SERVER,
      password: 'demo',
      name: 'Linked',
      key_id: mine.id,
    });
    const card = await stack.deps.widgets.create({ account_id: account.id, kind: 'card' });
    const d = await widgetData(card.url);
    expect(d.monitor.status).toBe('active');
    const byRule = Object.fromEntries(d.monitor.limits.map((l: { rule: string }) => [l.rule, l]));
    // 10 % and 5 % of the 100,000 the monitor started from (anchors: the peak, the day's start).
    expect(byRule.maximum_drawdown.floor).toBeGreaterThanOrEqual(90_000);
    expect(byRule.maximum_daily_loss.floor).toBeGreaterThanOrEqual(byRule.maximum_drawdown.floor);
    expect(byRule.maximum_daily_loss.used_percent).toBeGreaterThanOrEqual(0);
    // The chart draws the monitor's floors.
    expect(d.chart.floors).toMatchObject({
      max_loss: byRule.maximum_drawdown.floor,
      daily_loss: byRule.maximum_daily_loss.floor,
    });

    // Percent-only (streamer) mode: floors as percent of the starting balance, no money.
    const pct = await widgetData(card.url, '&streamer=1');
    expect(pct.monitor.limits).toHaveLength(2);
    for (const l of pct.monitor.limits) expect(Math.abs(l.floor)).toBeLessThan(100);

    // Linked to the other firm only: its monitor (2 % daily) shows, never the first firm's.
    await stack.deps.accounts.link(account.id, other.id);
    await stack.deps.accounts.unlink(account.id, mine.id);
    clock.advance(1_100); // past the second the monitor is remembered
    const others = await widgetData(card.url);
    const daily = others.monitor.limits.find((l: { rule: string }) => l.rule === 'maximum_daily_loss');
    expect(daily.floor).toBeGreaterThan(byRule.maximum_daily_loss.floor);

    // Linked to no tenant: no monitor shows.
    await stack.deps.accounts.unlink(account.id, other.id);
    clock.advance(1_100);
    expect((await widgetData(card.url)).monitor).toBeNull();
  });
});

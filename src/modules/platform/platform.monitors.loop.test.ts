/**
 * The whole loop of a live breach in one process, over real HTTP where the seed says HTTP: a trader
 * signs up → the platform's monitor of the account sees equity cross the daily floor → the account
 * fails in the event's transaction → the outbox posts account.updated to the CRM's site webhook →
 * the client's timeline says why. The MT5 server is scripted under the platform's server name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScriptedConnector, type ScriptedConnector } from '../../../test/factories/scripted-live.ts';
import { eventually, freePort, startStack, type TestStack } from '../../../test/harness.ts';
import { FakeClock } from '../../infra/clock.ts';
import { createConnectorRouter } from '../../mt5/router.ts';

const T0 = Date.parse('2026-12-01T14:02:30.000Z');
let stack: TestStack;
let clock: FakeClock;
let scripted: ScriptedConnector;

beforeAll(async () => {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  clock = new FakeClock(T0);
  scripted = createScriptedConnector(clock);
  scripted.add('1001').password = 'demo';
  stack = await startStack({
    clock,
    connectors: createConnectorRouter({ 'Brymix-Demo': scripted }),
    env: { CRM_BASE_URL: base, TRADING_PLATFORM_URL: base },
  });
  await stack.app.listen({ host: '127.0.0.1', port });
  await stack.deps.staff.create({ email: 'boss@firm.test', role: 'admin', password: 'boss-password-1' });
});
afterAll(() => stack.close());

async function round(): Promise<void> {
  clock.advance(30_000);
  await stack.deps.monitorRuntime.tick();
}

describe('a live breach reaches the CRM timeline', () => {
  it('says which rule failed the challenge and when', async () => {
    const signup = await stack.app.inject({
      method: 'POST',
      url: '/api/platform/signup',
      payload: { email: 'rio@example.com', password: 'trader-password-1', firstName: 'Rio', lastName: 'Risk' },
    });
    expect(signup.statusCode).toBe(201);
    await round(); // 14:03:00
    scripted.accounts.get('1001')!.equity = 94_000; // below the 5 % daily floor of 95,000
    await round(); // 14:03:30: the breach

    const token = (
      await stack.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: 'boss@firm.test', password: 'boss-password-1' },
      })
    ).json().token as string;
    const staff = (url: string) =>
      stack.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } }).then((r) => r.json());
    const list = await eventually(
      () => staff('/api/clients?q=rio@example'),
      (l: { total: number }) => l.total === 1,
    );
    const clientId = list.items[0].id as string;
    const activity = await eventually(
      () => staff(`/api/clients/${clientId}/activity`),
      (a: { items: Array<{ data: { change?: string } | null }> }) =>
        a.items.some((i) => i.data?.change === 'challenge_failed'),
    );
    const failed = activity.items.find(
      (i: { data: { change?: string } | null }) => i.data?.change === 'challenge_failed',
    );
    expect(failed).toMatchObject({
      type: 'account.updated',
      summary: 'Account 1001 (phase-1) failed its challenge: maximum daily loss at 14:03 UTC',
      data: { status: 'failed', reason: { source: 'monitor', rule: 'maximum_daily_loss' } },
    });
    const accounts = await staff(`/api/clients/${clientId}/accounts`);
    expect(accounts.accounts[0]).toMatchObject({ login: '1001', status: 'failed' });
  });
});

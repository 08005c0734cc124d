import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../infra/clock.ts';
import { ConnectorError } from '../connector.ts';
import { createConnectorRouter } from '../router.ts';
import { SimulatorConnector } from './simulator.ts';

const T0 = Date.parse('2026-12-01T10:00:00.000Z');

describe('simulator live reader', () => {
  const clock = new FakeClock(T0);
  const sim = new SimulatorConnector({ clock });
  const router = createConnectorRouter({ 'Brymix-Demo': sim });
  const creds = (login: string, password = 'demo') => ({ login, password, server: 'Brymix-Demo' });

  it('is handed out by the router per server', () => {
    expect(router.live('Brymix-Demo')).toBe(sim.live());
    expect(router.live('Brymix-Demo').kind).toBe('simulator');
    expect(() => router.live('Nope-Live')).toThrow(ConnectorError);
  });

  it('seeds with a pinned account history and reads its closing balance at the clock time', async () => {
    const reader = router.live('Brymix-Demo');
    const { history, cursor } = await reader.start(creds('1001'));
    expect(history.account.login).toBe('1001');
    expect(history.deals.length).toBeGreaterThan(0);
    clock.advance(1_000);
    const r = await reader.read(creds('1001'), cursor);
    expect(r.time).toBe('2026-12-01T10:00:01.000Z');
    expect(r.balance).toBe(110_452.4);
    expect(r.equity).toBe(r.balance);
    expect(r.deals).toEqual([]);
  });

  it('refuses a wrong password and fails for the unreachable login', async () => {
    const reader = router.live('Brymix-Demo');
    await expect(reader.start(creds('1001', 'nope'))).rejects.toMatchObject({ code: 'invalid_credentials' });
    await expect(reader.start(creds('1099'))).rejects.toMatchObject({ code: 'unreachable', retryable: true });
  });
});

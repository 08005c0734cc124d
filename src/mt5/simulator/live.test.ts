import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../infra/clock.ts';
import { ConnectorError } from '../connector.ts';
import type { Deal } from '../history.ts';
import type { LiveReading } from '../live.ts';
import { createConnectorRouter } from '../router.ts';
import { SimulatorConnector } from './simulator.ts';

const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const creds = (login: string, password = 'demo') => ({ login, password, server: 'Brymix-Demo' });
const cents = (x: number) => Math.round(x * 100);

function simulator(at = T0) {
  const clock = new FakeClock(at);
  return { clock, sim: new SimulatorConnector({ clock }) };
}

describe('simulator live reader', () => {
  it('is handed out by the router per server', () => {
    const { sim } = simulator();
    const router = createConnectorRouter({ 'Brymix-Demo': sim });
    expect(router.live('Brymix-Demo')).toBe(sim.live());
    expect(router.live('Brymix-Demo').kind).toBe('simulator');
    expect(() => router.live('Nope-Live')).toThrow(ConnectorError);
  });

  it('seeds a pinned January account with its history and repeats its closing balance', async () => {
    const { clock, sim } = simulator();
    const { history, cursor } = await sim.live().start(creds('1001'));
    expect(history.account.login).toBe('1001');
    expect(history.deals.length).toBeGreaterThan(0);
    clock.advance(1_000);
    const r = await sim.live().read(creds('1001'), cursor);
    expect(r).toMatchObject({ time: '2026-12-01T10:00:01.000Z', balance: 110_452.4, equity: 110_452.4, deals: [] });
  });

  it('refuses a wrong password, and 1099 stays unreachable', async () => {
    const { sim } = simulator();
    const reader = sim.live();
    await expect(reader.start(creds('4711', 'nope'))).rejects.toMatchObject({ code: 'invalid_credentials' });
    await expect(reader.start(creds('1099'))).rejects.toMatchObject({ code: 'unreachable', retryable: true });
    const { cursor } = await reader.start(creds('4711'));
    await expect(reader.read(creds('4711', 'nope'), cursor)).rejects.toMatchObject({ code: 'invalid_credentials' });
    await expect(reader.read(creds('4711'), 'sim2:x')).rejects.toMatchObject({ code: 'bad_data', retryable: false });
  });

  it('random traders start flat at 100,000 and trade in real time with consistent readings', async () => {
    let dealsSeen = 0;
    let withPositions = 0;
    let swaps = 0;
    // Three hours from 20:30 UTC: across the server's midnight (22:00 UTC), where swap is charged.
    const from = Date.parse('2026-12-01T20:30:00.000Z');
    for (const login of ['4711', '6001', '31337', '777777']) {
      const { clock, sim } = simulator(from);
      const reader = sim.live();
      const { history, cursor: first } = await reader.start(creds(login));
      expect(history.deals).toEqual([]);
      expect(history.account.initial_balance).toBe(100_000);
      expect(history.equity).toEqual([{ time: '2026-12-01T20:30:00.000Z', balance: 100_000, equity: 100_000 }]);
      let cursor = first;
      let balance = 100_000 * 100;
      const deals: Deal[] = [];
      for (let s = 1; s <= 3 * 3_600; s++) {
        clock.set(from + s * 1_000 + 313);
        const r = await reader.read(creds(login), cursor);
        cursor = r.cursor;
        swaps += r.deals.filter((d) => d.swap !== 0).length;
        for (const d of r.deals) {
          expect(Date.parse(d.time)).toBeLessThanOrEqual(clock.now());
          balance += cents(d.profit) + cents(d.commission) + cents(d.swap) + cents(d.fee);
        }
        deals.push(...r.deals);
        // Deals are what changed the balance; equity is balance plus the open positions' float, to the cent.
        expect(cents(r.balance)).toBe(balance);
        const floating = r.positions.reduce((sum, p) => sum + cents(p.profit) + cents(p.swap), 0);
        expect(cents(r.equity)).toBe(balance + floating);
        if (r.positions.length > 0) withPositions++;
      }
      const keys = deals.map((d) => `${d.time}/${String(d.ticket).padStart(12, '0')}`);
      expect(new Set(keys).size).toBe(keys.length);
      expect([...keys].sort()).toEqual(keys);
      dealsSeen += deals.length;
    }
    expect(dealsSeen).toBeGreaterThan(20);
    expect(withPositions).toBeGreaterThan(3_600);
    expect(swaps).toBeGreaterThan(0);
  });

  it('any process answers the same for the same cursor (the books replay from the start)', async () => {
    const a = simulator();
    const { cursor: c0 } = await a.sim.live().start(creds('5150'));
    const readings: LiveReading[] = [];
    let cursor = c0;
    for (let s = 1; s <= 1_800; s++) {
      a.clock.set(T0 + s * 1_000);
      const r = await a.sim.live().read(creds('5150'), cursor);
      readings.push(r);
      cursor = r.cursor;
    }
    // Another process picks the account up half-way with the cursor it was handed.
    const b = simulator(T0 + 900_000);
    const mid = readings[899]!;
    let other = mid.cursor;
    for (let s = 901; s <= 1_800; s++) {
      b.clock.set(T0 + s * 1_000);
      const r = await b.sim.live().read(creds('5150'), other);
      expect(r).toEqual(readings[s - 1]);
      other = r.cursor;
    }
    // Asking again from the start replays every deal, once, in the same order.
    const again = await a.sim.live().read(creds('5150'), c0);
    expect(again.deals).toEqual(readings.flatMap((r) => r.deals));
  });

  it('a second start of a watched account, or a start resuming a cursor elsewhere, goes on with its story', async () => {
    const a = simulator();
    const first = await a.sim.live().start(creds('6001'));
    let cursor = first.cursor;
    const handed: Deal[] = [];
    for (let s = 1; s <= 1_200; s++) {
      a.clock.set(T0 + s * 1_000);
      const r = await a.sim.live().read(creds('6001'), cursor);
      handed.push(...r.deals);
      cursor = r.cursor;
    }
    expect(handed.length).toBeGreaterThan(0);
    // Another monitor of the same account in this process: the history so far, not a new account.
    const again = await a.sim.live().start(creds('6001'));
    expect(again.history.deals).toEqual(handed);
    expect(again.cursor).toBe(cursor);
    // A process that never saw the account resumes it from a cursor handed out by the first.
    const b = simulator(T0 + 1_200_000);
    const resumed = await b.sim.live().start(creds('6001'), { resume: first.cursor });
    expect(resumed.history.deals).toEqual(handed);
    expect(resumed.history.equity).toEqual(again.history.equity);
    a.clock.set(T0 + 1_260_000);
    b.clock.set(T0 + 1_260_000);
    const [ra, rb] = await Promise.all([
      a.sim.live().read(creds('6001'), cursor),
      b.sim.live().read(creds('6001'), resumed.cursor),
    ]);
    expect(rb).toEqual(ra);
  });
});

/** The wire form a history crosses to a verdict thread in gives back what a verdict reads, exactly. */
import { describe, expect, it } from 'vitest';
import type { AccountHistory } from '../../mt5/history.ts';
import { SimulatorConnector } from '../../mt5/simulator/index.ts';
import { fromWire, toWire } from './check.verdict.wire.ts';

const sim = new SimulatorConnector();
const roundTrip = (h: AccountHistory) => fromWire(structuredClone(toWire(h)));

describe('verdict wire form', () => {
  it('gives back every demo history as its JSON would, its snapshots sent as columns', async () => {
    for (const login of ['1001', '1002', '1003', '1004', '1005', '2001', '2002']) {
      const h = await sim.fetchHistory({ login, password: 'demo', server: 'Brymix-Demo' });
      const wire = toWire(h);
      expect('times' in wire).toBe((h.equity?.length ?? 0) > 0);
      expect(roundTrip(h)).toEqual(JSON.parse(JSON.stringify(h)));
    }
  });

  it('keeps every number bit for bit, where JSON would not', () => {
    const h: AccountHistory = {
      account: {
        login: '1',
        server: 's',
        currency: 'USD',
        initial_balance: 100,
        server_utc_offset_minutes: 0,
        margin_mode: 'hedging',
      },
      deals: [],
      equity: [
        { time: '2026-01-01T00:00:00.000Z', balance: 0.1 + 0.2, equity: -0 },
        { time: '2026-01-01T00:01:00+01:00', balance: 1e-7, equity: Number.NaN },
      ],
    };
    const back = roundTrip(h);
    expect(back.equity![0]!.balance).toBe(0.1 + 0.2);
    expect(Object.is(back.equity![0]!.equity, -0)).toBe(true);
    expect(back.equity![1]).toEqual({ time: '2026-01-01T00:01:00+01:00', balance: 1e-7, equity: Number.NaN });
  });

  it('sends the whole history as JSON when a snapshot does not fit the columns', () => {
    const base = (time: unknown, balance: unknown): AccountHistory =>
      ({
        account: { login: '1', server: 's', currency: 'USD', initial_balance: 100 },
        deals: [],
        equity: [
          { time: '2026-01-01T00:00:00.000Z', balance: 100, equity: 100 },
          { time, balance, equity: 100 },
        ],
      }) as unknown as AccountHistory;
    for (const odd of [base('2026-01-01\nT00:01:00Z', 100), base(17, 100), base('2026-01-01T00:01:00Z', '100')]) {
      const wire = toWire(odd);
      expect('times' in wire).toBe(false);
      expect(roundTrip(odd)).toEqual(JSON.parse(JSON.stringify(odd)));
    }
  });
});

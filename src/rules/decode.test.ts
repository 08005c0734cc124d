import { describe, expect, it } from 'vitest';
import { balanceOp, deal, history, snap } from '../../test/factories/history.ts';
import { DEAL_ADJUSTMENT, DEAL_INOUT, DEAL_OPENS, DEAL_SELL, DEAL_TRADE, decodeHistory } from './decode.ts';

describe('decodeHistory', () => {
  it('turns times into epoch ms, money into exact cents, volumes into 1e-8 lots and types into flags', () => {
    const deals = [
      deal('2026-01-16T08:00:00.000Z', {
        type: 'buy',
        entry: 'in',
        position_id: 7,
        volume: 0.3,
        price: 1.23456,
        commission: -0.1,
        fee: -0.2,
      }),
      deal('2026-01-16T08:05:00.250Z', {
        type: 'sell',
        entry: 'out',
        position_id: 7,
        volume: 0.3,
        profit: 0.7,
        swap: -0.05,
      }),
      deal('2026-01-16T09:00:00.000Z', { type: 'sell', entry: 'inout', position_id: 8, volume: 2 }),
      balanceOp('2026-01-16T10:00:00.000Z', 500),
      balanceOp('2026-01-16T11:00:00.000Z', -200.1),
      deal('2026-01-16T12:00:00.000Z', { type: 'commission', entry: 'in', position_id: 0, commission: -1.5 }),
    ];
    const d = decodeHistory(history(deals)).deals;
    expect(Array.from(d.ms)).toEqual(deals.map((x) => Date.parse(x.time)));
    // 0.1 + 0.2 in floating point is 0.30000000000000004; in cents it is exactly 30.
    expect(Array.from(d.cents)).toEqual([-30, 65, 0, 50_000, -20_010, -150]);
    expect(Array.from(d.flags)).toEqual([
      DEAL_TRADE | DEAL_OPENS,
      DEAL_TRADE | DEAL_SELL,
      DEAL_TRADE | DEAL_SELL | DEAL_OPENS | DEAL_INOUT,
      DEAL_ADJUSTMENT,
      DEAL_ADJUSTMENT,
      0,
    ]);
    expect([d.volume[0], d.volume[2], d.positionId[0], d.price[0]]).toEqual([30_000_000, 200_000_000, 7, 1.23456]);
    expect(decodeHistory(history(deals)).totals).toEqual({
      commissions: -180,
      swaps: -5,
      deposits: 50_000,
      withdrawals: 20_010,
    });
  });

  it('puts deals in MT5 order (time, then ticket) and snapshots in time order, keeping the objects alongside', () => {
    const a = deal('2026-01-16T08:00:00.000Z', { ticket: 5 });
    const b = deal('2026-01-16T08:00:00.000Z', { ticket: 3 });
    const c = deal('2026-01-16T07:59:59.999Z', { ticket: 9 });
    const s1 = snap('2026-01-16T08:00:01.000Z', 0, 99_000);
    const s2 = snap('2026-01-16T07:00:00.000Z', 0, 98_000);
    const dec = decodeHistory(history([a, b, c], [s1, s2]));
    expect(dec.deals.src).toEqual([c, b, a]);
    expect(Array.from(dec.deals.ms)).toEqual([c, b, a].map((x) => Date.parse(x.time)));
    expect(dec.snapshots.src).toEqual([s2, s1]);
    expect(Array.from(dec.snapshots.equity)).toEqual([9_800_000, 9_900_000]);
  });

  it('rejects a time that is not ISO-8601', () => {
    expect(() => decodeHistory(history([deal('16.01.2026 08:00')]))).toThrow(RangeError);
  });
});

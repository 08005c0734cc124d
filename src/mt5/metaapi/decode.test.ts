import { describe, expect, it } from 'vitest';
import { brokerOffsetMinutes, decodeDeal, decodePosition } from './decode.ts';

describe('readers of MetaApi models', () => {
  it('reads the broker clock as brokerTime minus time (readServerTime), and nothing from what is not a time', () => {
    expect(brokerOffsetMinutes('2026-03-20T12:00:00.000Z', '2026-03-20 15:00:00.000')).toBe(180);
    expect(brokerOffsetMinutes('2026-01-05T22:30:00.000Z', '2026-01-06 00:30:00.000')).toBe(120);
    expect(brokerOffsetMinutes('2026-03-20T12:00:00.000Z', undefined)).toBeNull();
    expect(brokerOffsetMinutes('2026-03-20T12:00:00.000Z', 'soon')).toBeNull();
  });

  it('reads a deal of the readDealsByTimeRange example, with no fee (the model has none)', () => {
    const deal = decodeDeal({
      id: '33230099',
      type: 'DEAL_TYPE_BUY',
      entryType: 'DEAL_ENTRY_IN',
      symbol: 'EURUSD',
      time: '2020-04-15T02:45:06.521Z',
      volume: 0.01,
      price: 1.09775,
      commission: -0.07,
      swap: 0,
      profit: 0,
      positionId: '46214692',
      orderId: '46214692',
      stopLoss: 1.09,
    });
    expect(deal).toEqual({
      ticket: 33230099,
      order: 46214692,
      time: '2020-04-15T02:45:06.521Z',
      type: 'buy',
      entry: 'in',
      position_id: 46214692,
      symbol: 'EURUSD',
      volume: 0.01,
      price: 1.09775,
      profit: 0,
      commission: -0.07,
      swap: 0,
      fee: 0,
      comment: '',
      sl: 1.09,
    });
  });

  it('drops a deal of an unknown kind that moves no money, and refuses one that does', () => {
    const unknown = { type: 'DEAL_TYPE_FUTURE_KIND', time: '2026-01-14T09:00:00.000Z' };
    expect(decodeDeal({ ...unknown, id: '1', profit: 0 })).toBeNull();
    expect(() => decodeDeal({ ...unknown, id: '2', profit: 12.5 })).toThrow(/DEAL_TYPE_FUTURE_KIND/);
  });

  it('reads a sell position’s unrealized profit, and no stop it does not have', () => {
    const position = decodePosition({
      id: '777',
      type: 'POSITION_TYPE_SELL',
      symbol: 'EURUSD',
      time: '2026-01-16T10:00:00.000Z',
      openPrice: 1.1,
      currentPrice: 1.10125,
      volume: 0.1,
      swap: 0,
      profit: -10,
      unrealizedProfit: -12.5,
      stopLoss: 1.102,
    });
    expect(position).toMatchObject({ ticket: 777, type: 'sell', profit: -12.5, sl: 1.102, tp: null });
    expect(position.open_time).toBe('2026-01-16T10:00:00.000Z');
  });
});

import { describe, expect, it } from 'vitest';
import { positionView } from './account.ts';

describe('positionView', () => {
  it('answers sl and tp as null for an open position whose history omits them', () => {
    const v = positionView({ ticket: 7, symbol: 'EURUSD', type: 'buy', volume: 1, open_price: 1.1, current_price: 1.1012, swap: 0, profit: 120, open_time: '2026-01-16T08:00:00.000Z' });
    expect(v).toEqual({ ticket: 7, symbol: 'EURUSD', type: 'buy', volume: 1, open_price: 1.1, current_price: 1.1012, sl: null, tp: null, swap: 0, profit: 120, open_time: '2026-01-16T08:00:00.000Z' });
    expect(JSON.stringify(v)).toContain('"sl":null,"tp":null');
  });
});

import { describe, expect, it } from 'vitest';
import { history, roundTrip } from '../../../test/factories/history.ts';
import { deriveFromHistory, positionView } from './account.ts';

describe('positionView', () => {
  it('answers sl and tp as null for an open position whose history omits them', () => {
    const v = positionView({
      ticket: 7,
      symbol: 'EURUSD',
      type: 'buy',
      volume: 1,
      open_price: 1.1,
      current_price: 1.1012,
      swap: 0,
      profit: 120,
      open_time: '2026-01-16T08:00:00.000Z',
    });
    expect(v).toEqual({
      ticket: 7,
      symbol: 'EURUSD',
      type: 'buy',
      volume: 1,
      open_price: 1.1,
      current_price: 1.1012,
      sl: null,
      tp: null,
      swap: 0,
      profit: 120,
      open_time: '2026-01-16T08:00:00.000Z',
    });
    expect(JSON.stringify(v)).toContain('"sl":null,"tp":null');
  });
});

describe('deriveFromHistory', () => {
  it('splits the daily statistics on the account’s configured day (17:00 New York), as its daily-loss floor does', () => {
    // Closed at 16:30 and 17:30 New York on 2026-01-13: one Prague day, two New York days.
    const h = history([
      ...roundTrip(1, '2026-01-13T20:00:00.000Z', '2026-01-13T21:30:00.000Z', -500),
      ...roundTrip(2, '2026-01-13T22:15:00.000Z', '2026-01-13T22:30:00.000Z', 200),
    ]);
    const d = deriveFromHistory(h, {
      rules: { daily_reset_tz: 'America/New_York', daily_reset_time: '17:00', max_daily_loss_percent: 0 },
      initialBalance: 100_000,
      now: Date.parse('2026-01-13T23:00:00.000Z'),
    });
    expect(d.stats.dailyGrowth.map((g) => [g.date, g.profit])).toEqual([
      ['2026-01-12', -500],
      ['2026-01-13', 200],
    ]);
    // "Today" began at 17:00 New York, after the first trade closed.
    expect(d.dayStartBalance).toBe(99_500);
  });
});

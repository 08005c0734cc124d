import { describe, expect, it } from 'vitest';
import { history, roundTrip } from '../../test/factories/history.ts';
import { evaluate } from './evaluate.ts';
import { parseRule } from './registry.ts';
import { statistics } from './statistics.ts';
import { buildTimeline } from './timeline-pass.ts';

// −500 closed at 21:30 UTC and +200 at 23:30 UTC on 2026-01-13 (winter). Prague: 22:30 on the
// 13th and 00:30 on the 14th. New York: 16:30 and 18:30 on the 13th, so two days at a 17:00
// reset (the first belongs to the day that began at 17:00 on the 12th) and one at midnight.
const aroundMidnight = () =>
  history([
    ...roundTrip(1, '2026-01-13T21:00:00.000Z', '2026-01-13T21:30:00.000Z', -500),
    ...roundTrip(2, '2026-01-13T23:10:00.000Z', '2026-01-13T23:30:00.000Z', 200),
  ]);

describe('statistics', () => {
  it('splits dailyGrowth, best and worst day on the reset zone and time it is given', () => {
    const timeline = buildTimeline(aroundMidnight());
    const prague = statistics(timeline, 'Europe/Prague', '00:00');
    expect(prague.dailyGrowth).toEqual([
      { date: '2026-01-13', balance: 99_500, profit: -500 },
      { date: '2026-01-14', balance: 99_700, profit: 200 },
    ]);
    expect(prague.bestDay).toEqual({ date: '2026-01-14', balance: 99_700, profit: 200 });
    expect(prague.worstDay).toEqual({ date: '2026-01-13', balance: 99_500, profit: -500 });

    const newYorkClose = statistics(timeline, 'America/New_York', '17:00');
    expect(newYorkClose.dailyGrowth).toEqual([
      { date: '2026-01-12', balance: 99_500, profit: -500 },
      { date: '2026-01-13', balance: 99_700, profit: 200 },
    ]);
    expect(newYorkClose.worstDay).toEqual({ date: '2026-01-12', balance: 99_500, profit: -500 });

    const newYorkMidnight = statistics(timeline, 'America/New_York', '00:00');
    expect(newYorkMidnight.dailyGrowth).toEqual([{ date: '2026-01-13', balance: 99_700, profit: -300 }]);
    expect(newYorkMidnight.bestDay).toEqual(newYorkMidnight.worstDay);
    expect(statistics(timeline, 'Asia/Tokyo', '00:00').dailyGrowth).toEqual([
      { date: '2026-01-14', balance: 99_700, profit: -300 },
    ]);
  });

  it('in an evaluation, follow the rule set’s reset zone and time, not Prague’s midnight', () => {
    const rules = (resetTz: string, resetTime: string) => [
      parseRule({ type: 'max_daily_trades', count: 10, reset_tz: resetTz, reset_time: resetTime }),
    ];
    const newYork = evaluate(aroundMidnight(), rules('America/New_York', '17:00'));
    expect(newYork.statistics.dailyGrowth).toEqual([
      expect.objectContaining({ date: '2026-01-12' }),
      expect.objectContaining({ date: '2026-01-13' }),
    ]);
    expect(newYork.metrics).toMatchObject({
      trading_days: 2,
      day_basis: { tz: 'America/New_York', time: '17:00', from: 'max_daily_trades' },
    });
    const newYorkMidnight = evaluate(aroundMidnight(), rules('America/New_York', '00:00'));
    expect(newYorkMidnight.statistics.dailyGrowth).toEqual([{ date: '2026-01-13', balance: 99_700, profit: -300 }]);
    expect(newYorkMidnight.metrics.trading_days).toBe(1);
    const prague = evaluate(aroundMidnight(), rules('Europe/Prague', '00:00'));
    expect(prague.statistics.dailyGrowth).toEqual([
      expect.objectContaining({ date: '2026-01-13' }),
      expect.objectContaining({ date: '2026-01-14' }),
    ]);
  });
});

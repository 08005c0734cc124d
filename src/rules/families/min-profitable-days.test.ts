/** Minimum profitable days (rules.md §3.4, T18: The5ers, ≥ 0.5 % of IC closed that day). */
import { describe, expect, it } from 'vitest';
import { runFamily } from '../../../test/factories/family.ts';
import { balanceOp, history, roundTrip } from '../../../test/factories/history.ts';
import { resolveRuleSet } from '../ruleset.ts';

const day = (n: number, profit: number, id = n, patch = {}) =>
  roundTrip(id, `2026-01-${n}T14:00:00.000Z`, `2026-01-${n}T15:00:00.000Z`, profit, patch);

describe('min_profitable_days (T18)', () => {
  it('+500.00 on a day counts; +499.99 does not', () => {
    const r = runFamily(history([...day(12, 500), ...day(13, 499.99)]), { type: 'min_profitable_days', days: 1 });
    expect(r.objectives).toEqual([{ rule: 'min_profitable_days', target: 1, current: 1, met: true }]);
    expect(r.metrics).toMatchObject({
      profitable_days: 1,
      profitable_day_threshold: 500,
      profitable_day_dates: ['2026-01-12'],
    });
    expect(r.violations).toEqual([]);
  });

  it('stays pending below the required count: 2 of 3 profitable days', () => {
    const r = runFamily(history([...day(12, 600), ...day(13, 700), ...day(14, -50)]), {
      type: 'min_profitable_days',
      days: 3,
    });
    expect(r.objectives[0]).toEqual({ rule: 'min_profitable_days', target: 3, current: 2, met: false });
    expect(r.violations).toEqual([]);
  });

  it('nets commissions: +500 with a −3.50 commission is 496.50 and does not count', () => {
    const r = runFamily(history(day(12, 500, 1, { commission: -1.75 })), { type: 'min_profitable_days', days: 1 });
    expect(r.objectives[0]).toMatchObject({ current: 0, met: false });
  });

  it('sums several trades of one day: +300 and +200 make a profitable day', () => {
    const h = history([
      ...roundTrip(1, '2026-01-12T09:00:00.000Z', '2026-01-12T10:00:00.000Z', 300),
      ...roundTrip(2, '2026-01-12T11:00:00.000Z', '2026-01-12T12:00:00.000Z', 200),
    ]);
    expect(runFamily(h, { type: 'min_profitable_days', days: 1 }).objectives[0]).toMatchObject({
      current: 1,
      met: true,
    });
  });

  it('a deposit never makes a day profitable', () => {
    const r = runFamily(history([balanceOp('2026-01-12T08:00:00.000Z', 5000)]), {
      type: 'min_profitable_days',
      days: 1,
    });
    expect(r.objectives[0]).toMatchObject({ current: 0, met: false });
  });

  it('the threshold is a percent of the initial capital: 0.5 % of 50,000 is 250', () => {
    const r = runFamily(history([...day(12, 250), ...day(13, 249.99)], undefined, 50_000), {
      type: 'min_profitable_days',
      days: 2,
    });
    expect(r.metrics).toMatchObject({ profitable_days: 1, profitable_day_threshold: 250 });
  });

  it('days follow the reset zone: The5ers resets at 17:00 New York', () => {
    // 21:30 and 22:30 UTC on Jan 12 are 16:30 and 17:30 New York: two trading days.
    const h = history([
      ...roundTrip(1, '2026-01-12T21:00:00.000Z', '2026-01-12T21:30:00.000Z', 600),
      ...roundTrip(2, '2026-01-12T22:10:00.000Z', '2026-01-12T22:30:00.000Z', 600),
    ]);
    expect(
      runFamily(h, { type: 'min_profitable_days', days: 2, reset_tz: 'America/New_York', reset_time: '17:00' }).metrics
        .profitable_day_dates,
    ).toEqual(['2026-01-11', '2026-01-12']);
    expect(runFamily(h, { type: 'min_profitable_days', days: 2, reset_tz: 'UTC' }).metrics.profitable_days).toBe(1);
  });

  it('defaults min_profit_pct to 0.5 and resolves in the The5ers-style preset', () => {
    const specs = resolveRuleSet({ preset: 'the5ers-high-stakes' });
    expect(specs.find((s) => s.type === 'min_profitable_days')).toEqual({
      type: 'min_profitable_days',
      days: 3,
      min_profit_pct: 0.5,
      reset_tz: 'America/New_York',
      reset_time: '17:00',
    });
  });
});

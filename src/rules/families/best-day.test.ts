/** Best day / consistency (rules.md §3.5, T5, T6): an objective that stays pending, never a violation. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runFamily } from '../../../test/factories/family.ts';
import { balanceOp, history, roundTrip } from '../../../test/factories/history.ts';
import { evaluate } from '../index.ts';
import { parseRule } from '../registry.ts';

/** One closed trade per day from 2026-01-12, closing at 15:00 UTC with the given profit. */
function days(profits: number[]) {
  return history(
    profits.flatMap((p, i) =>
      roundTrip(i + 1, `2026-01-${12 + i}T09:00:00.000Z`, `2026-01-${12 + i}T15:00:00.000Z`, p),
    ),
  );
}
const bestDay = (profits: number[], spec: Record<string, unknown> = {}) =>
  runFamily(days(profits), { type: 'best_day', cap_pct: 50, ...spec });

describe('best_day (T5: FTMO 50 %)', () => {
  it('+5,000 on one day and nothing else is 100 % of the profit: pending, not a violation', () => {
    const r = bestDay([5000]);
    expect(r.violations).toEqual([]);
    expect(r.objectives).toEqual([{ rule: 'best_day', target: 50, current: 100, met: false }]);
    expect(r.metrics).toMatchObject({
      best_day_profit: 5000,
      best_day_date: '2026-01-12',
      best_day_ratio_percent: 100,
    });
  });

  it('adding +2,500 and +2,500 on other days brings it to exactly 50 %: met', () => {
    expect(bestDay([5000, 2500, 2500]).objectives[0]).toEqual({ rule: 'best_day', target: 50, current: 50, met: true });
  });

  it('one cent over the cap is not met', () => {
    expect(bestDay([5000.01, 2500, 2500]).objectives[0]).toMatchObject({ current: 50, met: false });
  });

  it('denominator discriminator: +5,000 +5,000 −3,000 is 71.43 % of net profit (pending) but 50 % of positive days (met)', () => {
    const net = bestDay([5000, 5000, -3000], { denominator: 'net_profit' });
    const positive = bestDay([5000, 5000, -3000], { denominator: 'positive_days' });
    expect(net.objectives[0]).toEqual({ rule: 'best_day', target: 50, current: 71.43, met: false });
    expect(net.metrics.best_day_denominator_amount).toBe(7000);
    expect(positive.objectives[0]).toEqual({ rule: 'best_day', target: 50, current: 50, met: true });
    expect(positive.metrics.best_day_denominator_amount).toBe(10_000);
  });

  it('profit-target denominator: 5,000 of a 10 % target is 50 % (met); 5,000.01 is not', () => {
    expect(bestDay([5000], { denominator: 'profit_target', profit_target_pct: 10 }).objectives[0]).toEqual({
      rule: 'best_day',
      target: 50,
      current: 50,
      met: true,
    });
    expect(bestDay([5000.01], { denominator: 'profit_target', profit_target_pct: 10 }).objectives[0]).toMatchObject({
      met: false,
    });
  });

  it('the profit-target denominator needs profit_target_pct', () => {
    expect(() => parseRule({ type: 'best_day', cap_pct: 50, denominator: 'profit_target' })).toThrow(
      /profit_target_pct/,
    );
  });
});

describe('best_day (T6: E8 40 %)', () => {
  it('A: +500 +550 −150 +600 +400 → best 600 ≤ 40 % of 1,900 = 760: eligible', () => {
    const r = bestDay([500, 550, -150, 600, 400], { cap_pct: 40 });
    expect(r.objectives[0]).toEqual({ rule: 'best_day', target: 40, current: 31.58, met: true });
    expect(r.metrics).toMatchObject({
      best_day_profit: 600,
      best_day_date: '2026-01-15',
      best_day_denominator_amount: 1900,
    });
  });

  it('B: +1,100 +1,500 +900 −400 → best 1,500 > 40 % of 3,100 = 1,240: not eligible; a total of 3,750 is needed', () => {
    const r = bestDay([1100, 1500, 900, -400], { cap_pct: 40 });
    expect(r.objectives[0]).toEqual({ rule: 'best_day', target: 40, current: 48.39, met: false });
    expect(r.metrics.best_day_required_denominator).toBe(3750);
  });
});

describe('best_day edges', () => {
  it('days follow the reset zone: 23:30 and 00:30 Prague are two days, one UTC day', () => {
    const h = history([
      ...roundTrip(1, '2026-01-12T20:00:00.000Z', '2026-01-12T22:30:00.000Z', 2500),
      ...roundTrip(2, '2026-01-12T22:45:00.000Z', '2026-01-12T23:30:00.000Z', 2500),
    ]);
    expect(runFamily(h, { type: 'best_day', cap_pct: 50, reset_tz: 'Europe/Prague' }).objectives[0]).toMatchObject({
      current: 50,
      met: true,
    });
    expect(runFamily(h, { type: 'best_day', cap_pct: 50, reset_tz: 'UTC' }).objectives[0]).toMatchObject({
      current: 100,
      met: false,
    });
  });

  it('a deposit is never a best day', () => {
    const h = history([
      balanceOp('2026-01-12T08:00:00.000Z', 50_000),
      ...roundTrip(1, '2026-01-13T09:00:00.000Z', '2026-01-13T10:00:00.000Z', 1000),
      ...roundTrip(2, '2026-01-14T09:00:00.000Z', '2026-01-14T10:00:00.000Z', 1000),
    ]);
    const r = runFamily(h, { type: 'best_day', cap_pct: 50 });
    expect(r.metrics).toMatchObject({ best_day_profit: 1000, best_day_denominator_amount: 2000 });
    expect(r.objectives[0]).toMatchObject({ current: 50, met: true });
  });

  it('commissions count on the day they are booked', () => {
    const h = history([
      ...roundTrip(1, '2026-01-12T09:00:00.000Z', '2026-01-12T10:00:00.000Z', 1000, { commission: -5 }),
    ]);
    expect(runFamily(h, { type: 'best_day', cap_pct: 50 }).metrics.best_day_profit).toBe(990);
  });

  it('no profitable day: nothing is concentrated, met at 0 %', () => {
    expect(bestDay([]).objectives[0]).toEqual({ rule: 'best_day', target: 50, current: 0, met: true });
    expect(bestDay([-100, -200]).objectives[0]).toEqual({ rule: 'best_day', target: 50, current: 0, met: true });
  });

  it('a profitable day with a net loss overall is more than all the profit: pending, ratio undefined', () => {
    const r = bestDay([1000, -3000]);
    expect(r.objectives[0]).toEqual({ rule: 'best_day', target: 50, current: 100, met: false });
    expect(r.metrics.best_day_ratio_percent).toBeNull();
  });

  it('keeps the challenge pending, never breached, when combined with a met profit target', () => {
    const r = evaluate(days([11_000]), [
      parseRule({ type: 'profit_target', pct: 10 }),
      parseRule({ type: 'best_day', cap_pct: 50 }),
    ]);
    expect(r.outcome).toBe('objectives_not_met');
    expect(r.violations).toEqual([]);
  });
});

describe('best_day properties', () => {
  const profitsArb = fc.array(
    fc.integer({ min: -500_000, max: 500_000 }).map((c) => c / 100),
    { minLength: 1, maxLength: 8 },
  );
  it('met on net profit implies met on the positive-days sum (net ≤ positive sum)', () => {
    fc.assert(
      fc.property(profitsArb, fc.integer({ min: 10, max: 100 }), (profits, cap) => {
        const net = bestDay(profits, { cap_pct: cap, denominator: 'net_profit' }).objectives[0]!;
        const pos = bestDay(profits, { cap_pct: cap, denominator: 'positive_days' }).objectives[0]!;
        return !net.met || pos.met;
      }),
      { numRuns: 60 },
    );
  });
  it('the order of the days does not change the verdict', () => {
    fc.assert(
      fc.property(profitsArb, (profits) => {
        const a = bestDay(profits).objectives[0]!;
        const b = bestDay([...profits].reverse()).objectives[0]!;
        return a.met === b.met && a.current === b.current;
      }),
      { numRuns: 60 },
    );
  });
});

describe('best_day comparator and tolerance', () => {
  it('gte ("less than 50 %"): exactly 50 % is not met; one cent less is', () => {
    expect(bestDay([5000, 2500, 2500], { comparator: 'gte' }).objectives[0]).toMatchObject({ current: 50, met: false });
    expect(bestDay([4999.99, 2500, 2500], { comparator: 'gte' }).objectives[0]).toMatchObject({ met: true });
  });

  it('gte: the required denominator is the next cent above the exact fit', () => {
    // 5,000 is exactly 50 % of 10,000: under "less than" the net profit must reach 10,000.01.
    expect(bestDay([5000, 2500, 2500], { comparator: 'gte' }).metrics.best_day_required_denominator).toBe(10_000.01);
    expect(bestDay([5000, 2500, 2500]).metrics.best_day_required_denominator).toBe(10_000);
  });

  it('a tolerance of 1 point allows 51 %, not 51.01 %', () => {
    expect(bestDay([5100, 4900], { tolerance_pct: 1 }).objectives[0]).toMatchObject({ current: 51, met: true });
    expect(bestDay([5101, 4899], { tolerance_pct: 1 }).objectives[0]).toMatchObject({ met: false });
  });
});

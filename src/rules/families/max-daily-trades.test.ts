/** Maximum positions opened per trading day of the reset zone (rules.md §2.8, E8). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runFamily } from '../../../test/factories/family.ts';
import { deal, history, roundTrip } from '../../../test/factories/history.ts';

const daily = (h: ReturnType<typeof history>, spec: Record<string, unknown> = {}) =>
  runFamily(h, { type: 'max_daily_trades', count: 2, ...spec });
const trades = (times: string[]) =>
  history(times.flatMap((t, i) => roundTrip(i + 1, t, new Date(Date.parse(t) + 60_000).toISOString(), 0)));

describe('max_daily_trades', () => {
  it('two positions on a day with a limit of 2 is allowed', () => {
    const r = daily(trades(['2026-01-12T09:00:00.000Z', '2026-01-12T10:00:00.000Z', '2026-01-13T09:00:00.000Z']));
    expect(r.violations).toEqual([]);
    expect(r.metrics).toMatchObject({ max_daily_trades: 2, max_daily_trades_limit: 2 });
  });

  it('the third position of a day is a violation timed at its opening', () => {
    const h = trades([
      '2026-01-12T09:00:00.000Z',
      '2026-01-12T10:00:00.000Z',
      '2026-01-12T11:00:00.000Z',
      '2026-01-12T12:00:00.000Z',
    ]);
    const r = daily(h);
    expect(r.violations).toEqual([
      {
        rule: 'max_daily_trades',
        description: '4 positions opened on 2026-01-12 (max: 2)',
        severity: 'hard',
        timestamp: '2026-01-12T11:00:00.000Z',
        day: '2026-01-12',
        ticket: 3,
        symbol: 'EURUSD',
        trades: 4,
        max_trades: 2,
        comparator: 'gt',
        tolerance: 0,
        excess_positions: [3, 4],
        reset_tz: 'Europe/Prague',
        first_breach_time: '2026-01-12T11:00:00.000Z',
        worst_value: 4,
        worst_time: '2026-01-12T12:00:00.000Z',
        limit: 2,
        unit: 'trades',
        positions: [3, 4],
        // The opening deals of positions 3 and 4.
        deals: [h.deals[4]!.ticket, h.deals[6]!.ticket],
      },
    ]);
  });

  it('counts days in the reset zone: 22:30 and 23:30 UTC are two Prague days in winter', () => {
    const h = trades(['2026-01-12T22:00:00.000Z', '2026-01-12T22:30:00.000Z', '2026-01-12T23:30:00.000Z']);
    expect(daily(h).violations).toEqual([]);
    expect(daily(h, { reset_tz: 'UTC' }).violations.map((v) => v.day)).toEqual(['2026-01-12']);
  });

  it('counts positions, not deals: scaling in and partial closes add nothing', () => {
    const h = history([
      deal('2026-01-12T09:00:00.000Z', { position_id: 1 }),
      deal('2026-01-12T09:01:00.000Z', { position_id: 1 }),
      deal('2026-01-12T09:02:00.000Z', { position_id: 1, entry: 'out', type: 'sell' }),
      deal('2026-01-12T09:03:00.000Z', { position_id: 1, entry: 'out', type: 'sell' }),
    ]);
    expect(daily(h, { count: 1 }).violations).toEqual([]);
  });

  it('property: a violation for exactly the days above the limit', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 4 * 24 - 1 }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 5 }),
        (hours, limit) => {
          const sorted = [...hours].sort((a, b) => a - b);
          const h = trades(
            sorted.map((x, i) => new Date(Date.parse('2026-01-12T00:00:00.000Z') + x * 3_600_000 + i).toISOString()),
          );
          const perDay = new Map<number, number>();
          for (const x of sorted) perDay.set(Math.floor(x / 24), (perDay.get(Math.floor(x / 24)) ?? 0) + 1);
          const r = daily(h, { count: limit, reset_tz: 'UTC' });
          return r.violations.length === [...perDay.values()].filter((n) => n > limit).length;
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('max_daily_trades comparator and tolerance', () => {
  const three = trades(['2026-01-12T09:00:00.000Z', '2026-01-12T10:00:00.000Z', '2026-01-12T11:00:00.000Z']);

  it('gte: reaching the limit of 2 is a breach at the second opening, which is the first excess position', () => {
    const v = daily(trades(['2026-01-12T09:00:00.000Z', '2026-01-12T10:00:00.000Z']), { comparator: 'gte' }).violations;
    expect(v).toMatchObject([
      { timestamp: '2026-01-12T10:00:00.000Z', ticket: 2, trades: 2, excess_positions: [2], comparator: 'gte' },
    ]);
    expect(daily(trades(['2026-01-12T09:00:00.000Z']), { comparator: 'gte' }).violations).toEqual([]);
  });

  it('a tolerance of 1 allows 3 trades with a limit of 2, not 4', () => {
    expect(daily(three, { tolerance: 1 }).violations).toEqual([]);
    const four = trades([
      '2026-01-12T09:00:00.000Z',
      '2026-01-12T10:00:00.000Z',
      '2026-01-12T11:00:00.000Z',
      '2026-01-12T12:00:00.000Z',
    ]);
    expect(daily(four, { tolerance: 1 }).violations).toMatchObject([{ ticket: 4, excess_positions: [4] }]);
  });

  it('a fractional tolerance is refused with the field named', () => {
    expect(() => daily(three, { tolerance: 0.5 })).toThrow(/tolerance.*whole number|whole number/);
  });
});

describe('max_daily_trades on a very busy day', () => {
  it('lists the first 1,000 excess positions and keeps the latest 1,000 in the evidence, with the totals', () => {
    const start = Date.parse('2026-01-12T08:00:00.000Z');
    const h = trades(Array.from({ length: 2503 }, (_, i) => new Date(start + i * 1000).toISOString()));
    const [v] = daily(h, { count: 3 }).violations;
    expect(v).toMatchObject({
      trades: 2503,
      worst_value: 2503,
      limit: 3,
      evidence_truncated: { positions: 2500, deals: 2500 },
    });
    expect(v!.excess_positions).toEqual(Array.from({ length: 1000 }, (_, i) => i + 4));
    expect(v!.positions).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1504));
    expect(v!.deals).toHaveLength(1000);
  });
});

/** Trailing maximum-loss bases: rules.md §4 T4, T7, T9, T10 and §7. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { balanceOp, deal, history, roundTrip, snap } from '../../../test/factories/history.ts';
import { evaluate } from '../evaluate.ts';
import { parseRule } from '../registry.ts';
import { buildTimeline } from '../timeline-pass.ts';
import { evaluateMaxLoss } from './max-loss.ts';

const floorOf = (h: ReturnType<typeof history>, spec: Record<string, unknown>, initialBalance?: number) => {
  const timeline = buildTimeline(h, initialBalance);
  return evaluateMaxLoss(parseRule({ type: 'max_loss', ...spec }) as never, {
    timeline,
    others: [],
    calendar: [],
    atMs: 0,
  }).metrics.max_loss_floor;
};

/** One closed trade per Prague day, closing at 15:00 UTC with the given profit. */
function days(profits: number[], startDay = 12): ReturnType<typeof roundTrip>[number][] {
  return profits.flatMap((p, i) =>
    roundTrip(
      i + 1,
      `2026-01-${String(startDay + i).padStart(2, '0')}T09:00:00.000Z`,
      `2026-01-${String(startDay + i).padStart(2, '0')}T15:00:00.000Z`,
      p,
    ),
  );
}
/** A tiny trade the next day so the last reset is seen. */
const nextDay = (day: number) => roundTrip(99, `2026-01-${day}T09:00:00.000Z`, `2026-01-${day}T09:10:00.000Z`, 0);

describe('FTMO 1-Step end-of-day trail (T4)', () => {
  const spec = { pct: 10, basis: 'eod_balance_trail', reset_tz: 'Europe/Prague' };
  it('moves to 94,000 after a 104,000 midnight and stays there after 103,000', () => {
    expect(floorOf(history([...days([4000]), ...nextDay(13)]), spec)).toBe(94_000);
    expect(floorOf(history([...days([4000, -1000]), ...nextDay(14)]), spec)).toBe(94_000);
  });
  it('ignores an intraday equity spike to 108,000', () => {
    const h = history(
      [...days([4000, -1000]), deal('2026-01-14T09:00:00.000Z', { position_id: 50 })],
      [snap('2026-01-14T10:00:00.000Z', 103_000, 108_000)],
    );
    expect(floorOf(h, spec)).toBe(94_000);
  });
});

describe('Topstep end-of-day trail with lock (T7, 50K, $2,000)', () => {
  const spec = {
    pct: 4,
    basis: 'eod_balance_trail',
    lock_at_initial: true,
    reset_tz: 'America/Chicago',
    reset_time: '17:00',
  };
  const topstep = (profits: number[], day: number) => {
    const deals = profits.flatMap((p, i) =>
      roundTrip(i + 1, `2026-01-${12 + i}T15:00:00.000Z`, `2026-01-${12 + i}T16:00:00.000Z`, p),
    );
    return history(
      [...deals, ...roundTrip(99, `2026-01-${day}T15:00:00.000Z`, `2026-01-${day}T15:10:00.000Z`, 0)],
      undefined,
      50_000,
    );
  };
  it.each([
    [[], 48_000],
    [[500], 48_500],
    [[500, -500], 48_500],
    [[500, -500, 2500], 50_000],
    [[500, -500, 2500, 2500], 50_000],
  ])('after end-of-day results %j the floor is %d', (profits, floor) => {
    expect(floorOf(topstep(profits, 12 + profits.length), spec)).toBe(floor);
  });
  it('breaches at once when the intraday balance falls below the current floor', () => {
    const h = history(
      [
        ...roundTrip(1, '2026-01-12T15:00:00.000Z', '2026-01-12T16:00:00.000Z', 500),
        ...roundTrip(2, '2026-01-13T15:00:00.000Z', '2026-01-13T16:00:00.000Z', -2001),
      ],
      undefined,
      50_000,
    );
    const r = evaluate(h, [parseRule({ type: 'max_loss', ...spec })]);
    expect(r.violations[0]).toMatchObject({
      rule: 'maximum_drawdown',
      floor: 48_500,
      equity: 48_499,
      timestamp: '2026-01-13T16:00:00.000Z',
    });
  });
});

describe('closed-balance trails: fixed buffer (E8 One, T9) vs percent of peak (T10)', () => {
  it('E8: floor 94,000 → 95,000 at a 101,000 balance → locks at 100,000 from 106,000', () => {
    const spec = { pct: 6, basis: 'intraday_balance_trail', lock_at_initial: true };
    expect(floorOf(history([]), spec)).toBe(94_000);
    expect(floorOf(history(roundTrip(1, '2026-01-12T09:00:00.000Z', '2026-01-12T10:00:00.000Z', 1000)), spec)).toBe(
      95_000,
    );
    expect(floorOf(history(roundTrip(1, '2026-01-12T09:00:00.000Z', '2026-01-12T10:00:00.000Z', 6000)), spec)).toBe(
      100_000,
    );
    expect(floorOf(history(roundTrip(1, '2026-01-12T09:00:00.000Z', '2026-01-12T10:00:00.000Z', 9000)), spec)).toBe(
      100_000,
    );
  });
  it('MyFundedCapital: 6 % of a 102,000 peak is a 95,880 floor; 106,383 would be 100,000.02 and locks at 100,000', () => {
    const spec = { pct: 6, basis: 'intraday_balance_trail', amount_mode: 'pct_of_peak', lock_at_initial: true };
    expect(floorOf(history(roundTrip(1, '2026-01-12T09:00:00.000Z', '2026-01-12T10:00:00.000Z', 2000)), spec)).toBe(
      95_880,
    );
    expect(floorOf(history(roundTrip(1, '2026-01-12T09:00:00.000Z', '2026-01-12T10:00:00.000Z', 6383)), spec)).toBe(
      100_000,
    );
  });
});

describe('Apex intraday equity trail', () => {
  it('a position running to +3,000 lifts the floor to 51,000; closing at breakeven breaches', () => {
    const h = history(
      [...roundTrip(1, '2026-01-12T15:00:00.000Z', '2026-01-12T16:00:00.000Z', 0)],
      [snap('2026-01-12T15:30:00.000Z', 50_000, 53_000)],
      50_000,
    );
    const r = evaluate(h, [parseRule({ type: 'max_loss', pct: 4, basis: 'intraday_equity_trail' })]);
    expect(r.violations[0]).toMatchObject({ floor: 51_000, equity: 50_000, timestamp: '2026-01-12T16:00:00.000Z' });
  });
  it('reports as worst the lowest equity below the floor, not a deeper drawdown from a later, higher peak', () => {
    // Breach at 96,990 under the 97,000 floor; equity then runs to 101,000 (floor 97,970) and falls to
    // 97,500: a 3,500 drawdown, the deepest, but 500 above the floor in force at the breach.
    const h = history(
      [...roundTrip(1, '2026-01-12T09:00:00.000Z', '2026-01-12T13:00:00.000Z', -2_500)],
      [
        snap('2026-01-12T10:00:00.000Z', 100_000, 96_990),
        snap('2026-01-12T11:00:00.000Z', 100_000, 101_000),
        snap('2026-01-12T12:00:00.000Z', 100_000, 97_500),
      ],
    );
    const r = evaluate(h, [parseRule({ type: 'max_loss', pct: 3, basis: 'intraday_equity_trail' })]);
    const v = r.violations[0]!;
    expect(v).toMatchObject({ equity: 96_990, floor: 97_000, timestamp: '2026-01-12T10:00:00.000Z' });
    expect(v).toMatchObject({ worst_value: 96_990, worst_time: '2026-01-12T10:00:00.000Z', worst_equity: 96_990 });
    expect(v.worst_value).toBeLessThan(v.limit);
    expect(r.metrics.max_drawdown_percent).toBe(3.5);
  });
});

describe('properties', () => {
  const profitsArb = fc.array(fc.integer({ min: -300_000, max: 300_000 }), { minLength: 1, maxLength: 12 });
  it.each(['eod_balance_trail', 'intraday_balance_trail', 'intraday_equity_trail'])(
    'a %s floor never falls',
    (basis) => {
      fc.assert(
        fc.property(
          profitsArb,
          fc.boolean(),
          fc.constantFrom('pct_of_initial', 'pct_of_peak'),
          (cents, lock, amountMode) => {
            const profits = cents.map((c) => c / 100);
            let previous = -Infinity;
            for (let n = 0; n <= profits.length; n++) {
              const h = history([...days(profits.slice(0, n)), ...nextDay(12 + n)]);
              const floor = floorOf(h, { pct: 10, basis, lock_at_initial: lock, amount_mode: amountMode }) as number;
              if (floor < previous) return false;
              previous = floor;
            }
            return true;
          },
        ),
        { numRuns: 40 },
      );
    },
  );

  it('a deposit or withdrawal never changes a verdict or creates drawdown, for any rule basis', () => {
    fc.assert(
      fc.property(
        profitsArb,
        fc.integer({ min: -5_000_000, max: 5_000_000 }),
        fc.constantFrom('static', 'eod_balance_trail', 'intraday_balance_trail', 'intraday_equity_trail'),
        (cents, opCents, basis) => {
          const profits = cents.map((c) => c / 100);
          const rules = [parseRule({ type: 'max_loss', pct: 10, basis }), parseRule({ type: 'daily_loss', pct: 5 })];
          const plain = evaluate(history(days(profits)), rules);
          const withOp = evaluate(
            history([balanceOp('2026-01-12T06:00:00.000Z', opCents / 100), ...days(profits)]),
            rules,
          );
          return (
            JSON.stringify(plain.violations.map((v) => [v.rule, v.timestamp])) ===
              JSON.stringify(withOp.violations.map((v) => [v.rule, v.timestamp])) &&
            plain.metrics.max_drawdown_percent === withOp.metrics.max_drawdown_percent
          );
        },
      ),
      { numRuns: 60 },
    );
  });

  it('the verdict is the same whether the history arrives whole or in pieces', () => {
    fc.assert(
      fc.property(profitsArb, fc.integer({ min: 1, max: 11 }), (cents, cut) => {
        const all = days(cents.map((c) => c / 100));
        const k = Math.min(cut * 2, all.length);
        const rules = [
          parseRule({ type: 'max_loss', pct: 10 }),
          parseRule({ type: 'daily_loss', pct: 5 }),
          parseRule({ type: 'profit_target', pct: 10 }),
        ];
        // Pieces arrive as separate pages (later page first), concatenated by the connector.
        const pieces = [...all.slice(k), ...all.slice(0, k)];
        const a = evaluate(history(all), rules, { hash: false });
        const b = evaluate(history(pieces), rules, { hash: false });
        return JSON.stringify(a) === JSON.stringify(b);
      }),
      { numRuns: 60 },
    );
  });
});

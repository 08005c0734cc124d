/** Minimum trade duration aggregations of reference/rules.md §2.8, comparator and tolerance. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runFamily } from '../../../test/factories/family.ts';
import { deal, history, roundTrip } from '../../../test/factories/history.ts';
import { parseRule } from '../registry.ts';

const T0 = Date.parse('2026-01-16T08:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

/** Positions opened an hour apart, each held `held` seconds, in order. */
function trades(list: { held: number; profit?: number; volume?: number }[]) {
  return history(
    list.flatMap((t, i) =>
      roundTrip(i + 1, iso(T0 + i * 3_600_000), iso(T0 + i * 3_600_000 + t.held * 1000), t.profit ?? 10, {
        volume: t.volume ?? 1,
      }),
    ),
  );
}
const closeOf = (i: number, held: number) => iso(T0 + i * 3_600_000 + held * 1000);
const run = (list: Parameters<typeof trades>[0], spec: Record<string, unknown>) =>
  runFamily(trades(list), { type: 'min_trade_duration', ...spec });

describe('comparator and tolerance on the duration', () => {
  it('lt allows exactly the minimum; lte (FundedNext "≤ 10 s") flags it', () => {
    expect(run([{ held: 10 }], { seconds: 10 }).violations).toEqual([]);
    const r = run([{ held: 10 }], { seconds: 10, comparator: 'lte' });
    expect(r.violations[0]).toMatchObject({
      rule: 'minimum_trade_duration',
      ticket: 1,
      duration_seconds: 10,
      description: 'Position held for 10s (must exceed: 10s)',
    });
  });

  it('FundingEra boundaries: 40 s is a violation of 60 s, 70 s is valid', () => {
    expect(run([{ held: 40 }, { held: 70 }], { seconds: 60 }).violations.map((v) => v.ticket)).toEqual([1]);
  });

  it('a tolerance is in the trader’s favour: 59.5 s passes 60 s with 0.5 s, 59.499 s does not', () => {
    expect(run([{ held: 59.5 }], { seconds: 60, tolerance_seconds: 0.5 }).violations).toEqual([]);
    expect(run([{ held: 59.499 }], { seconds: 60, tolerance_seconds: 0.5 }).violations).toHaveLength(1);
  });

  it('rejects a tolerance that swallows the limit, naming the field', () => {
    expect(() => parseRule({ type: 'min_trade_duration', seconds: 10, tolerance_seconds: 10 })).toThrow(
      /tolerance_seconds/,
    );
  });

  it('profitable_only judges winners alone', () => {
    const r = run(
      [
        { held: 5, profit: -20 },
        { held: 5, profit: 20 },
      ],
      { seconds: 60, applies_to: 'profitable_only' },
    );
    expect(r.violations.map((v) => v.ticket)).toEqual([2]);
    expect(r.metrics.trades_under_4min).toBe(1);
  });
});

describe('share_of_trades (E8: < 60 s on more than 50 % of trades)', () => {
  const spec = { seconds: 60, aggregation: 'share_of_trades', threshold_pct: 50 };

  it('2 of 4 short is exactly 50 %: allowed under gt, a breach under gte', () => {
    const list = [{ held: 30 }, { held: 300 }, { held: 30 }, { held: 300 }];
    expect(run(list, spec).violations).toEqual([]);
    const r = run(list, { ...spec, threshold_comparator: 'gte' });
    expect(r.violations).toHaveLength(1);
    expect(r.violations[0]).toMatchObject({
      value: 50,
      unit: 'percent',
      threshold_pct: 50,
      positions: [1, 3],
      description: '50.00% of trades were held under 1m (must stay below: 50%)',
    });
  });

  it('3 of 5 short breaches; dated from the close since which the share stayed above the cap, with the first and worst', () => {
    // shares after each close: 100, 50, 66.67, 50, 60
    const list = [{ held: 30 }, { held: 300 }, { held: 30 }, { held: 300 }, { held: 30 }];
    const v = run(list, spec).violations[0]!;
    expect(v).toMatchObject({
      value: 60,
      worst_value: 100,
      first_breach_time: closeOf(0, 30),
      worst_time: closeOf(0, 30),
      timestamp: closeOf(4, 30),
      positions: [1, 3, 5],
    });
    expect(v.description).toBe('60.00% of trades were held under 1m (max: 50%)');
  });

  it('a share that fell back under the cap by the end is no violation', () => {
    expect(run([{ held: 30 }, { held: 300 }, { held: 300 }], spec).violations).toEqual([]);
  });
});

describe('share_of_volume (Fintokei: < 10 s on more than 10 % of lots)', () => {
  const spec = { seconds: 10, aggregation: 'share_of_volume', threshold_pct: 10 };

  it('0.1 short lot of 1.0 is exactly 10 % (float noise settled): allowed; 0.11 of 1.01 is over', () => {
    expect(
      run(
        [
          { held: 5, volume: 0.1 },
          { held: 600, volume: 0.7 },
          { held: 600, volume: 0.2 },
        ],
        spec,
      ).violations,
    ).toEqual([]);
    const v = run(
      [
        { held: 5, volume: 0.11 },
        { held: 600, volume: 0.9 },
      ],
      spec,
    ).violations[0]!;
    expect(v).toMatchObject({ value: 10.891, positions: [1] });
  });

  it('one short trade of many lots outweighs many long small ones', () => {
    const v = run(
      [
        { held: 600, volume: 0.01 },
        { held: 600, volume: 0.01 },
        { held: 3, volume: 1 },
      ],
      spec,
    ).violations[0]!;
    expect(v.value).toBe(98.039);
  });
});

describe('share_of_profit (FundedNext futures: ≤ 10 s making ≥ 40 % of profit; losers excluded)', () => {
  const spec = {
    seconds: 10,
    comparator: 'lte',
    aggregation: 'share_of_profit',
    threshold_pct: 40,
    threshold_comparator: 'gte',
  };

  it('a short loser does not count; a short winner making 40 % of the winners’ profit breaches', () => {
    expect(
      run(
        [
          { held: 5, profit: -500 },
          { held: 600, profit: 600 },
        ],
        spec,
      ).violations,
    ).toEqual([]);
    const v = run(
      [
        { held: 10, profit: 400 },
        { held: 600, profit: 600 },
        { held: 5, profit: -900 },
      ],
      spec,
    ).violations[0]!;
    expect(v).toMatchObject({ value: 40, unit: 'percent', positions: [1, 3] });
  });

  it('no winners at all is no share to judge', () => {
    expect(run([{ held: 5, profit: -10 }], spec).violations).toEqual([]);
  });
});

describe('average (EquityEdge: average > 2 min) and vwht (Funding Traders: volume-weighted < 2 min)', () => {
  it('an average of exactly 120 s passes; 119.5 s fails, in seconds', () => {
    expect(run([{ held: 60 }, { held: 180 }], { seconds: 120, aggregation: 'average' }).violations).toEqual([]);
    const v = run([{ held: 59 }, { held: 180 }], { seconds: 120, aggregation: 'average' }).violations[0]!;
    expect(v).toMatchObject({ value: 119.5, unit: 'seconds', description: 'Average hold time 1m 59.5s (minimum: 2m)' });
    expect(v).not.toHaveProperty('threshold_pct');
  });

  it('vwht weighs hold time by lots: 10 lots for 30 s and 1 lot for 600 s is 81.8 s', () => {
    const list = [
      { held: 30, volume: 10 },
      { held: 600, volume: 1 },
    ];
    expect(run(list, { seconds: 120, aggregation: 'average' }).violations).toEqual([]); // plain average 315 s
    expect(run(list, { seconds: 120, aggregation: 'vwht' }).violations[0]).toMatchObject({
      value: 81.818,
      description: 'Volume-weighted hold time 1m 21.818s (minimum: 2m)',
    });
  });

  it('open positions are not judged by any aggregation', () => {
    const h = history([deal(iso(T0), { position_id: 1 })]);
    for (const aggregation of ['share_of_trades', 'average', 'vwht'])
      expect(runFamily(h, { type: 'min_trade_duration', seconds: 60, aggregation }).violations).toEqual([]);
  });
});

describe('properties', () => {
  const hold = fc.record({
    held: fc.integer({ min: 1, max: 900 }),
    profit: fc.integer({ min: -500, max: 500 }),
    volume: fc.constantFrom(0.01, 0.1, 0.5, 1, 2),
  });

  it('an aggregate breaches exactly when its final value crosses the threshold, and never before its first breach', () => {
    fc.assert(
      fc.property(fc.array(hold, { minLength: 1, maxLength: 25 }), fc.integer({ min: 0, max: 100 }), (list, p) => {
        const r = run(list, { seconds: 120, aggregation: 'share_of_trades', threshold_pct: p });
        const share = (list.filter((t) => t.held < 120).length / list.length) * 100;
        expect(r.violations.length).toBe(share > p ? 1 : 0);
        const v = r.violations[0];
        if (v) expect(Date.parse(v.first_breach_time as string)).toBeLessThanOrEqual(Date.parse(v.timestamp as string));
      }),
    );
  });

  it('"any" flags exactly the positions held under the minimum', () => {
    fc.assert(
      fc.property(fc.array(hold, { minLength: 1, maxLength: 25 }), (list) => {
        const flagged = run(list, { seconds: 120 }).violations.map((v) => v.ticket);
        expect(flagged).toEqual(list.flatMap((t, i) => (t.held < 120 ? [i + 1] : [])));
      }),
    );
  });
});

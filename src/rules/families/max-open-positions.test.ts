/** Maximum simultaneous open positions (rules.md §3.6), in deal order. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runFamily } from '../../../test/factories/family.ts';
import { deal, history, roundTrip } from '../../../test/factories/history.ts';

const at = (minute: number) => `2026-01-12T09:${String(minute).padStart(2, '0')}:00.000Z`;
const open = (h: ReturnType<typeof history>, count = 3) => runFamily(h, { type: 'max_open_positions', count });

describe('max_open_positions', () => {
  it('three positions open together with a limit of 3 is allowed', () => {
    const h = history([1, 2, 3].flatMap((id) => roundTrip(id, at(id), at(30), 0)));
    const r = open(h);
    expect(r.violations).toEqual([]);
    expect(r.metrics).toMatchObject({ max_open_positions: 3, max_open_positions_limit: 3 });
  });

  it('the fourth is a violation naming it and the positions open', () => {
    const h = history(
      [1, 2, 3, 4].flatMap((id) => roundTrip(id, at(id), at(30), 0, { symbol: id === 4 ? 'GBPUSD' : 'EURUSD' })),
    );
    expect(open(h).violations).toEqual([
      {
        rule: 'max_open_positions',
        description: 'Position 4 (GBPUSD) made 4 positions open at once (max: 3)',
        severity: 'hard',
        timestamp: at(4),
        ticket: h.deals[6]!.ticket,
        position_id: 4,
        symbol: 'GBPUSD',
        side: 'buy',
        open_positions: 4,
        max_positions: 3,
        comparator: 'gt',
        tolerance: 0,
        positions: [1, 2, 3, 4],
        first_breach_time: at(4),
        worst_value: 4,
        worst_time: at(4),
        limit: 3,
        unit: 'positions',
        deals: [h.deals[6]!.ticket],
      },
    ]);
  });

  it('a position closed before the next opens frees its slot', () => {
    const h = history([...roundTrip(1, at(1), at(2), 0), ...roundTrip(2, at(3), at(30), 0)]);
    expect(open(h, 1).violations).toEqual([]);
  });

  it('within one millisecond the broker order decides: a close booked first frees the slot, a close booked after does not', () => {
    const first = history([
      deal(at(1), { position_id: 1 }),
      deal(at(5), { position_id: 1, entry: 'out', type: 'sell' }),
      deal(at(5), { position_id: 2 }),
    ]);
    const after = history([
      deal(at(1), { position_id: 1 }),
      deal(at(5), { position_id: 2 }),
      deal(at(5), { position_id: 1, entry: 'out', type: 'sell' }),
    ]);
    expect(open(first, 1).violations).toEqual([]);
    expect(open(after, 1).violations.map((v) => [v.position_id, v.timestamp])).toEqual([[2, at(5)]]);
  });

  it('a partial close keeps the position open', () => {
    const h = history([
      deal(at(1), { position_id: 1, volume: 2 }),
      deal(at(2), { position_id: 1, entry: 'out', type: 'sell', volume: 1 }),
      deal(at(3), { position_id: 2 }),
    ]);
    expect(open(h, 1).violations.map((v) => v.position_id)).toEqual([2]);
  });

  it('a netting reversal (inout) is still one position', () => {
    const h = history([
      deal(at(1), { position_id: 1, volume: 1 }),
      deal(at(2), { position_id: 1, entry: 'inout', type: 'sell', volume: 2 }),
    ]);
    expect(open(h, 1).violations).toEqual([]);
    expect(open(h, 1).metrics.max_open_positions).toBe(1);
  });

  it('property: never more violations than positions, and none exactly when the peak fits the limit', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1, max: 20 })), {
          minLength: 1,
          maxLength: 15,
        }),
        fc.integer({ min: 1, max: 6 }),
        (spans, limit) => {
          const iso = (m: number) => new Date(Date.parse('2026-01-12T09:00:00.000Z') + m * 60_000).toISOString();
          const h = history(spans.flatMap(([start, len], i) => roundTrip(i + 1, iso(start), iso(start + len), 0)));
          const r = open(h, limit);
          // Brute force over the deals in broker order (time, then ticket): +1 per entry, −1 per exit.
          const sorted = [...h.deals].sort((a, b) => Date.parse(a.time) - Date.parse(b.time) || a.ticket - b.ticket);
          let n = 0;
          let peak = 0;
          let over = 0;
          for (const d of sorted) {
            n += d.entry === 'in' ? 1 : -1;
            peak = Math.max(peak, n);
            if (d.entry === 'in' && n > limit) over++;
          }
          return (
            r.violations.length <= spans.length &&
            r.violations.length === over &&
            r.metrics.max_open_positions === peak &&
            (over === 0) === peak <= limit
          );
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('max_open_positions comparator and tolerance', () => {
  const together = (n: number) =>
    history(Array.from({ length: n }, (_, i) => i + 1).flatMap((id) => roundTrip(id, at(id), at(30), 0)));

  it('gte: three open with a limit of 3 is a breach at the third opening; two is not', () => {
    expect(
      runFamily(together(3), { type: 'max_open_positions', count: 3, comparator: 'gte' }).violations,
    ).toMatchObject([{ position_id: 3, open_positions: 3, timestamp: at(3) }]);
    expect(runFamily(together(2), { type: 'max_open_positions', count: 3, comparator: 'gte' }).violations).toEqual([]);
  });

  it('a tolerance of 1 allows a fourth position with a limit of 3, not a fifth', () => {
    expect(runFamily(together(4), { type: 'max_open_positions', count: 3, tolerance: 1 }).violations).toEqual([]);
    expect(runFamily(together(5), { type: 'max_open_positions', count: 3, tolerance: 1 }).violations).toMatchObject([
      { position_id: 5, tolerance: 1 },
    ]);
  });
});

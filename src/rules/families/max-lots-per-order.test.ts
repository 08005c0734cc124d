/** Maximum lots per order (rules.md §2.8, E8: 50 lots): opening orders only, partial fills summed. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runFamily } from '../../../test/factories/family.ts';
import { deal, history, roundTrip } from '../../../test/factories/history.ts';

const lots = (h: ReturnType<typeof history>, spec: Record<string, unknown> = {}) =>
  runFamily(h, { type: 'max_lots_per_order', lots: 50, ...spec });

describe('max_lots_per_order', () => {
  it('exactly 50 lots is allowed', () => {
    const r = lots(history(roundTrip(1, '2026-01-12T09:00:00.000Z', '2026-01-12T10:00:00.000Z', 0, { volume: 50 })));
    expect(r.violations).toEqual([]);
    expect(r.metrics).toMatchObject({ max_lots_per_order: 50, max_lots_per_order_limit: 50 });
  });

  it('50.01 lots is a violation naming the deal, order and volume', () => {
    const h = history(
      roundTrip(1, '2026-01-12T09:00:00.000Z', '2026-01-12T10:00:00.000Z', 0, { volume: 50.01, symbol: 'XAUUSD' }),
    );
    expect(lots(h).violations).toEqual([
      {
        rule: 'max_lots_per_order',
        description: `Order ${h.deals[0]!.order} on XAUUSD was 50.01 lots (max: 50)`,
        severity: 'hard',
        timestamp: '2026-01-12T09:00:00.000Z',
        ticket: h.deals[0]!.ticket,
        order: h.deals[0]!.order,
        position_id: 1,
        symbol: 'XAUUSD',
        side: 'buy',
        volume: 50.01,
        max_lots: 50,
        comparator: 'gt',
        tolerance: 0,
        deals: [h.deals[0]!.ticket],
        first_breach_time: '2026-01-12T09:00:00.000Z',
        worst_value: 50.01,
        worst_time: '2026-01-12T09:00:00.000Z',
        limit: 50,
        unit: 'lots',
        positions: [1],
      },
    ]);
  });

  it('sums the partial fills of one order: 30 + 25 lots is a 55-lot order, breached at the second fill', () => {
    const first = deal('2026-01-12T09:00:00.000Z', { volume: 30, order: 777 });
    const second = deal('2026-01-12T09:00:00.250Z', { volume: 25, order: 777 });
    const v = lots(history([first, second])).violations;
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({
      order: 777,
      volume: 55,
      ticket: second.ticket,
      timestamp: '2026-01-12T09:00:00.250Z',
      deals: [first.ticket, second.ticket],
    });
  });

  it('two separate 30-lot orders on one position, closed by one 60-lot order, are fine: closing orders are not judged', () => {
    const h = history([
      deal('2026-01-12T09:00:00.000Z', { volume: 30 }),
      deal('2026-01-12T09:01:00.000Z', { volume: 30 }),
      deal('2026-01-12T10:00:00.000Z', { volume: 60, entry: 'out', type: 'sell' }),
    ]);
    expect(lots(h).violations).toEqual([]);
  });

  it('sums volumes exactly: 0.1 + 0.2 lots in one order is not above 0.3', () => {
    const h = history([
      deal('2026-01-12T09:00:00.000Z', { volume: 0.1, order: 5 }),
      deal('2026-01-12T09:00:00.001Z', { volume: 0.2, order: 5 }),
    ]);
    expect(lots(h, { lots: 0.3 }).violations).toEqual([]);
  });

  it('instruments limit the rule: a 100-lot cap on US30 ignores a 60-lot EURUSD order', () => {
    const h = history([
      deal('2026-01-12T09:00:00.000Z', { volume: 60 }),
      deal('2026-01-12T09:05:00.000Z', { volume: 101, symbol: 'US30', position_id: 2 }),
    ]);
    expect(lots(h, { lots: 100, instruments: ['US30'] }).violations.map((v) => [v.symbol, v.volume])).toEqual([
      ['US30', 101],
    ]);
  });

  it('property: a violation for exactly the orders above the limit', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 10_000 }), { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 1, max: 10_000 }),
        (hundredths, limit) => {
          const deals = hundredths.map((v, i) =>
            deal(`2026-01-12T09:00:${String(i).padStart(2, '0')}.000Z`, { volume: v / 100, position_id: i + 1 }),
          );
          const r = lots(history(deals), { lots: limit / 100 });
          return r.violations.length === hundredths.filter((v) => v > limit).length;
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('max_lots_per_order comparator and tolerance', () => {
  const order = (volume: number) =>
    history(roundTrip(1, '2026-01-12T09:00:00.000Z', '2026-01-12T10:00:00.000Z', 0, { volume }));

  it('gte: exactly 50 lots is a breach; 49.99 is not', () => {
    expect(lots(order(50), { comparator: 'gte' }).violations).toMatchObject([{ volume: 50, comparator: 'gte' }]);
    expect(lots(order(49.99), { comparator: 'gte' }).violations).toEqual([]);
  });

  it('a 0.01-lot tolerance allows 50.01 lots exactly, not 50.02', () => {
    expect(lots(order(50.01), { tolerance: 0.01 }).violations).toEqual([]);
    expect(lots(order(50.02), { tolerance: 0.01 }).violations).toMatchObject([{ volume: 50.02, tolerance: 0.01 }]);
  });
});

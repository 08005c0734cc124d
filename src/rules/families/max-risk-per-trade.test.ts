/** Maximum risk per trade (rules.md §2.8): |open − SL| × volume × contract size as a percent of IC. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runFamily } from '../../../test/factories/family.ts';
import { history, roundTrip } from '../../../test/factories/history.ts';
import type { AccountHistory, SymbolSpec } from '../../mt5/history.ts';

const SYMBOLS: Record<string, SymbolSpec> = {
  EURUSD: { contract_size: 100_000, point: 0.00001, profit_currency: 'USD' },
  XAUUSD: { contract_size: 100, point: 0.01, profit_currency: 'USD' },
  USDJPY: { contract_size: 100_000, point: 0.001, profit_currency: 'JPY' },
};
const withSymbols = (h: AccountHistory, symbols: Record<string, SymbolSpec> | undefined = SYMBOLS): AccountHistory =>
  symbols ? { ...h, symbols } : h;
const position = (patch: Record<string, unknown>) =>
  withSymbols(
    history(roundTrip(1, '2026-01-12T09:00:00.000Z', '2026-01-12T10:00:00.000Z', 0, { price: 1.1, ...patch })),
  );
const risk = (h: AccountHistory, pct = 1) => runFamily(h, { type: 'max_risk_per_trade_pct', pct });

describe('max_risk_per_trade_pct', () => {
  it('100 pips on 1 lot EURUSD is 1,000 = exactly 1 % of 100,000: allowed', () => {
    const r = risk(position({ sl: 1.09 }));
    expect(r.violations).toEqual([]);
    expect(r.metrics).toMatchObject({ risk_per_trade_data: 'available', max_risk_per_trade_percent: 1 });
  });

  it('101 pips risks 1,010 = 1.01 %: a violation with the risk and the limit', () => {
    const h = position({ sl: 1.0899 });
    expect(risk(h).violations).toEqual([
      {
        rule: 'max_risk_per_trade_pct',
        description: 'Position 1 (EURUSD) risked 1,010.00 = 1.01% of the initial capital (max: 1%)',
        severity: 'hard',
        timestamp: '2026-01-12T09:00:00.000Z',
        ticket: 1,
        position_id: 1,
        symbol: 'EURUSD',
        side: 'buy',
        volume: 1,
        open_price: 1.1,
        sl: 1.0899,
        contract_size: 100_000,
        risk: 1010,
        risk_percent: 1.01,
        max_risk: 1000,
        max_allowed_percent: 1,
        comparator: 'gt',
        tolerance: 0,
        first_breach_time: '2026-01-12T09:00:00.000Z',
        worst_value: 1010,
        worst_time: '2026-01-12T09:00:00.000Z',
        limit: 1000,
        unit: 'money',
        positions: [1],
        // The entry deal: what was booked when the risk was taken.
        deals: [h.deals[0]!.ticket],
      },
    ]);
  });

  it('a sell with its SL above the entry: 2 lots × 60 pips = 1,200', () => {
    const v = risk(position({ type: 'sell', sl: 1.106, volume: 2 })).violations[0];
    expect(v).toMatchObject({ side: 'sell', risk: 1200, risk_percent: 1.2 });
  });

  it('uses the contract size: 1 lot of gold with a 25-dollar stop is 2,500', () => {
    expect(risk(position({ symbol: 'XAUUSD', price: 2650, sl: 2625 }), 2).violations[0]).toMatchObject({
      risk: 2500,
      contract_size: 100,
    });
  });

  it('without symbol specifications nothing is judged and the data is reported unavailable', () => {
    const h = history(roundTrip(1, '2026-01-12T09:00:00.000Z', '2026-01-12T10:00:00.000Z', 0, { sl: 1.0 }));
    expect(risk(h)).toEqual({ violations: [], objectives: [], metrics: { risk_per_trade_data: 'unavailable' } });
  });

  it('skips positions without an SL, unknown symbols and foreign profit currencies, and counts them', () => {
    const h = withSymbols(
      history([
        ...roundTrip(1, '2026-01-12T09:00:00.000Z', '2026-01-12T10:00:00.000Z', 0),
        ...roundTrip(2, '2026-01-12T09:00:00.000Z', '2026-01-12T10:00:00.000Z', 0, {
          symbol: 'USDJPY',
          price: 157,
          sl: 150,
        }),
        ...roundTrip(3, '2026-01-12T09:00:00.000Z', '2026-01-12T10:00:00.000Z', 0, {
          symbol: 'BTCUSD',
          price: 90_000,
          sl: 10_000,
        }),
      ]),
    );
    const r = risk(h);
    expect(r.violations).toEqual([]);
    expect(r.metrics).toMatchObject({ risk_unknown_positions: 1, risk_skipped_symbols: ['BTCUSD', 'USDJPY'] });
  });

  it('property: breached exactly when pips × lots × 10 exceeds pct of IC', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 5 }),
        (pips, hundredthLots, pct) => {
          const lots = hundredthLots / 100;
          const r = risk(position({ sl: Number((1.1 - pips / 10_000).toFixed(5)), volume: lots }), pct);
          // One pip on 1 lot EURUSD is 10 dollars, i.e. 1000 cents; compare in integer cents.
          const riskCents = pips * hundredthLots * 10;
          return (r.violations.length === 1) === riskCents > pct * 100_000;
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('max_risk_per_trade_pct comparator and tolerance', () => {
  it('gte: risking exactly 1 % (100 pips on 1 lot) is a breach; 99.9 pips is not', () => {
    expect(
      runFamily(position({ sl: 1.09 }), { type: 'max_risk_per_trade_pct', pct: 1, comparator: 'gte' }).violations,
    ).toMatchObject([{ risk: 1000, max_risk: 1000, comparator: 'gte' }]);
    expect(
      runFamily(position({ sl: 1.09001 }), { type: 'max_risk_per_trade_pct', pct: 1, comparator: 'gte' }).violations,
    ).toEqual([]);
  });

  it('a 10.00 tolerance allows a 1,010 risk against a 1,000 limit, not 1,010.01', () => {
    expect(
      runFamily(position({ sl: 1.0899 }), { type: 'max_risk_per_trade_pct', pct: 1, tolerance: 10 }).violations,
    ).toEqual([]);
    expect(
      runFamily(position({ sl: 1.0899, volume: 1.00001 }), { type: 'max_risk_per_trade_pct', pct: 1, tolerance: 10 })
        .violations,
    ).toMatchObject([{ max_risk: 1010 }]);
  });
});

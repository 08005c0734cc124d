/** Cross-account hedging (rules.md §2.8): opposite positions on one symbol in two of the trader's accounts, open together. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runFamily } from '../../../test/factories/family.ts';
import { deal, history, roundTrip } from '../../../test/factories/history.ts';
import type { AccountHistory } from '../../mt5/history.ts';

const account = (login: string, deals: ReturnType<typeof roundTrip>): AccountHistory => {
  const h = history(deals);
  return { ...h, account: { ...h.account, login } };
};
const buy = (id: number, open: string, close: string, patch = {}) =>
  roundTrip(id, open, close, 0, { type: 'buy', ...patch }).map((d, i) => ({
    ...d,
    type: i === 0 ? ('buy' as const) : ('sell' as const),
  }));
const sell = (id: number, open: string, close: string, patch = {}) =>
  roundTrip(id, open, close, 0, patch).map((d, i) => ({ ...d, type: i === 0 ? ('sell' as const) : ('buy' as const) }));
const hedge = (a: AccountHistory, others: AccountHistory[], spec: Record<string, unknown> = {}, at?: string) =>
  runFamily(a, { type: 'cross_account_hedging', ...spec }, { others, ...(at ? { at } : {}) });

describe('cross_account_hedging', () => {
  const A = account('1001', buy(11, '2026-01-12T10:00:00.000Z', '2026-01-12T11:00:00.000Z'));
  it('a buy here and a sell on the same symbol in another account, open together, is a violation naming both tickets', () => {
    const B = account('2002', sell(22, '2026-01-12T10:30:00.000Z', '2026-01-12T12:00:00.000Z'));
    const r = hedge(A, [B]);
    expect(r.violations).toEqual([
      {
        rule: 'cross_account_hedging',
        description: 'Position 11 (buy EURUSD) overlapped the opposite position 22 (sell) in account 2002 for 1800 s',
        severity: 'hard',
        timestamp: '2026-01-12T10:30:00.000Z',
        ticket: 11,
        other_ticket: 22,
        other_account: '2002',
        other_account_index: 0,
        symbol: 'EURUSD',
        side: 'buy',
        other_side: 'sell',
        volume: 1,
        other_volume: 1,
        overlap_start: '2026-01-12T10:30:00.000Z',
        overlap_end: '2026-01-12T11:00:00.000Z',
        overlap_seconds: 1800,
        first_breach_time: '2026-01-12T10:30:00.000Z',
        worst_value: 1800,
        worst_time: '2026-01-12T11:00:00.000Z',
        limit: 0,
        unit: 'seconds',
        positions: [11],
        deals: A.deals.filter((d) => d.position_id === 11).map((d) => d.ticket),
      },
    ]);
    expect(r.metrics.cross_account_hedges).toBe(1);
  });

  it('same direction, another symbol, or no overlap is not hedging', () => {
    expect(
      hedge(A, [account('2', buy(22, '2026-01-12T10:30:00.000Z', '2026-01-12T12:00:00.000Z'))]).violations,
    ).toEqual([]);
    expect(
      hedge(A, [account('2', sell(22, '2026-01-12T10:30:00.000Z', '2026-01-12T12:00:00.000Z', { symbol: 'GBPUSD' }))])
        .violations,
    ).toEqual([]);
    expect(
      hedge(A, [account('2', sell(22, '2026-01-12T11:00:00.000Z', '2026-01-12T12:00:00.000Z'))]).violations,
    ).toEqual([]);
  });

  it('one millisecond of overlap is enough by default', () => {
    expect(
      hedge(A, [account('2', sell(22, '2026-01-12T10:59:59.999Z', '2026-01-12T12:00:00.000Z'))]).violations[0],
    ).toMatchObject({ overlap_seconds: 0.001 });
  });

  it('min_overlap_seconds: exactly 1800 s counts, timed when it was reached; 1799.999 s does not', () => {
    const B = account('2', sell(22, '2026-01-12T10:30:00.000Z', '2026-01-12T12:00:00.000Z'));
    expect(hedge(A, [B], { min_overlap_seconds: 1800 }).violations[0]).toMatchObject({
      timestamp: '2026-01-12T11:00:00.000Z',
      overlap_seconds: 1800,
    });
    const C = account('2', sell(22, '2026-01-12T10:30:00.001Z', '2026-01-12T12:00:00.000Z'));
    expect(hedge(A, [C], { min_overlap_seconds: 1800 }).violations).toEqual([]);
  });

  it('hedging inside one account is not this rule', () => {
    const both = account('1', [
      ...buy(1, '2026-01-12T10:00:00.000Z', '2026-01-12T11:00:00.000Z'),
      ...sell(2, '2026-01-12T10:30:00.000Z', '2026-01-12T12:00:00.000Z'),
    ]);
    expect(hedge(both, []).violations).toEqual([]);
  });

  it('a position still open in the other account counts up to the evaluation instant', () => {
    const B = account('2', [{ ...deal('2026-01-12T10:45:00.000Z', { position_id: 22 }), type: 'sell' as const }]);
    expect(hedge(A, [B], {}, '2026-01-12T10:50:00.000Z').violations[0]).toMatchObject({
      other_ticket: 22,
      overlap_end: '2026-01-12T10:50:00.000Z',
      overlap_seconds: 300,
    });
  });

  it('checks every other account', () => {
    const B = account('2', sell(22, '2026-01-12T10:30:00.000Z', '2026-01-12T12:00:00.000Z'));
    const C = account('3', sell(33, '2026-01-12T09:00:00.000Z', '2026-01-12T10:10:00.000Z'));
    expect(hedge(A, [B, C]).violations.map((v) => [v.other_account, v.other_ticket, v.timestamp])).toEqual([
      ['3', 33, '2026-01-12T10:00:00.000Z'],
      ['2', 22, '2026-01-12T10:30:00.000Z'],
    ]);
  });

  it('property: symmetric — A against B finds the same pairs as B against A', () => {
    const base = Date.parse('2026-01-12T09:00:00.000Z');
    const pos = fc.tuple(
      fc.integer({ min: 0, max: 120 }),
      fc.integer({ min: 1, max: 60 }),
      fc.boolean(),
      fc.constantFrom('EURUSD', 'XAUUSD'),
    );
    fc.assert(
      fc.property(fc.array(pos, { maxLength: 8 }), fc.array(pos, { maxLength: 8 }), (pa, pb) => {
        const build = (ps: typeof pa, login: string, idBase: number) =>
          account(
            login,
            ps.flatMap(([s, l, isBuy, symbol], i) => {
              const iso = (m: number) => new Date(base + m * 60_000).toISOString();
              return (isBuy ? buy : sell)(idBase + i, iso(s), iso(s + l), { symbol });
            }),
          );
        const A2 = build(pa, 'A', 100);
        const B2 = build(pb, 'B', 200);
        const ab = hedge(A2, [B2])
          .violations.map((v) => `${v.ticket}-${v.other_ticket}`)
          .sort();
        const ba = hedge(B2, [A2])
          .violations.map((v) => `${v.other_ticket}-${v.ticket}`)
          .sort();
        return JSON.stringify(ab) === JSON.stringify(ba);
      }),
      { numRuns: 100 },
    );
  });
});

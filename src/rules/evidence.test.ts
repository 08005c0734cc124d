/** The evidence every violation carries (evidence.ts): first breach, worst value, limit, positions, deals. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runFamily } from '../../test/factories/family.ts';
import { balanceOp, deal, history, roundTrip, snap } from '../../test/factories/history.ts';
import { EVIDENCE_IDS_MAX, evidence } from './evidence.ts';
import { evaluate } from './index.ts';
import { parseRule } from './registry.ts';

const tickets = (deals: Array<{ ticket: number }>) => deals.map((d) => d.ticket);

describe('max_loss evidence', () => {
  it('static: first breach, the worst equity, the floor less tolerance, the open position and the deals before the breach', () => {
    const closed = roundTrip(1, '2026-01-12T09:00:00.000Z', '2026-01-12T10:00:00.000Z', -1000);
    const opened = deal('2026-01-12T11:00:00.000Z', { position_id: 2 });
    const later = roundTrip(3, '2026-01-12T15:00:00.000Z', '2026-01-12T15:30:00.000Z', 0);
    const h = history(
      [...closed, opened, ...later],
      [
        snap('2026-01-12T12:00:00.000Z', 99_000, 89_999.99),
        snap('2026-01-12T13:00:00.000Z', 99_000, 88_500),
        snap('2026-01-12T14:00:00.000Z', 99_000, 95_000),
      ],
    );
    const [v] = runFamily(h, { type: 'max_loss', pct: 10, tolerance: 0.01 }).violations;
    // 89,999.99 is not below 90,000 − 0.01; 88,500 is.
    expect(v).toMatchObject({
      timestamp: '2026-01-12T13:00:00.000Z',
      first_breach_time: '2026-01-12T13:00:00.000Z',
      worst_value: 88_500,
      worst_time: '2026-01-12T13:00:00.000Z',
      limit: 89_999.99,
      floor: 90_000,
      unit: 'money',
      positions: [2],
      deals: tickets([...closed, opened]),
    });
  });

  it('intraday balance trail: the deals booked since the peak that set the floor, not before', () => {
    const win = roundTrip(1, '2026-01-12T09:00:00.000Z', '2026-01-12T10:00:00.000Z', 5000);
    const loss = roundTrip(2, '2026-01-12T11:00:00.000Z', '2026-01-12T12:00:00.000Z', -11_000);
    const [v] = runFamily(history([...win, ...loss]), {
      type: 'max_loss',
      pct: 10,
      basis: 'intraday_balance_trail',
    }).violations;
    // Peak 105,000 at 10:00: floor 95,000; the close at 94,000 breaches it.
    expect(v).toMatchObject({
      first_breach_time: '2026-01-12T12:00:00.000Z',
      worst_value: 94_000,
      limit: 95_000,
      positions: [],
      deals: tickets([win[1]!, ...loss]),
    });
  });

  it('a deposit is never among the deals of a drawdown', () => {
    const dep = balanceOp('2026-01-12T08:00:00.000Z', 10_000);
    const loss = roundTrip(1, '2026-01-12T09:00:00.000Z', '2026-01-12T10:00:00.000Z', -10_500);
    const [v] = runFamily(history([dep, ...loss]), { type: 'max_loss', pct: 10 }).violations;
    expect(v).toMatchObject({ limit: 100_000, worst_value: 99_500, deals: tickets(loss) });
  });
});

describe('daily_loss evidence', () => {
  it("the day's deals to the breach, and the opening of a position carried over the reset", () => {
    // Prague midnight is 23:00 UTC in winter: the position opened on the 12th floats into the 13th.
    const carried = deal('2026-01-12T20:00:00.000Z', { position_id: 1 });
    const today = roundTrip(2, '2026-01-13T08:00:00.000Z', '2026-01-13T09:00:00.000Z', -3000);
    const after = roundTrip(3, '2026-01-13T14:00:00.000Z', '2026-01-13T14:30:00.000Z', 0);
    const h = history(
      [carried, ...today, ...after],
      [snap('2026-01-13T10:00:00.000Z', 97_000, 94_900), snap('2026-01-13T11:00:00.000Z', 97_000, 94_000)],
    );
    const [v] = runFamily(h, { type: 'daily_loss', pct: 5 }).violations;
    expect(v).toMatchObject({
      first_breach_time: '2026-01-13T10:00:00.000Z',
      worst_value: 94_000,
      worst_time: '2026-01-13T11:00:00.000Z',
      limit: 95_000,
      unit: 'money',
      positions: [1],
      deals: tickets([carried, ...today]),
    });
  });
});

describe('min_trade_duration evidence', () => {
  it('any: the held seconds against the limit less tolerance, with the position and its deals', () => {
    const h = history(roundTrip(7, '2026-01-12T09:00:00.000Z', '2026-01-12T09:02:00.000Z', 10));
    const [v] = runFamily(h, { type: 'min_trade_duration', seconds: 240, tolerance_seconds: 5 }).violations;
    expect(v).toMatchObject({
      first_breach_time: '2026-01-12T09:02:00.000Z',
      worst_value: 120,
      worst_time: '2026-01-12T09:02:00.000Z',
      limit: 235,
      unit: 'seconds',
      positions: [7],
      deals: tickets(h.deals),
    });
  });

  it('share_of_trades: the threshold in percent, the short positions and their deals', () => {
    const short = roundTrip(1, '2026-01-12T09:00:00.000Z', '2026-01-12T09:01:00.000Z', 10);
    const long = roundTrip(2, '2026-01-12T10:00:00.000Z', '2026-01-12T11:00:00.000Z', 10);
    const [v] = runFamily(history([...short, ...long]), {
      type: 'min_trade_duration',
      seconds: 240,
      aggregation: 'share_of_trades',
      threshold_pct: 40,
    }).violations;
    expect(v).toMatchObject({
      worst_value: 100,
      worst_time: '2026-01-12T09:01:00.000Z',
      limit: 40,
      unit: 'percent',
      positions: [1],
      deals: tickets(short),
    });
  });
});

describe('news_window and weekend_flat evidence', () => {
  it('news: the distance from the release against the window on that side', () => {
    const h = history(roundTrip(1, '2026-01-12T13:29:00.000Z', '2026-01-12T15:00:00.000Z', 10));
    const [v] = runFamily(
      h,
      { type: 'news_window', minutes_before: 2, minutes_after: 5 },
      { calendar: [{ time: '2026-01-12T13:30:00.000Z', title: 'NFP' }] },
    ).violations;
    expect(v).toMatchObject({
      first_breach_time: '2026-01-12T13:29:00.000Z',
      worst_value: 60,
      limit: 120,
      unit: 'seconds',
      positions: [1],
      deals: [h.deals[0]!.ticket],
    });
  });

  it('weekend: the seconds held into the break against a limit of 0', () => {
    // Friday 2026-01-16; the default break starts Friday 21:00 Prague (20:00 UTC in winter).
    const h = history(roundTrip(1, '2026-01-16T19:00:00.000Z', '2026-01-16T20:30:00.000Z', 10));
    const [v] = runFamily(h, { type: 'weekend_flat' }).violations;
    expect(v).toMatchObject({
      first_breach_time: '2026-01-16T20:00:00.000Z',
      worst_value: 1800,
      worst_time: '2026-01-16T20:30:00.000Z',
      unit: 'seconds',
      limit: 0,
      positions: [1],
      deals: tickets(h.deals),
    });
  });
});

describe('evidence lists', () => {
  it('keep the latest thousand ids and say how many there were', () => {
    const ids = Array.from({ length: 2500 }, (_, i) => i + 1);
    const e = evidence({
      firstMs: 0,
      worstValue: 1,
      worstMs: 0,
      limit: 0,
      unit: 'money',
      positions: [1, 2],
      deals: ids,
    });
    expect(e.deals).toHaveLength(EVIDENCE_IDS_MAX);
    expect(e.deals[0]).toBe(1501);
    expect(e.deals.at(-1)).toBe(2500);
    expect(e.positions).toEqual([1, 2]);
    expect(e.evidence_truncated).toEqual({ positions: 2, deals: 2500 });
    expect(
      evidence({ firstMs: 0, worstValue: 1, worstMs: 0, limit: 0, unit: 'money', positions: [], deals: [1] }),
    ).not.toHaveProperty('evidence_truncated');
  });
});

describe('property: every violation of every family carries well-formed evidence about this history', () => {
  const rules = [
    { type: 'max_loss', pct: 3, basis: 'intraday_equity_trail' },
    { type: 'daily_loss', pct: 2 },
    { type: 'min_trade_duration', seconds: 600 },
    { type: 'max_lots_per_order', lots: 2 },
    { type: 'max_open_positions', count: 2 },
    { type: 'max_daily_trades', count: 3 },
    { type: 'inactivity', days: 2 },
    { type: 'weekend_flat' },
    { type: 'stop_loss_required' },
  ].map((r) => parseRule(r));
  const UNITS = ['money', 'percent', 'seconds', 'lots', 'positions', 'trades', 'days'];
  it('holds on random histories', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            startMin: fc.integer({ min: 0, max: 14 * 24 * 60 }),
            holdMin: fc.integer({ min: 1, max: 3000 }),
            profit: fc.integer({ min: -2000, max: 2000 }),
            volume: fc.integer({ min: 1, max: 30 }),
            sl: fc.boolean(),
          }),
          { minLength: 1, maxLength: 25 },
        ),
        (specs) => {
          const base = Date.parse('2026-01-12T00:00:00.000Z');
          const deals = specs
            .flatMap((s, i) =>
              roundTrip(
                i + 1,
                new Date(base + s.startMin * 60_000).toISOString(),
                new Date(base + (s.startMin + s.holdMin) * 60_000).toISOString(),
                s.profit,
                { volume: s.volume / 10, sl: s.sl ? 1.09 : 0 },
              ),
            )
            .sort((a, b) => a.time.localeCompare(b.time) || a.ticket - b.ticket);
          const h = history(deals);
          const ticketsIn = new Set(deals.map((d) => d.ticket));
          const positionsIn = new Set(deals.map((d) => d.position_id));
          const r = evaluate(h, rules, { hash: false });
          for (const v of r.violations) {
            expect(Number.isFinite(Date.parse(v.first_breach_time)), v.rule).toBe(true);
            expect(Number.isFinite(Date.parse(v.worst_time)), v.rule).toBe(true);
            expect(Number.isFinite(v.worst_value) && Number.isFinite(v.limit), v.rule).toBe(true);
            expect(UNITS, v.rule).toContain(v.unit);
            for (const t of v.deals) expect(ticketsIn.has(t), v.rule).toBe(true);
            for (const p of v.positions) expect(positionsIn.has(p), v.rule).toBe(true);
            // Ceilings breach above their limit, floors below theirs (default comparators).
            if (
              [
                'max_lots_per_order',
                'max_open_positions',
                'max_daily_trades',
                'inactivity',
                'minimum_trade_duration',
              ].includes(v.rule)
            ) {
              const beyond = v.rule === 'minimum_trade_duration' ? v.worst_value < v.limit : v.worst_value > v.limit;
              expect(beyond, `${v.rule} ${v.worst_value} vs ${v.limit}`).toBe(true);
            }
            if (v.rule === 'maximum_drawdown' || v.rule === 'maximum_daily_loss')
              expect(v.worst_value, v.rule).toBeLessThan(v.limit);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

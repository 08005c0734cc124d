/**
 * The live evaluator's loss limits between deals, basis by basis: the figures after equity-only
 * readings (and a deal or an older reading among them), and that none of them runs the batch engine
 * (evaluateWithLimits, which the evaluator keeps for M1-bound histories only). Days here: Monday
 * 2 March 2026; Prague is UTC+1, Chicago UTC−6.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { balanceOp, deal, history } from '../../test/factories/history.ts';
import type { EquitySnapshot, OpenPosition } from '../mt5/history.ts';
import * as engine from './evaluate.ts';
import { createLiveEvaluator, type Observation } from './live.ts';
import { parseRule } from './registry.ts';

vi.mock('./evaluate.ts', async (original) => {
  const actual = await original<typeof import('./evaluate.ts')>();
  return { ...actual, evaluateWithLimits: vi.fn(actual.evaluateWithLimits) };
});
const passes = () => vi.mocked(engine.evaluateWithLimits).mock.calls.length;
beforeEach(() => {
  vi.mocked(engine.evaluateWithLimits).mockClear();
});

const snap = (time: string, equity: number, balance = 100_000): EquitySnapshot => ({ time, balance, equity });
const reading = (time: string, equity: number): Observation => ({
  deals: [],
  equity: snap(time, equity),
  positions: null,
});
const position = (ticket: number): OpenPosition => ({
  ticket,
  symbol: 'EURUSD',
  type: 'buy',
  volume: 1,
  open_price: 1.1,
  current_price: 1.1,
  swap: 0,
  profit: 0,
  open_time: '2026-03-02T07:30:00.000Z',
});
const seed = history([], [snap('2026-03-02T07:00:00.000Z', 100_000)]);
const room = (rule: string, floor: number, allowed: number, used_percent: number, day: string | null = null) => ({
  rule,
  floor,
  allowed,
  used_percent,
  day,
});

describe('loss limits between deals', () => {
  it('static: the floor stays at the initial capital less the buffer', () => {
    const live = createLiveEvaluator(seed, [parseRule({ type: 'max_loss', pct: 10 })]);
    expect(live.limits()).toEqual([room('maximum_drawdown', 90_000, 10_000, 0)]);
    for (const [time, equity] of [
      ['2026-03-02T09:00:00.000Z', 97_000],
      ['2026-03-02T10:00:00.000Z', 95_000],
    ] as const) {
      live.apply(reading(time, equity));
      expect(live.breached()).toBe(false);
    }
    expect(live.limits()).toEqual([room('maximum_drawdown', 90_000, 10_000, 50)]);
    expect(passes()).toBe(0);
  });

  it('intraday equity trail, buffer a share of the peak: the floor follows the best equity and never falls', () => {
    const rules = [
      parseRule({ type: 'max_loss', pct: 10, basis: 'intraday_equity_trail', amount_mode: 'pct_of_peak' }),
    ];
    const live = createLiveEvaluator(seed, rules);
    live.limits();
    live.apply(reading('2026-03-02T08:00:00.000Z', 104_000));
    live.apply(reading('2026-03-02T09:00:00.000Z', 101_000));
    // Peak 104,000, buffer 10 % of it: floor 93,600; 3,000 of 10,400 used.
    expect(live.limits()).toEqual([room('maximum_drawdown', 93_600, 10_400, 28.85)]);
    expect(passes()).toBe(0);
  });

  it('intraday balance trail locked at the initial capital: a close booked without a reading raises the peak at the next one', () => {
    const rules = [parseRule({ type: 'max_loss', pct: 6, basis: 'intraday_balance_trail', lock_at_initial: true })];
    const opened = history(
      [deal('2026-03-02T07:30:00.000Z', { position_id: 1 }), deal('2026-03-02T07:31:00.000Z', { position_id: 2 })],
      [snap('2026-03-02T07:00:00.000Z', 100_000)],
    );
    opened.positions = [position(1), position(2)];
    const live = createLiveEvaluator(opened, rules);
    live.limits();
    const close = deal('2026-03-02T08:00:00.000Z', { position_id: 1, entry: 'out', type: 'sell', profit: 8_000 });
    live.apply({ deals: [close], equity: null, positions: [position(2)] });
    live.limits();
    live.apply(reading('2026-03-02T08:05:00.000Z', 108_000));
    // Best closed balance 108,000 − 6,000 = 102,000, locked at 100,000.
    expect(live.limits()).toEqual([room('maximum_drawdown', 100_000, 8_000, 0)]);
    live.apply(reading('2026-03-02T08:10:00.000Z', 104_000));
    expect(live.limits()).toEqual([room('maximum_drawdown', 100_000, 8_000, 50)]);
    expect(passes()).toBe(0);
  });

  it('end-of-day balance trail (Chicago 17:00): the closed balance raises the peak only once the reset passes', () => {
    const rules = [
      parseRule({
        type: 'max_loss',
        pct: 4,
        basis: 'eod_balance_trail',
        lock_at_initial: true,
        reset_tz: 'America/Chicago',
        reset_time: '17:00',
      }),
    ];
    const live = createLiveEvaluator(history([], [snap('2026-03-02T15:00:00.000Z', 100_000)]), rules);
    const trip = [
      deal('2026-03-02T16:00:00.000Z', { position_id: 1 }),
      deal('2026-03-02T16:00:00.000Z', { position_id: 1, entry: 'out', type: 'sell', profit: 3_000 }),
    ];
    live.apply({ deals: trip, equity: snap('2026-03-02T16:00:00.000Z', 103_000), positions: [] });
    live.limits();
    live.apply(reading('2026-03-02T20:00:00.000Z', 103_500));
    expect(live.limits()).toEqual([room('maximum_drawdown', 96_000, 4_000, 0)]);
    // 17:30 Chicago: the day closed at 103,000, so the floor is 99,000 (under the lock at 100,000).
    live.apply(reading('2026-03-02T23:30:00.000Z', 102_000));
    expect(live.limits()).toEqual([room('maximum_drawdown', 99_000, 4_000, 25)]);
    expect(passes()).toBe(0);
  });

  it('measured on balance: floating losses do not use the room', () => {
    const live = createLiveEvaluator(seed, [parseRule({ type: 'max_loss', pct: 10, measured_on: 'balance' })]);
    live.limits();
    live.apply(reading('2026-03-02T09:00:00.000Z', 85_000));
    expect(live.limits()).toEqual([room('maximum_drawdown', 90_000, 10_000, 0)]);
    expect(live.breached()).toBe(false);
    expect(passes()).toBe(0);
  });

  it('daily loss: a reading past the Prague midnight starts the day from its closed balance or its equity', () => {
    const balanceAnchor = parseRule({ type: 'daily_loss', pct: 5 });
    const equityAnchor = parseRule({ type: 'daily_loss', pct: 5, anchor: 'day_start_equity' });
    const live = createLiveEvaluator(seed, [balanceAnchor, equityAnchor]);
    live.apply({
      deals: [deal('2026-03-02T08:00:00.000Z', { position_id: 1 })],
      equity: snap('2026-03-02T08:00:00.000Z', 100_000),
      positions: [position(1)],
    });
    live.limits();
    live.apply(reading('2026-03-02T22:00:00.000Z', 97_000));
    expect(live.limits()).toEqual([
      room('maximum_daily_loss', 95_000, 5_000, 60, '2026-03-02'),
      room('maximum_daily_loss', 95_000, 5_000, 60, '2026-03-02'),
    ]);
    live.apply(reading('2026-03-03T00:30:00.000Z', 97_000));
    // The floating 3,000 carries into Tuesday against the balance anchor; the equity anchor starts at 97,000.
    expect(live.limits()).toEqual([
      room('maximum_daily_loss', 95_000, 5_000, 60, '2026-03-03'),
      room('maximum_daily_loss', 92_000, 5_000, 0, '2026-03-03'),
    ]);
    expect(passes()).toBe(0);
  });

  it('daily loss on the intraday equity peak, a share of it: a deposit moves the anchor with it', () => {
    const rules = [parseRule({ type: 'daily_loss', pct: 5, anchor: 'intraday_equity_peak', amount: 'pct_of_anchor' })];
    const live = createLiveEvaluator(seed, rules);
    live.apply({ deals: [balanceOp('2026-03-02T08:00:00.000Z', 10_000)], equity: null, positions: [] });
    live.limits();
    live.apply(reading('2026-03-02T09:00:00.000Z', 112_000));
    live.apply(reading('2026-03-02T10:00:00.000Z', 109_200));
    // Peak 102,000 in trading terms (112,000 less the deposit): anchor 112,000, 5 % of 102,000 = 5,100.
    expect(live.limits()).toEqual([room('maximum_daily_loss', 106_900, 5_100, 54.9, '2026-03-02')]);
    expect(passes()).toBe(0);
  });

  it('a hard limit crossed breaches at that reading with the violation and its evidence; a soft one does not breach', () => {
    const hard = createLiveEvaluator(seed, [parseRule({ type: 'max_loss', pct: 10 })]);
    hard.limits();
    hard.apply(reading('2026-03-02T09:00:00.000Z', 89_000));
    expect(hard.breached()).toBe(true);
    expect(passes()).toBe(0);
    expect(hard.evaluation().violations.map((v) => [v.rule, v.timestamp, v.equity])).toEqual([
      ['maximum_drawdown', '2026-03-02T09:00:00.000Z', 89_000],
    ]);
    expect(passes()).toBe(0);
    hard.apply(reading('2026-03-02T10:00:00.000Z', 99_000));
    expect(hard.breached()).toBe(true);
    expect(passes()).toBe(0);

    const soft = createLiveEvaluator(seed, [parseRule({ type: 'daily_loss', pct: 5, severity: 'soft_pause' })]);
    soft.limits();
    soft.apply(reading('2026-03-02T09:00:00.000Z', 94_000));
    expect(soft.breached()).toBe(false);
    expect(soft.limits()[0]!.used_percent).toBe(120);
    expect(passes()).toBe(0);
  });

  it('a reading older than the last one is placed where the batch pass places it', () => {
    const live = createLiveEvaluator(seed, [parseRule({ type: 'max_loss', pct: 10, basis: 'intraday_equity_trail' })]);
    live.limits();
    live.apply(reading('2026-03-02T09:00:00.000Z', 101_000));
    live.apply(reading('2026-03-02T08:00:00.000Z', 104_000));
    // The last point is still the 09:00 reading; the earlier one raised the peak behind it.
    expect(live.limits()).toEqual([room('maximum_drawdown', 94_000, 10_000, 30)]);
    expect(passes()).toBe(0);
  });
});

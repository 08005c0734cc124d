import { describe, expect, it } from 'vitest';
import { deal, history } from '../../test/factories/history.ts';
import type { AccountHistory, Deal, EquitySnapshot } from '../mt5/history.ts';
import { evaluate } from './evaluate.ts';
import { createLiveEvaluator, type Observation } from './live.ts';
import { parseRule, type RuleSpec } from './registry.ts';

const rules: RuleSpec[] = [
  parseRule({ type: 'max_loss', pct: 10 }),
  parseRule({ type: 'daily_loss', pct: 5 }),
  parseRule({ type: 'profit_target', pct: 10 }),
];

const snap = (time: string, balance: number, equity: number): EquitySnapshot => ({ time, balance, equity });

/** The history a live evaluator has seen: the seed plus every observation. */
function grown(seed: AccountHistory, seen: Observation[]): AccountHistory {
  const last = [...seen].reverse().find((o) => o.positions)?.positions;
  return {
    ...seed,
    deals: [...seed.deals, ...seen.flatMap((o) => o.deals)],
    equity: [...(seed.equity ?? []), ...seen.flatMap((o) => (o.equity ? [o.equity] : []))],
    positions: last ?? seed.positions ?? [],
  };
}

describe('createLiveEvaluator', () => {
  const seed = history([], [snap('2026-03-02T07:00:00.000Z', 100_000, 100_000)]);
  // Monday 2 March 2026, Prague = UTC+1: a position opens, floats down, is closed at a loss the next day.
  const steps: Observation[] = [
    {
      deals: [deal('2026-03-02T08:00:00.000Z', { position_id: 7 })],
      equity: snap('2026-03-02T08:00:00.000Z', 100_000, 100_000),
      positions: null,
    },
    { deals: [], equity: snap('2026-03-02T09:00:00.000Z', 100_000, 97_500), positions: null },
    { deals: [], equity: snap('2026-03-02T10:00:00.000Z', 100_000, 96_000), positions: null },
    {
      deals: [deal('2026-03-03T08:30:00.000Z', { position_id: 7, entry: 'out', type: 'sell', profit: -3_000 })],
      equity: snap('2026-03-03T08:30:00.000Z', 97_000, 97_000),
      positions: [],
    },
    { deals: [], equity: snap('2026-03-03T09:00:00.000Z', 97_000, 97_000), positions: null },
  ];

  it('after every observation equals the batch evaluation of the history so far', () => {
    const live = createLiveEvaluator(seed, rules);
    for (let i = 0; i < steps.length; i++) {
      live.apply(steps[i]!);
      const batch = evaluate(grown(seed, steps.slice(0, i + 1)), rules, { hash: false });
      expect(live.evaluation()).toEqual(batch);
      expect(live.breached()).toBe(batch.outcome === 'breached');
    }
  });

  it('reports the room each loss limit has used, per trading day for the daily limit', () => {
    const live = createLiveEvaluator(seed, rules);
    const used = () => Object.fromEntries(live.limits().map((l) => [l.rule, l]));
    live.apply(steps[0]!);
    live.apply(steps[1]!);
    expect(used().maximum_drawdown).toEqual({
      rule: 'maximum_drawdown',
      floor: 90_000,
      allowed: 10_000,
      used_percent: 25,
      day: null,
    });
    expect(used().maximum_daily_loss).toEqual({
      rule: 'maximum_daily_loss',
      floor: 95_000,
      allowed: 5_000,
      used_percent: 50,
      day: '2026-03-02',
    });
    live.apply(steps[2]!);
    expect(used().maximum_daily_loss!.used_percent).toBe(80);
    // The next Prague day: the anchor is its start balance (100,000: the loss was still floating), and
    // the loss realized that morning uses 60 % of the new day's room; the maximum loss sees 30 %.
    live.apply(steps[3]!);
    expect(used().maximum_daily_loss).toMatchObject({ day: '2026-03-03', floor: 95_000, used_percent: 60 });
    expect(used().maximum_drawdown!.used_percent).toBe(30);
    expect(live.breached()).toBe(false);
  });

  it('a reading past the floor breaches, with the check violation, and the room used is over 100 %', () => {
    const live = createLiveEvaluator(seed, rules);
    live.apply(steps[0]!);
    live.apply({ deals: [], equity: snap('2026-03-02T11:00:00.000Z', 100_000, 94_000), positions: null });
    expect(live.breached()).toBe(true);
    const daily = live.limits().find((l) => l.rule === 'maximum_daily_loss')!;
    expect(daily.used_percent).toBe(120);
    expect(live.evaluation().violations.map((v) => [v.rule, v.timestamp])).toEqual([
      ['maximum_daily_loss', '2026-03-02T11:00:00.000Z'],
    ]);
  });

  it('follows a trailing peak: the floor rises with equity (a buffer of 10 % of the initial capital)', () => {
    const trailing = [parseRule({ type: 'max_loss', pct: 10, basis: 'intraday_equity_trail' })];
    const live = createLiveEvaluator(seed, trailing);
    live.apply({ deals: [], equity: snap('2026-03-02T08:00:00.000Z', 100_000, 104_000), positions: null });
    live.apply({ deals: [], equity: snap('2026-03-02T09:00:00.000Z', 100_000, 101_000), positions: null });
    expect(live.limits()).toEqual([
      { rule: 'maximum_drawdown', floor: 94_000, allowed: 10_000, used_percent: 30, day: null },
    ]);
  });
});

describe('min_trade_duration on the live path', () => {
  it('judges closes at one instant in the batch order (position id), whatever their tickets', () => {
    const rules = [
      parseRule({
        type: 'min_trade_duration',
        seconds: 240,
        aggregation: 'share_of_trades',
        threshold_pct: 50,
        threshold_comparator: 'gte',
      }),
    ];
    const seed = history([
      deal('2026-03-02T08:00:00.000Z', { position_id: 1 }),
      deal('2026-03-02T09:59:00.000Z', { position_id: 2 }),
    ]);
    const live = createLiveEvaluator(seed, rules);
    // Both close at 10:00: position 2 after a minute (short) on the lower ticket, position 1 after two hours.
    const closes = [
      deal('2026-03-02T10:00:00.000Z', { position_id: 2, entry: 'out', type: 'sell', profit: 10 }),
      deal('2026-03-02T10:00:00.000Z', { position_id: 1, entry: 'out', type: 'sell', profit: 10 }),
    ];
    live.apply({ deals: closes, equity: null, positions: [] });
    const batch = evaluate({ ...seed, deals: [...seed.deals, ...closes] }, rules, { hash: false });
    const [v] = batch.violations;
    // In position order the share is 0 %, then 50 %: its worst is 50, not the 100 of ticket order.
    expect(v).toMatchObject({ worst_value: 50 });
    expect(live.evaluation()).toEqual(batch);
  });
});

describe('max_risk_per_trade_pct on the live path', () => {
  it('judges a position again as it is scaled into, reversed and closed, as the batch pass does', () => {
    const rules = [parseRule({ type: 'max_risk_per_trade_pct', pct: 1 })];
    const seed = {
      ...history([]),
      symbols: { EURUSD: { contract_size: 100_000, point: 0.00001, profit_currency: 'USD' } },
    };
    const live = createLiveEvaluator(seed, rules);
    // 0.5 lot risking 500 (0.5 %), scaled to 1.5 lots at 1.10333 risking 2,000 (2 %), reversed by an
    // in/out deal into a 0.5 lot short without a stop loss, then closed.
    const steps: Deal[][] = [
      [deal('2026-03-02T08:00:00.000Z', { position_id: 4, volume: 0.5, price: 1.1, sl: 1.09 })],
      [deal('2026-03-02T08:05:00.000Z', { position_id: 4, volume: 1, price: 1.105, sl: 1.09 })],
      [deal('2026-03-02T08:10:00.000Z', { position_id: 4, volume: 2, price: 1.1, type: 'sell', entry: 'inout' })],
      [deal('2026-03-02T08:15:00.000Z', { position_id: 4, volume: 0.5, price: 1.1, type: 'buy', entry: 'out' })],
    ];
    const seen: Deal[] = [];
    const risks: unknown[] = [];
    for (const deals of steps) {
      live.apply({ deals, equity: null, positions: null });
      seen.push(...deals);
      const batch = evaluate({ ...seed, deals: [...seen] }, rules, { hash: false });
      expect(live.evaluation()).toEqual(batch);
      expect(live.breached()).toBe(batch.outcome === 'breached');
      risks.push(batch.metrics.max_risk_per_trade_percent);
    }
    expect(risks).toEqual([0.5, 2, 2, 2]);
  });
});

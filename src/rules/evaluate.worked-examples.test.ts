/** The worked examples and pitfalls of reference/rules.md §4 and §7, as facts. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { balanceOp, deal, history, roundTrip, snap } from '../../test/factories/history.ts';
import { evaluate } from './evaluate.ts';
import { flatRulesToSpecs } from './flat.ts';
import { type RuleSpec, parseRule as rule } from './registry.ts';

const maxLoss = (comparator: 'lt' | 'lte' = 'lt', tolerance = 0): RuleSpec =>
  rule({ type: 'max_loss', pct: 10, basis: 'static', amount_mode: 'pct_of_initial', comparator, tolerance });
const dailyLoss: RuleSpec = rule({
  type: 'daily_loss',
  pct: 5,
  anchor: 'day_start_balance',
  amount: 'pct_of_initial',
  reset_tz: 'Europe/Prague',
  reset_time: '00:00',
});
const target: RuleSpec = rule({ type: 'profit_target', pct: 10 });
const duration: RuleSpec = rule({ type: 'min_trade_duration', seconds: 240 });

describe('maximum loss (static, T3)', () => {
  it('breaches at equity 89,999 with balance 92,000 and floating −2,001', () => {
    const h = history(
      [...roundTrip(1, '2026-01-12T08:00:00.000Z', '2026-01-12T09:00:00.000Z', -8000)],
      [snap('2026-01-12T10:00:00.000Z', 92_000, 89_999)],
    );
    const r = evaluate(h, [maxLoss()]);
    expect(r.violations).toHaveLength(1);
    expect(r.violations[0]).toMatchObject({
      rule: 'maximum_drawdown',
      timestamp: '2026-01-12T10:00:00.000Z',
      equity: 89_999,
      floor: 90_000,
      drawdown_percent: 10,
    });
    expect(r.outcome).toBe('breached');
  });

  it('does not breach at exactly 90,000 under "drops below" (lt), but does under lte', () => {
    const h = history(roundTrip(1, '2026-01-12T08:00:00.000Z', '2026-01-12T09:00:00.000Z', -8000), [
      snap('2026-01-12T10:00:00.000Z', 92_000, 90_000),
    ]);
    expect(evaluate(h, [maxLoss('lt')]).violations).toHaveLength(0);
    expect(evaluate(h, [maxLoss('lte')]).violations).toHaveLength(1);
  });

  it('applies a cent tolerance', () => {
    const h = history(roundTrip(1, '2026-01-12T08:00:00.000Z', '2026-01-12T09:00:00.000Z', -8000), [
      snap('2026-01-12T10:00:00.000Z', 92_000, 89_999.99),
    ]);
    expect(evaluate(h, [maxLoss('lt', 0.01)]).violations).toHaveLength(0);
    expect(evaluate(h, [maxLoss('lt', 0)]).violations).toHaveLength(1);
  });

  it('seeds the peak with the initial capital (T19): [80,000, 90,000] is a 20 % drawdown', () => {
    const h = history(
      [deal('2026-01-12T08:00:00.000Z')],
      [snap('2026-01-12T08:01:00.000Z', 100_000, 80_000), snap('2026-01-12T08:02:00.000Z', 100_000, 90_000)],
    );
    expect(evaluate(h, [maxLoss()]).metrics.max_drawdown_percent).toBe(20);
  });

  it('reports the first breach instant and the worst value separately', () => {
    const h = history(
      [deal('2026-01-12T08:00:00.000Z')],
      [
        snap('2026-01-12T09:00:00.000Z', 100_000, 89_000),
        snap('2026-01-12T09:05:00.000Z', 100_000, 85_000),
        snap('2026-01-12T09:10:00.000Z', 100_000, 99_000),
      ],
    );
    const v = evaluate(h, [maxLoss()]).violations[0]!;
    expect(v).toMatchObject({
      timestamp: '2026-01-12T09:00:00.000Z',
      equity: 89_000,
      worst_equity: 85_000,
      worst_time: '2026-01-12T09:05:00.000Z',
      drawdown_percent: 15,
    });
  });
});

describe('balance operations (T20)', () => {
  it('a withdrawal is not drawdown and a deposit does not hide one', () => {
    const withdrawal = history([
      balanceOp('2026-01-12T08:00:00.000Z', -20_000),
      ...roundTrip(1, '2026-01-12T09:00:00.000Z', '2026-01-12T10:00:00.000Z', 100),
    ]);
    const r = evaluate(withdrawal, [maxLoss(), dailyLoss]);
    expect(r.violations).toHaveLength(0);
    expect(r.metrics.max_drawdown_percent).toBe(0);
    expect(r.metrics.profit_percent).toBe(0.1);

    const deposit = history([
      balanceOp('2026-01-12T08:00:00.000Z', 50_000),
      ...roundTrip(1, '2026-01-12T09:00:00.000Z', '2026-01-12T10:00:00.000Z', -11_000),
    ]);
    const d = evaluate(deposit, [maxLoss()]);
    expect(d.violations.map((v) => v.rule)).toEqual(['maximum_drawdown']);
  });

  it('property: a deposit never creates drawdown', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: 0, max: 23 }), (cents, hour) => {
        const h = history([balanceOp(`2026-01-12T${String(hour).padStart(2, '0')}:00:00.000Z`, cents / 100)]);
        const r = evaluate(h, [maxLoss(), dailyLoss, target]);
        return r.violations.length === 0 && r.metrics.max_drawdown_percent === 0 && r.metrics.profit_percent === 0;
      }),
    );
  });
});

describe('daily loss from the day-start balance (T1, T13)', () => {
  // Day 1 closes at 102,000 (Prague day 2026-01-12); day 2 floor = 97,000.
  const day1 = roundTrip(1, '2026-01-12T08:00:00.000Z', '2026-01-12T15:00:00.000Z', 2000);

  it('breaches at 96,999.99 on day 2 after a 102,000 close, although the loss from IC is only 3 %', () => {
    const h = history(
      [...day1, deal('2026-01-13T08:00:00.000Z', { position_id: 2 })],
      [snap('2026-01-13T09:00:00.000Z', 102_000, 96_999.99)],
    );
    const r = evaluate(h, [maxLoss(), dailyLoss]);
    expect(r.violations.map((v) => v.rule)).toEqual(['maximum_daily_loss']);
    expect(r.violations[0]).toMatchObject({
      day: '2026-01-13',
      day_start_balance: 102_000,
      floor: 97_000,
      equity: 96_999.99,
    });
  });

  it('a day that closed at 97,000 moves the next floor to 92,000', () => {
    const h = history(
      [
        ...roundTrip(1, '2026-01-12T08:00:00.000Z', '2026-01-12T15:00:00.000Z', -3000),
        deal('2026-01-13T08:00:00.000Z', { position_id: 2 }),
      ],
      [snap('2026-01-13T09:00:00.000Z', 97_000, 92_500)],
    );
    expect(evaluate(h, [dailyLoss]).violations).toHaveLength(0);
    const worse = history(h.deals, [snap('2026-01-13T09:00:00.000Z', 97_000, 91_999)]);
    expect(evaluate(worse, [dailyLoss]).violations[0]).toMatchObject({ floor: 92_000 });
  });

  it('anchors on balance, not equity, at the reset (T13): floating −1,000 at midnight does not lower the floor', () => {
    // A position open across Prague midnight with equity 99,000; the floor stays 95,000.
    const h = history(
      [deal('2026-01-12T20:00:00.000Z', { position_id: 3 })],
      [snap('2026-01-12T23:00:00.000Z', 100_000, 99_000), snap('2026-01-13T08:00:00.000Z', 100_000, 95_000.5)],
    );
    const r = evaluate(h, [dailyLoss]);
    expect(r.violations).toHaveLength(0);
    expect(r.metrics.max_daily_loss_percent).toBe(5);
  });

  it('counts floating losses carried across the reset against the new day', () => {
    const h = history(
      [deal('2026-01-12T20:00:00.000Z', { position_id: 3 })],
      [snap('2026-01-12T22:30:00.000Z', 100_000, 96_000), snap('2026-01-12T23:30:00.000Z', 100_000, 94_900)],
    );
    const r = evaluate(h, [dailyLoss]);
    expect(r.violations[0]).toMatchObject({
      day: '2026-01-13',
      day_start_balance: 100_000,
      timestamp: '2026-01-12T23:30:00.000Z',
    });
  });

  it('buckets days at midnight Prague: 23:30 UTC in January is the next day, in July 22:30 UTC is', () => {
    // Loss of 3,000 closed 22:30 UTC on the 12th (Prague 23:30, day 12) and 3,000 at 23:30 UTC (Prague 00:30, day 13).
    const winter = history([
      ...roundTrip(1, '2026-01-12T21:00:00.000Z', '2026-01-12T22:30:00.000Z', -3000),
      ...roundTrip(2, '2026-01-12T23:10:00.000Z', '2026-01-12T23:30:00.000Z', -3000),
    ]);
    expect(evaluate(winter, [dailyLoss]).violations).toHaveLength(0);
    const summerSameUtcDay = history([
      ...roundTrip(1, '2026-07-12T20:00:00.000Z', '2026-07-12T21:30:00.000Z', -3000),
      ...roundTrip(2, '2026-07-12T21:40:00.000Z', '2026-07-12T21:50:00.000Z', -3000),
    ]);
    expect(evaluate(summerSameUtcDay, [dailyLoss]).violations).toHaveLength(1);
    const summerNextDay = history([
      ...roundTrip(1, '2026-07-12T20:00:00.000Z', '2026-07-12T21:30:00.000Z', -3000),
      ...roundTrip(2, '2026-07-12T22:10:00.000Z', '2026-07-12T22:30:00.000Z', -3000),
    ]);
    expect(evaluate(summerNextDay, [dailyLoss]).violations).toHaveLength(0);
  });

  it('moves the day boundary with DST (2026-03-29: 23:00 UTC before, 22:00 UTC after)', () => {
    const before = history([
      ...roundTrip(1, '2026-03-27T22:00:00.000Z', '2026-03-27T22:30:00.000Z', -3000),
      ...roundTrip(2, '2026-03-27T23:05:00.000Z', '2026-03-27T23:20:00.000Z', -3000),
    ]);
    expect(evaluate(before, [dailyLoss]).violations).toHaveLength(0); // 23:05 UTC = 00:05 CET, next day
    const after = history([
      ...roundTrip(1, '2026-03-30T21:00:00.000Z', '2026-03-30T21:30:00.000Z', -3000),
      ...roundTrip(2, '2026-03-30T22:05:00.000Z', '2026-03-30T22:20:00.000Z', -3000),
    ]);
    expect(evaluate(after, [dailyLoss]).violations).toHaveLength(0); // 22:05 UTC = 00:05 CEST, next day
    const afterSameDay = history([
      ...roundTrip(1, '2026-03-30T21:00:00.000Z', '2026-03-30T21:30:00.000Z', -3000),
      ...roundTrip(2, '2026-03-30T21:35:00.000Z', '2026-03-30T21:50:00.000Z', -3000),
    ]);
    expect(evaluate(afterSameDay, [dailyLoss]).violations[0]).toMatchObject({ day: '2026-03-30' });
  });

  it('honours a custom reset time: 17:00 New York', () => {
    const newYork = rule({ ...dailyLoss, reset_tz: 'America/New_York', reset_time: '17:00' });
    // 21:30 and 22:30 UTC on Jan 12 are 16:30 and 17:30 New York: two different trading days.
    const h = history([
      ...roundTrip(1, '2026-01-12T21:00:00.000Z', '2026-01-12T21:30:00.000Z', -3000),
      ...roundTrip(2, '2026-01-12T22:10:00.000Z', '2026-01-12T22:30:00.000Z', -3000),
    ]);
    expect(evaluate(h, [newYork]).violations).toHaveLength(0);
    expect(evaluate(h, [dailyLoss]).violations).toHaveLength(1);
  });
});

describe('profit target (T17)', () => {
  it('is not met with balance 109,900 and floating +600, and is met once closed at 110,500', () => {
    const open = history(
      [
        ...roundTrip(1, '2026-01-12T08:00:00.000Z', '2026-01-12T09:00:00.000Z', 9900),
        deal('2026-01-12T10:00:00.000Z', { position_id: 2 }),
      ],
      [snap('2026-01-12T11:00:00.000Z', 109_900, 110_500)],
    );
    const r = evaluate(open, [maxLoss(), target]);
    expect(r.metrics.profit_target_met).toBe(false);
    expect(r.outcome).toBe('objectives_not_met');
    expect(r.violations).toHaveLength(0);
    const closed = history([
      ...roundTrip(1, '2026-01-12T08:00:00.000Z', '2026-01-12T09:00:00.000Z', 9900),
      ...roundTrip(2, '2026-01-12T10:00:00.000Z', '2026-01-12T11:00:00.000Z', 600),
    ]);
    const c = evaluate(closed, [maxLoss(), target]);
    expect(c).toMatchObject({ status: 'passed', outcome: 'passed' });
    expect(c.metrics).toMatchObject({ current_balance: 110_500, profit_percent: 10.5, profit_target_met: true });
  });

  it('sums money to the cent: 1,000 deals of 0.10 + 0.20 make exactly 300.00', () => {
    const deals = Array.from({ length: 1000 }, (_, i) =>
      roundTrip(i + 1, '2026-01-12T08:00:00.000Z', '2026-01-12T09:00:00.000Z', 0.1, { commission: 0.2 }),
    ).flat();
    // commission applies on both deals of each trip: 0.1 + 0.2 + 0.2 = 0.5 per trip
    expect(evaluate(history(deals), [target]).metrics.current_balance).toBe(100_500);
  });
});

describe('minimum trade duration (T15)', () => {
  const dur = (open: string, close: string) => evaluate(history(roundTrip(7, open, close, 10)), [duration]);

  it('flags 225 s with the guide’s description and allows exactly 240 s', () => {
    const r = dur('2026-01-16T08:00:00.000Z', '2026-01-16T08:03:45.000Z');
    expect(r.violations[0]).toMatchObject({
      rule: 'minimum_trade_duration',
      description: 'Position held for 3m 45s (minimum: 4m)',
      ticket: 7,
      symbol: 'EURUSD',
      duration_seconds: 225,
    });
    expect(r.metrics.trades_under_4min).toBe(1);
    expect(dur('2026-01-16T08:00:00.000Z', '2026-01-16T08:04:00.000Z').violations).toHaveLength(0);
  });

  it('uses millisecond precision: 239.999 s is a violation', () => {
    expect(dur('2026-01-16T08:00:00.000Z', '2026-01-16T08:03:59.999Z').violations[0]).toMatchObject({
      duration_seconds: 239.999,
    });
  });

  it('measures to the last exit of a partially closed position', () => {
    const h = history([
      deal('2026-01-16T08:00:00.000Z', { position_id: 9, volume: 2 }),
      deal('2026-01-16T08:02:00.000Z', { position_id: 9, entry: 'out', type: 'sell', volume: 1, profit: 5 }),
      deal('2026-01-16T08:10:00.000Z', { position_id: 9, entry: 'out', type: 'sell', volume: 1, profit: 5 }),
    ]);
    expect(evaluate(h, [duration]).violations).toHaveLength(0);
  });

  it('treats OUT_BY as an exit and does not judge open positions', () => {
    const h = history([
      deal('2026-01-16T08:00:00.000Z', { position_id: 1 }),
      deal('2026-01-16T08:00:10.000Z', { position_id: 2, type: 'sell' }),
      deal('2026-01-16T08:01:00.000Z', { position_id: 1, entry: 'out_by', type: 'sell' }),
      deal('2026-01-16T08:01:00.000Z', { position_id: 2, entry: 'out_by', type: 'buy' }),
      deal('2026-01-16T08:02:00.000Z', { position_id: 3 }),
    ]);
    const r = evaluate(h, [duration]);
    expect(r.violations.map((v) => v.ticket).sort()).toEqual([1, 2]);
    expect(r.metrics.total_trades).toBe(2);
  });
});

describe('minimum trading days', () => {
  it('counts days with an opened position in the firm’s zone, once per day', () => {
    const h = history([
      ...roundTrip(1, '2026-01-12T08:00:00.000Z', '2026-01-14T08:00:00.000Z', 10), // held 2 days: counts once
      ...roundTrip(2, '2026-01-12T23:30:00.000Z', '2026-01-12T23:50:00.000Z', 10), // Prague Jan 13
      ...roundTrip(3, '2026-01-15T08:00:00.000Z', '2026-01-15T09:00:00.000Z', 10),
    ]);
    const r = evaluate(h, [rule({ type: 'min_trading_days', days: 4, reset_tz: 'Europe/Prague' })]);
    expect(r.objectives).toEqual([{ rule: 'min_trading_days', target: 4, current: 3, met: false }]);
    expect(r.outcome).toBe('objectives_not_met');
  });
});

describe('determinism and order', () => {
  it('property: reordering deals that share a millisecond changes nothing', () => {
    const base = [
      ...roundTrip(1, '2026-01-12T08:00:00.000Z', '2026-01-12T08:10:00.000Z', -4000),
      ...roundTrip(2, '2026-01-12T08:00:00.000Z', '2026-01-12T08:10:00.000Z', 1500),
      ...roundTrip(3, '2026-01-12T08:10:00.000Z', '2026-01-12T08:20:00.000Z', -2600),
    ];
    const rules = flatRulesToSpecs({});
    const expected = JSON.stringify(evaluate(history(base), rules));
    fc.assert(
      fc.property(
        fc.shuffledSubarray(base, { minLength: base.length, maxLength: base.length }),
        (shuffled) => JSON.stringify(evaluate(history(shuffled), rules)) === expected,
      ),
    );
  });
});

describe('pitfalls of rules.md §7', () => {
  it('counts entry commissions and swaps in balance and trade P/L', () => {
    const h = history([
      deal('2026-01-12T08:00:00.000Z', { position_id: 1, commission: -7 }),
      deal('2026-01-13T08:00:00.000Z', {
        position_id: 1,
        entry: 'out',
        type: 'sell',
        profit: 100,
        commission: -7,
        swap: -3.25,
      }),
    ]);
    const r = evaluate(h, [target]);
    expect(r.metrics.current_balance).toBe(100_082.75);
    expect(r.statistics).toMatchObject({ commissions: -14, interest: -3.25, bestTrade: 82.75 });
  });

  it('splits a netting account’s reversal (INOUT) into two trades', () => {
    const h = history([
      deal('2026-01-12T08:00:00.000Z', { position_id: 5, volume: 1, type: 'buy' }),
      deal('2026-01-12T08:10:00.000Z', { position_id: 5, volume: 3, type: 'sell', entry: 'inout', profit: 50 }),
      deal('2026-01-12T08:12:00.000Z', { position_id: 5, volume: 2, type: 'buy', entry: 'out', profit: -20 }),
    ]);
    const r = evaluate(h, [duration]);
    expect(r.metrics.total_trades).toBe(2);
    // The reversed position (2 lots short) lived 2 minutes: under 4 minutes.
    expect(r.violations).toHaveLength(1);
    expect(r.violations[0]).toMatchObject({ side: 'sell', duration_seconds: 120 });
  });

  it('treats credit and bonus deals like deposits, not profit', () => {
    const h = history([
      deal('2026-01-12T08:00:00.000Z', { type: 'credit', entry: 'in', position_id: 0, symbol: '', profit: 5000 }),
      ...roundTrip(1, '2026-01-12T09:00:00.000Z', '2026-01-12T10:00:00.000Z', 100),
    ]);
    const r = evaluate(h, [target]);
    expect(r.metrics.profit_percent).toBe(0.1);
    expect(r.metrics.deposits_withdrawals).toBe(5000);
  });
});

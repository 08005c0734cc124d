/** The shape of an evaluation: the guide's metrics, violations in time order, objectives, equity source. */
import { describe, expect, it } from 'vitest';
import { deal, history, roundTrip, snap } from '../../test/factories/history.ts';
import type { OpenPosition } from '../mt5/history.ts';
import { evaluate } from './evaluate.ts';
import { parseRule } from './registry.ts';

const maxLoss = parseRule({
  type: 'max_loss',
  pct: 10,
  basis: 'static',
  amount_mode: 'pct_of_initial',
  comparator: 'lt',
  tolerance: 0,
});
const dailyLoss = parseRule({
  type: 'daily_loss',
  pct: 5,
  anchor: 'day_start_balance',
  amount: 'pct_of_initial',
  reset_tz: 'Europe/Prague',
  reset_time: '00:00',
  comparator: 'lt',
  tolerance: 0,
  severity: 'hard',
});

const openPosition = (patch: Partial<OpenPosition>): OpenPosition => ({
  ticket: 3,
  symbol: 'EURUSD',
  type: 'buy',
  volume: 1,
  open_price: 1.1,
  current_price: 1.09,
  sl: null,
  tp: null,
  swap: 0,
  profit: 0,
  open_time: '2026-01-14T10:00:00.000Z',
  ...patch,
});

/** Day 1 (Prague 2026-01-13) closes −5,500; day 2 loses 1,000 closed and floats down to −6,600. */
function twoBadDays() {
  const h = history(
    [
      ...roundTrip(1, '2026-01-13T08:00:00.000Z', '2026-01-13T09:00:00.000Z', -5500),
      ...roundTrip(2, '2026-01-14T08:00:00.000Z', '2026-01-14T09:00:00.000Z', -1000),
      deal('2026-01-14T10:00:00.000Z', { position_id: 3 }),
    ],
    [
      snap('2026-01-14T10:30:00.000Z', 93_500, 88_000),
      snap('2026-01-14T11:00:00.000Z', 93_500, 87_900),
      snap('2026-01-14T12:00:00.000Z', 93_500, 89_000),
    ],
  );
  h.positions = [openPosition({ profit: -4000, swap: -1.5 })];
  return h;
}

describe('violations', () => {
  it('reports one daily-loss violation per breached day, each with its first breach and that day’s worst loss', () => {
    const daily = evaluate(twoBadDays(), [dailyLoss]).violations;
    expect(daily).toHaveLength(2);
    expect(daily[0]).toMatchObject({
      rule: 'maximum_daily_loss',
      description: 'Daily loss reached 5,500.00 (max: 5,000.00) on 2026-01-13',
      day: '2026-01-13',
      timestamp: '2026-01-13T09:00:00.000Z',
      day_start_balance: 100_000,
      floor: 95_000,
      equity: 94_500,
      loss: 5500,
      max_loss_amount: 5000,
      severity: 'hard',
    });
    expect(daily[1]).toMatchObject({
      description: 'Daily loss reached 6,600.00 (max: 5,000.00) on 2026-01-14',
      day: '2026-01-14',
      timestamp: '2026-01-14T10:30:00.000Z',
      day_start_balance: 94_500,
      floor: 89_500,
      equity: 88_000,
      loss: 6600,
    });
  });

  it('words a maximum-drawdown breach as the guide does: "Drawdown reached 12.1% (max: 10%)"', () => {
    const v = evaluate(twoBadDays(), [maxLoss]).violations;
    expect(v).toEqual([
      expect.objectContaining({
        rule: 'maximum_drawdown',
        description: 'Drawdown reached 12.1% (max: 10%)',
        timestamp: '2026-01-14T10:30:00.000Z',
        equity: 88_000,
        floor: 90_000,
        drawdown_percent: 12.1,
        max_allowed_percent: 10,
        worst_equity: 87_900,
        worst_time: '2026-01-14T11:00:00.000Z',
        severity: 'hard',
      }),
    ]);
  });

  it('lists violations of all rules in time order, ties in the order the rules were given', () => {
    const r = evaluate(twoBadDays(), [maxLoss, dailyLoss]);
    expect(r.violations.map((v) => [v.rule, v.timestamp])).toEqual([
      ['maximum_daily_loss', '2026-01-13T09:00:00.000Z'],
      ['maximum_drawdown', '2026-01-14T10:30:00.000Z'],
      ['maximum_daily_loss', '2026-01-14T10:30:00.000Z'],
    ]);
    expect(r).toMatchObject({ status: 'failed', outcome: 'breached' });
  });

  it('reports a warning-severity breach without failing the account', () => {
    const r = evaluate(history(roundTrip(1, '2026-01-13T08:00:00.000Z', '2026-01-13T08:01:00.000Z', 10)), [
      parseRule({ type: 'min_trade_duration', seconds: 240, aggregation: 'any', severity: 'warning' }),
    ]);
    expect(r.violations.map((v) => v.severity)).toEqual(['warning']);
    expect(r).toMatchObject({ status: 'passed', outcome: 'passed' });
  });
});

describe('metrics', () => {
  it('takes current equity from the last snapshot when it is not older than the last deal', () => {
    const r = evaluate(twoBadDays(), [maxLoss, dailyLoss]);
    expect(r.metrics).toMatchObject({
      initial_balance: 100_000,
      current_balance: 93_500,
      current_equity: 89_000,
      profit_percent: -6.5,
      max_drawdown_percent: 12.1,
      max_drawdown_limit: 10,
      max_daily_loss_percent: 6.6,
      max_daily_loss_limit: 5,
      total_trades: 2,
      total_deals: 5,
      open_positions: 1,
      trading_days: 2,
    });
  });

  it('otherwise adds the open positions’ profit and swap to the balance', () => {
    const h = twoBadDays();
    h.equity = h.equity!.slice(0, 0);
    expect(evaluate(h, [maxLoss]).metrics.current_equity).toBe(89_498.5);
  });

  it('leaves the limits of absent rules null', () => {
    const r = evaluate(history(roundTrip(1, '2026-01-13T08:00:00.000Z', '2026-01-13T09:00:00.000Z', 10)), []);
    expect(r.metrics).toMatchObject({
      max_drawdown_limit: null,
      profit_target_percent: null,
      profit_target_met: false,
      trades_under_4min: 0,
    });
    expect(r).toMatchObject({ status: 'passed', objectives: [], violations: [] });
  });

  it('labels equity from deals alone as balance_only with low confidence, and snapshots as observed with high', () => {
    const closed = history(roundTrip(1, '2026-01-13T08:00:00.000Z', '2026-01-13T09:00:00.000Z', 10));
    expect(evaluate(closed, [maxLoss])).toMatchObject({ equity_source: 'balance_only', confidence: 'low' });
    expect(evaluate(twoBadDays(), [maxLoss])).toMatchObject({ equity_source: 'observed', confidence: 'high' });
  });
});

describe('day-split figures', () => {
  // A firm whose day resets at 17:00 New York ("New York close"). 2026-01-13 is in EST (UTC−5).
  const nyDailyLoss = parseRule({
    type: 'daily_loss',
    pct: 5,
    anchor: 'day_start_balance',
    amount: 'pct_of_initial',
    reset_tz: 'America/New_York',
    reset_time: '17:00',
  });
  // −5,500 closed at 16:30 New York (before the reset), +1,000 closed at 17:30 (after it):
  // two New York days, but one Prague day (22:30 and 23:30 on 2026-01-13).
  const aroundTheReset = () =>
    history([
      ...roundTrip(1, '2026-01-13T20:00:00.000Z', '2026-01-13T21:30:00.000Z', -5500),
      ...roundTrip(2, '2026-01-13T22:15:00.000Z', '2026-01-13T22:30:00.000Z', 1000),
    ]);

  it('split dailyGrowth, best and worst day and trading days on the daily-loss rule’s day, and say which day', () => {
    const r = evaluate(aroundTheReset(), [nyDailyLoss]);
    const breach = r.violations.find((v) => v.rule === 'maximum_daily_loss')!;
    expect(breach.day).toBe('2026-01-12');
    expect(r.statistics.dailyGrowth).toEqual([
      { date: '2026-01-12', balance: 94_500, profit: -5500 },
      { date: '2026-01-13', balance: 95_500, profit: 1000 },
    ]);
    expect(r.statistics.worstDay).toEqual({ date: breach.day, balance: 94_500, profit: -5500 });
    expect(r.statistics.bestDay).toEqual({ date: '2026-01-13', balance: 95_500, profit: 1000 });
    expect(r.metrics.trading_days).toBe(2);
    expect(r.metrics.day_basis).toEqual({ tz: 'America/New_York', time: '17:00', from: 'daily_loss' });
  });

  it('use the day given by the caller when there is one', () => {
    const r = evaluate(aroundTheReset(), [maxLoss], { day: { tz: 'America/New_York', time: '17:00' } });
    expect(r.statistics.dailyGrowth).toHaveLength(2);
    expect(r.metrics.day_basis).toEqual({ tz: 'America/New_York', time: '17:00', from: 'configured' });
  });

  it('are midnight Prague days for a rule set that judges no days', () => {
    const r = evaluate(aroundTheReset(), [maxLoss]);
    expect(r.statistics.dailyGrowth).toEqual([{ date: '2026-01-13', balance: 95_500, profit: -4500 }]);
    expect(r.metrics).toMatchObject({
      trading_days: 1,
      day_basis: { tz: 'Europe/Prague', time: '00:00', from: 'default' },
    });
  });
});

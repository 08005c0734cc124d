import { describe, expect, it } from 'vitest';
import { DEFAULT_DAY_BASIS, ruleSetDay } from './day-basis.ts';
import { flatRulesToSpecs } from './flat.ts';
import { parseRule } from './registry.ts';

describe('ruleSetDay', () => {
  it('is the daily-loss rule’s reset zone and time', () => {
    const rules = [
      parseRule({ type: 'max_loss', pct: 10 }),
      parseRule({ type: 'max_daily_trades', count: 5, reset_tz: 'Asia/Tokyo' }),
      parseRule({ type: 'daily_loss', pct: 5, reset_tz: 'America/New_York', reset_time: '17:00' }),
    ];
    expect(ruleSetDay(rules)).toEqual({ tz: 'America/New_York', time: '17:00', from: 'daily_loss' });
  });

  it('falls back to another rule that judges days, then to an end-of-day trailing drawdown, then to midnight Prague', () => {
    expect(
      ruleSetDay([parseRule({ type: 'max_daily_trades', count: 5, reset_tz: 'Asia/Tokyo', reset_time: '07:00' })]),
    ).toEqual({ tz: 'Asia/Tokyo', time: '07:00', from: 'max_daily_trades' });
    expect(
      ruleSetDay([
        parseRule({
          type: 'max_loss',
          pct: 6,
          basis: 'eod_balance_trail',
          reset_tz: 'America/Chicago',
          reset_time: '16:00',
        }),
      ]),
    ).toEqual({ tz: 'America/Chicago', time: '16:00', from: 'max_loss' });
    expect(ruleSetDay([parseRule({ type: 'max_loss', pct: 10, reset_tz: 'America/Chicago' })])).toEqual(
      DEFAULT_DAY_BASIS,
    );
    expect(DEFAULT_DAY_BASIS).toEqual({ tz: 'Europe/Prague', time: '00:00', from: 'default' });
  });

  it('is the flat rules’ daily_reset_tz and daily_reset_time, for the minimum-trading-days rule too', () => {
    const specs = flatRulesToSpecs({
      daily_reset_tz: 'America/New_York',
      daily_reset_time: '17:00',
      min_trading_days: 3,
    });
    expect(ruleSetDay(specs)).toEqual({ tz: 'America/New_York', time: '17:00', from: 'daily_loss' });
    expect(specs.find((r) => r.type === 'min_trading_days')).toMatchObject({
      reset_tz: 'America/New_York',
      reset_time: '17:00',
    });
  });
});

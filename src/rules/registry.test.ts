/** Every added rule family parses from its list-form object with the documented defaults and rejects unknown fields. */
import { describe, expect, it } from 'vitest';
import { parseRule, RULE_TYPES } from './registry.ts';

describe('rule family defaults', () => {
  it.each([
    [
      { type: 'best_day', cap_pct: 50 },
      { denominator: 'net_profit', comparator: 'gt', tolerance_pct: 0, reset_tz: 'Europe/Prague', reset_time: '00:00' },
    ],
    [
      { type: 'min_profitable_days', days: 3 },
      { min_profit_pct: 0.5, reset_tz: 'Europe/Prague', reset_time: '00:00' },
    ],
    [{ type: 'news_window' }, { minutes_before: 2, minutes_after: 2, action: 'violation', severity: 'hard' }],
    [
      { type: 'weekend_flat' },
      {
        cutoff_day: 'friday',
        cutoff_time: '21:00',
        reset_tz: 'Europe/Prague',
        resume_day: 'sunday',
        resume_time: '23:00',
        severity: 'hard',
      },
    ],
    [
      { type: 'max_lots_per_order', lots: 50 },
      { comparator: 'gt', tolerance: 0, severity: 'hard' },
    ],
    [
      { type: 'max_open_positions', count: 10 },
      { comparator: 'gt', tolerance: 0, severity: 'hard' },
    ],
    [
      { type: 'max_daily_trades', count: 2000 },
      { comparator: 'gt', tolerance: 0, reset_tz: 'Europe/Prague', reset_time: '00:00', severity: 'hard' },
    ],
    [{ type: 'stop_loss_required' }, { within_seconds: 0, severity: 'hard' }],
    [
      { type: 'max_risk_per_trade_pct', pct: 2 },
      { comparator: 'gt', tolerance: 0, severity: 'hard' },
    ],
    [
      { type: 'inactivity', days: 30 },
      { open_position_counts_as_active: true, comparator: 'gt', tolerance_seconds: 0, severity: 'hard' },
    ],
    [{ type: 'cross_account_hedging' }, { min_overlap_seconds: 0, severity: 'hard' }],
  ])('%j fills %j', (input, defaults) => {
    expect(parseRule(input)).toEqual({ ...input, ...defaults });
    expect(RULE_TYPES).toContain(input.type);
    expect(() => parseRule({ ...input, bogus: 1 })).toThrow(/bogus/);
  });

  it('rejects out-of-range parameters by name', () => {
    expect(() => parseRule({ type: 'weekend_flat', cutoff_time: '25:00' })).toThrow(/HH:MM/);
    expect(() => parseRule({ type: 'max_open_positions', count: 1.5 })).toThrow(/whole number/);
    expect(() => parseRule({ type: 'news_window', action: 'profit_share' })).toThrow();
    expect(() => parseRule({ type: 'best_day', cap_pct: 0 })).toThrow(/greater than 0/);
  });
});

import { describe, expect, it } from 'vitest';
import { flatRulesSchema, flatRulesToSpecs } from './flat.ts';

describe('flat rules of the guide', () => {
  it('fills defaults: 10 % drawdown, 10 % target, 5 % daily (Prague), 240 s duration', () => {
    expect(flatRulesToSpecs({ max_drawdown_percent: 10, profit_target_percent: 10 }).map((r) => r.type)).toEqual([
      'max_loss',
      'daily_loss',
      'profit_target',
      'min_trade_duration',
    ]);
  });

  it('lets the request override the firm’s defaults, and 0 disable a rule', () => {
    const specs = flatRulesToSpecs(
      { max_daily_loss_percent: 0 },
      { max_daily_loss_percent: 4, min_trade_duration_seconds: 60 },
    );
    expect(specs.find((r) => r.type === 'daily_loss')).toBeUndefined();
    expect(specs.find((r) => r.type === 'min_trade_duration')).toMatchObject({ seconds: 60 });
  });

  it('rejects unknown fields, bad zones and bad times by name', () => {
    const r = flatRulesSchema.safeParse({
      max_drawdown_pct: 10,
      daily_reset_tz: 'Mars/Olympus',
      daily_reset_time: '25:00',
    });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => (i.code === 'unrecognized_keys' ? i.keys.join() : i.path.join('.')));
    expect(paths).toEqual(expect.arrayContaining(['max_drawdown_pct', 'daily_reset_tz', 'daily_reset_time']));
  });
});

/** Daily-loss anchors: rules.md §4 T12, T13. */
import { describe, expect, it } from 'vitest';
import { deal, history, snap } from '../../../test/factories/history.ts';
import { evaluate } from '../evaluate.ts';
import { parseRule } from '../registry.ts';

describe('daily-loss anchors (T12, T13)', () => {
  const at = (equityAtReset: number, balance = 100_000) =>
    history(
      [deal('2026-01-12T20:00:00.000Z', { position_id: 7 })],
      [snap('2026-01-12T22:59:00.000Z', balance, equityAtReset), snap('2026-01-13T08:00:00.000Z', balance, 90_000)],
    );
  const floorFor = (anchor: string, amount: string, h: ReturnType<typeof history>) =>
    evaluate(h, [parseRule({ type: 'daily_loss', pct: 5, anchor, amount, reset_tz: 'Europe/Prague' })]).violations.find(
      (v) => v.day === '2026-01-13',
    )?.floor;

  it('Aquafunded: max(balance, equity) with a fixed amount — floating +2,000 → 97,000; floating −2,000 → 95,000', () => {
    expect(floorFor('max_day_start_balance_equity', 'pct_of_initial', at(102_000))).toBe(97_000);
    expect(floorFor('max_day_start_balance_equity', 'pct_of_initial', at(98_000))).toBe(95_000);
  });
  it('The5ers: 5 % of max(balance, equity) — equity 102,000 at the reset gives 96,900', () => {
    expect(floorFor('max_day_start_balance_equity', 'pct_of_anchor', at(102_000))).toBe(96_900);
  });
  it('day-start equity anchor follows the floating result at the reset', () => {
    expect(floorFor('day_start_equity', 'pct_of_initial', at(99_000))).toBe(94_000);
  });
  it('a soft daily pause is reported but does not fail the account', () => {
    const h = at(100_000);
    const r = evaluate(h, [
      parseRule({ type: 'daily_loss', pct: 5, severity: 'soft_pause' }),
      parseRule({ type: 'profit_target', pct: 10 }),
    ]);
    expect(r.violations.map((v) => v.severity)).toEqual(['soft_pause']);
    expect(r.outcome).toBe('objectives_not_met');
  });
});

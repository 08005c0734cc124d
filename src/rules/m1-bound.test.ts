/** Equity from M1 bars when nothing was observed (rules.md §6.3): a conservative bound, breaches only "possible". */
import { describe, expect, it } from 'vitest';
import { history, roundTrip } from '../../test/factories/history.ts';
import type { Bar } from '../mt5/history.ts';
import { evaluate } from './index.ts';
import { parseRule } from './registry.ts';

const bar = (time: string, low: number, high: number, spread = 10): Bar => ({
  time,
  open: (low + high) / 2,
  high,
  low,
  close: (low + high) / 2,
  spread_points: spread,
});
const maxLoss = parseRule({ type: 'max_loss', pct: 10 });

function withBars(side: 'buy' | 'sell', bars: Bar[], profit = 0) {
  const h = history(
    roundTrip(1, '2026-01-12T09:00:00.000Z', '2026-01-12T09:03:00.000Z', profit, {
      symbol: 'EURUSD',
      volume: 10,
      price: 1.1,
      type: side,
    }),
  );
  // The exit deal is the opposite side of the entry.
  h.deals[1]!.type = side === 'buy' ? 'sell' : 'buy';
  return {
    ...h,
    bars: { EURUSD: bars },
    symbols: { EURUSD: { contract_size: 100_000, point: 0.00001, profit_currency: 'USD' } },
  };
}

describe('M1-bar equity bound', () => {
  it('values a long at the bar low and reports a breach seen only there as possible, not a failure', () => {
    // 10 lots long at 1.1000; a low of 1.0890 is −11,000 → equity bound 89,000 < 90,000.
    const h = withBars('buy', [
      bar('2026-01-12T09:00:00.000Z', 1.099, 1.1005),
      bar('2026-01-12T09:01:00.000Z', 1.089, 1.1),
      bar('2026-01-12T09:02:00.000Z', 1.098, 1.1),
    ]);
    const r = evaluate(h, [maxLoss, parseRule({ type: 'profit_target', pct: 10 })]);
    expect(r.equity_source).toBe('m1_bound');
    expect(r.confidence).toBe('medium');
    expect(r.violations[0]).toMatchObject({
      rule: 'maximum_drawdown',
      certainty: 'possible',
      equity: 89_000,
      timestamp: '2026-01-12T09:01:00.000Z',
      equity_source: 'm1_bound',
    });
    expect(r.outcome).toBe('objectives_not_met');
  });

  it('values a short at the ask high (high + spread)', () => {
    // Short 10 lots at 1.1000; high 1.1095 + 50 points spread = 1.1100 ask → −10,000 → 90,000: not below.
    const ok = evaluate(withBars('sell', [bar('2026-01-12T09:01:00.000Z', 1.099, 1.1095, 50)]), [maxLoss]);
    expect(ok.violations).toHaveLength(0);
    const bad = evaluate(withBars('sell', [bar('2026-01-12T09:01:00.000Z', 1.099, 1.1095, 51)]), [maxLoss]);
    expect(bad.violations[0]).toMatchObject({ certainty: 'possible', equity: 89_990 });
  });

  it('prefers observed equity when there is any', () => {
    const h = {
      ...withBars('buy', [bar('2026-01-12T09:01:00.000Z', 1.0, 1.1)]),
      equity: [{ time: '2026-01-12T09:01:30.000Z', balance: 100_000, equity: 99_000 }],
    };
    const r = evaluate(h, [maxLoss]);
    expect(r.equity_source).toBe('observed');
    expect(r.violations).toHaveLength(0);
  });
});

/** Stop loss required (rules.md §2.8): from Deal.sl; unknown when the source carries no sl at all. */
import { describe, expect, it } from 'vitest';
import { runFamily } from '../../../test/factories/family.ts';
import { deal, history, roundTrip } from '../../../test/factories/history.ts';

const sl = (h: ReturnType<typeof history>, spec: Record<string, unknown> = {}, at?: string) =>
  runFamily(h, { type: 'stop_loss_required', ...spec }, at ? { at } : {});

describe('stop_loss_required', () => {
  it('every entry with a stop loss passes', () => {
    const r = sl(history(roundTrip(1, '2026-01-12T09:00:00.000Z', '2026-01-12T10:00:00.000Z', 0, { sl: 1.09 })));
    expect(r.violations).toEqual([]);
    expect(r.metrics).toEqual({ stop_loss_data: 'available', positions_without_stop_loss: 0 });
  });

  it('an entry without a stop loss is a violation at the opening', () => {
    const h = history([
      ...roundTrip(1, '2026-01-12T09:00:00.000Z', '2026-01-12T10:00:00.000Z', 0, { sl: 1.09 }),
      ...roundTrip(2, '2026-01-12T11:00:00.000Z', '2026-01-12T12:00:00.000Z', 0, {
        sl: null,
        symbol: 'GBPUSD',
        price: 1.27,
      }),
    ]);
    expect(sl(h).violations).toEqual([
      {
        rule: 'stop_loss_required',
        description: 'Position 2 (GBPUSD) was opened without a stop loss',
        severity: 'hard',
        timestamp: '2026-01-12T11:00:00.000Z',
        ticket: h.deals[2]!.ticket,
        position_id: 2,
        symbol: 'GBPUSD',
        side: 'buy',
        volume: 1,
        open_time: '2026-01-12T11:00:00.000Z',
        open_price: 1.27,
        sl: null,
        within_seconds: 0,
        first_breach_time: '2026-01-12T11:00:00.000Z',
        worst_value: 3600,
        worst_time: '2026-01-12T12:00:00.000Z',
        limit: 0,
        unit: 'seconds',
        positions: [2],
        deals: [h.deals[2]!.ticket, h.deals[3]!.ticket],
      },
    ]);
  });

  it('an sl of 0 is MT5 for "none"', () => {
    const h = history(roundTrip(1, '2026-01-12T09:00:00.000Z', '2026-01-12T10:00:00.000Z', 0, { sl: 0 }));
    expect(sl(h).violations.map((v) => v.position_id)).toEqual([1]);
  });

  it('reports nothing when no deal carries an sl field: the data is unavailable', () => {
    const r = sl(history(roundTrip(1, '2026-01-12T09:00:00.000Z', '2026-01-12T10:00:00.000Z', 0)));
    expect(r.violations).toEqual([]);
    expect(r.metrics.stop_loss_data).toBe('unavailable');
  });

  describe('within_seconds = 300', () => {
    const open = '2026-01-12T09:00:00.000Z';
    it('an SL seen on a deal 299 s after the opening is in time', () => {
      const h = history([
        deal(open, { position_id: 1, sl: null }),
        deal('2026-01-12T09:04:59.000Z', { position_id: 1, sl: 1.09, volume: 0.5 }),
        deal('2026-01-12T10:00:00.000Z', { position_id: 1, entry: 'out', type: 'sell', volume: 1.5, sl: 1.09 }),
      ]);
      expect(sl(h, { within_seconds: 300 }).violations).toEqual([]);
    });
    it('an SL first seen after 300 s is late: a violation at the deadline', () => {
      const h = history([
        deal(open, { position_id: 1, sl: null }),
        deal('2026-01-12T09:05:00.001Z', { position_id: 1, sl: 1.09, volume: 0.5 }),
      ]);
      expect(sl(h, { within_seconds: 300 }).violations[0]).toMatchObject({
        position_id: 1,
        timestamp: '2026-01-12T09:05:00.000Z',
        within_seconds: 300,
      });
    });
    it('a position closed within the grace period is not judged', () => {
      const h = history(roundTrip(1, open, '2026-01-12T09:03:20.000Z', 0, { sl: null }));
      expect(sl(h, { within_seconds: 300 }).violations).toEqual([]);
    });
    it('a position still open before its deadline is pending; after it, a violation', () => {
      const h = history([deal(open, { position_id: 1, sl: null })]);
      expect(sl(h, { within_seconds: 300 }, '2026-01-12T09:04:00.000Z').violations).toEqual([]);
      expect(sl(h, { within_seconds: 300 }, '2026-01-12T09:05:00.000Z').violations.map((v) => v.timestamp)).toEqual([
        '2026-01-12T09:05:00.000Z',
      ]);
    });
  });
});

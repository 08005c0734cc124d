/** Inactivity (rules.md §2.8): more than `days` × 24 h without trading activity. */
import { describe, expect, it } from 'vitest';
import { runFamily } from '../../../test/factories/family.ts';
import { balanceOp, deal, history, roundTrip } from '../../../test/factories/history.ts';

const DAY = 86_400_000;
const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();
const idle = (h: ReturnType<typeof history>, spec: Record<string, unknown> = {}, at?: string) =>
  runFamily(h, { type: 'inactivity', days: 30, ...spec }, at ? { at } : {});

describe('inactivity', () => {
  const last = '2026-01-05T10:00:00.000Z';
  it('a gap of exactly 30 days between trades is allowed', () => {
    const h = history([
      ...roundTrip(1, '2026-01-05T09:00:00.000Z', last, 0),
      ...roundTrip(2, plus(last, 30 * DAY), plus(last, 30 * DAY + 60_000), 0),
    ]);
    const r = idle(h);
    expect(r.violations).toEqual([]);
    expect(r.metrics).toMatchObject({ longest_inactivity_days: 30, inactivity_limit_days: 30 });
  });

  it('30 days and 1 ms is a violation, timed when the 30 days ran out', () => {
    const next = plus(last, 30 * DAY + 1);
    const h = history([
      ...roundTrip(1, '2026-01-05T09:00:00.000Z', last, 0),
      ...roundTrip(2, next, plus(next, 60_000), 0),
    ]);
    expect(idle(h).violations).toEqual([
      {
        rule: 'inactivity',
        description: `No trading activity for 30.00 days from ${last} to ${next} (max: 30 days)`,
        severity: 'hard',
        timestamp: '2026-02-04T10:00:00.000Z',
        last_activity: last,
        next_activity: next,
        inactive_days: 30,
        max_days: 30,
        comparator: 'gt',
        tolerance_seconds: 0,
        first_breach_time: '2026-02-04T10:00:00.000Z',
        worst_value: 30,
        worst_time: next,
        limit: 30,
        unit: 'days',
        positions: [],
        // The close before the gap and the opening after it.
        deals: [h.deals[1]!.ticket, h.deals[2]!.ticket],
      },
    ]);
  });

  it('inactivity up to the evaluation instant counts', () => {
    const h = history(roundTrip(1, '2026-01-05T09:00:00.000Z', last, 0));
    expect(idle(h, {}, '2026-02-04T10:00:00.000Z').violations).toEqual([]);
    expect(idle(h, {}, '2026-02-10T10:00:00.000Z').violations[0]).toMatchObject({
      last_activity: last,
      next_activity: null,
      timestamp: '2026-02-04T10:00:00.000Z',
      inactive_days: 36,
    });
  });

  it('the clock starts at the funding deposit', () => {
    const h = history(
      [
        balanceOp('2026-01-01T00:00:00.000Z', 100_000),
        ...roundTrip(1, '2026-02-15T09:00:00.000Z', '2026-02-15T10:00:00.000Z', 0),
      ],
      undefined,
      0,
    );
    expect(idle(h).violations[0]).toMatchObject({
      last_activity: '2026-01-01T00:00:00.000Z',
      timestamp: '2026-01-31T00:00:00.000Z',
    });
  });

  it('an open position keeps the account active by default (BrightFunded), not when configured otherwise', () => {
    const h = history(roundTrip(1, '2026-01-05T09:00:00.000Z', '2026-02-20T09:00:00.000Z', 0));
    expect(idle(h).violations).toEqual([]);
    expect(idle(h, { open_position_counts_as_active: false }).violations[0]).toMatchObject({
      last_activity: '2026-01-05T09:00:00.000Z',
      next_activity: '2026-02-20T09:00:00.000Z',
    });
  });

  it('a position still open at the evaluation instant is activity up to then', () => {
    const h = history([deal('2026-01-05T09:00:00.000Z', { position_id: 1 })]);
    expect(idle(h, {}, '2026-03-01T00:00:00.000Z').violations).toEqual([]);
  });

  it('a withdrawal is not activity', () => {
    const h = history([
      ...roundTrip(1, '2026-01-05T09:00:00.000Z', last, 0),
      balanceOp('2026-01-20T00:00:00.000Z', -500),
      ...roundTrip(2, '2026-02-10T09:00:00.000Z', '2026-02-10T10:00:00.000Z', 0),
    ]);
    expect(idle(h).violations.map((v) => v.last_activity)).toEqual([last]);
  });

  it('an empty history has nothing to judge', () => {
    expect(idle(history([]), {}, '2026-06-01T00:00:00.000Z').violations).toEqual([]);
  });
});

describe('inactivity comparator and tolerance', () => {
  const last = '2026-01-05T10:00:00.000Z';
  const gap = (ms: number) =>
    history([
      ...roundTrip(1, '2026-01-05T09:00:00.000Z', last, 0),
      ...roundTrip(2, plus(last, ms), plus(last, ms + 60_000), 0),
    ]);

  it('gte: a gap of exactly 30 days is a breach, timed at its end; 1 ms less is not', () => {
    expect(idle(gap(30 * DAY), { comparator: 'gte' }).violations).toMatchObject([
      { timestamp: plus(last, 30 * DAY), comparator: 'gte' },
    ]);
    expect(idle(gap(30 * DAY - 1), { comparator: 'gte' }).violations).toEqual([]);
  });

  it('an hour of tolerance allows 30 days and an hour, not a millisecond more', () => {
    expect(idle(gap(30 * DAY + 3_600_000), { tolerance_seconds: 3600 }).violations).toEqual([]);
    expect(idle(gap(30 * DAY + 3_600_001), { tolerance_seconds: 3600 }).violations).toMatchObject([
      { timestamp: plus(last, 30 * DAY + 3_600_000), tolerance_seconds: 3600 },
    ]);
  });
});

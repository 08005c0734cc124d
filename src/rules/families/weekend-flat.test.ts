/** Weekend flat (rules.md §2.8): no position open during [Friday 21:00, Sunday 23:00) Prague, DST-aware. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runFamily } from '../../../test/factories/family.ts';
import { deal, history, roundTrip } from '../../../test/factories/history.ts';

// Winter (CET = UTC+1): Friday 2026-01-16 21:00 Prague = 20:00 UTC; Sunday 2026-01-18 23:00 = 22:00 UTC.
const weekend = (open: string, close: string, spec: Record<string, unknown> = {}) =>
  runFamily(history(roundTrip(3, open, close, 0)), { type: 'weekend_flat', ...spec });

describe('weekend_flat', () => {
  it('a position held from Friday into Monday is a violation at the Friday cutoff', () => {
    const r = weekend('2026-01-16T19:00:00.000Z', '2026-01-19T08:00:00.000Z');
    expect(r.violations).toEqual([
      expect.objectContaining({
        rule: 'weekend_flat',
        severity: 'hard',
        timestamp: '2026-01-16T20:00:00.000Z',
        ticket: 3,
        symbol: 'EURUSD',
        open_time: '2026-01-16T19:00:00.000Z',
        close_time: '2026-01-19T08:00:00.000Z',
        cutoff: '2026-01-16T20:00:00.000Z',
        resume: '2026-01-18T22:00:00.000Z',
      }),
    ]);
    expect(r.metrics.weekend_holds).toBe(1);
  });

  it('closing exactly at the cutoff is flat; one millisecond later is not', () => {
    expect(weekend('2026-01-16T19:00:00.000Z', '2026-01-16T20:00:00.000Z').violations).toEqual([]);
    expect(weekend('2026-01-16T19:00:00.000Z', '2026-01-16T20:00:00.001Z').violations).toHaveLength(1);
  });

  it('opening exactly at the Sunday resume is allowed; one millisecond earlier is a violation timed at the opening', () => {
    expect(weekend('2026-01-18T22:00:00.000Z', '2026-01-19T08:00:00.000Z').violations).toEqual([]);
    expect(weekend('2026-01-18T21:59:59.999Z', '2026-01-19T08:00:00.000Z').violations[0]).toMatchObject({
      timestamp: '2026-01-18T21:59:59.999Z',
    });
  });

  it('weekday trading, including overnight Monday to Friday, is fine', () => {
    expect(weekend('2026-01-12T09:00:00.000Z', '2026-01-16T19:59:59.999Z').violations).toEqual([]);
  });

  it('follows DST: on 2026-03-29 Prague moves to CEST, so Sunday 23:00 is 21:00 UTC', () => {
    // Friday 2026-03-27 21:00 CET = 20:00 UTC; Sunday 23:00 CEST = 21:00 UTC.
    expect(weekend('2026-03-29T21:00:00.000Z', '2026-03-30T08:00:00.000Z').violations).toEqual([]);
    expect(weekend('2026-03-29T20:59:00.000Z', '2026-03-30T08:00:00.000Z').violations[0]).toMatchObject({
      cutoff: '2026-03-27T20:00:00.000Z',
      resume: '2026-03-29T21:00:00.000Z',
    });
  });

  it('a position still open counts up to the evaluation instant', () => {
    const h = history([deal('2026-01-16T19:00:00.000Z', { position_id: 4 })]);
    expect(runFamily(h, { type: 'weekend_flat' }, { at: '2026-01-16T19:30:00.000Z' }).violations).toEqual([]);
    expect(runFamily(h, { type: 'weekend_flat' }, { at: '2026-01-17T10:00:00.000Z' }).violations[0]).toMatchObject({
      ticket: 4,
      close_time: null,
      timestamp: '2026-01-16T20:00:00.000Z',
    });
  });

  it('takes a custom break: Friday 15:45 New York (Funded Traders Global) to Sunday 18:00', () => {
    const spec = { cutoff_time: '15:45', reset_tz: 'America/New_York', resume_time: '18:00' };
    // 15:45 EST = 20:45 UTC.
    expect(weekend('2026-01-16T19:00:00.000Z', '2026-01-16T20:45:00.000Z', spec).violations).toEqual([]);
    expect(weekend('2026-01-16T19:00:00.000Z', '2026-01-16T20:46:00.000Z', spec).violations[0]).toMatchObject({
      timestamp: '2026-01-16T20:45:00.000Z',
      resume: '2026-01-18T23:00:00.000Z',
    });
  });

  it('reports one violation per position, at its first weekend', () => {
    const r = weekend('2026-01-16T19:00:00.000Z', '2026-01-27T08:00:00.000Z');
    expect(r.violations.map((v) => v.cutoff)).toEqual(['2026-01-16T20:00:00.000Z']);
  });

  it('property: a position opened and closed between Monday and the Friday cutoff never violates', () => {
    const monday = Date.parse('2026-01-12T00:00:00.000Z');
    const cutoff = Date.parse('2026-01-16T20:00:00.000Z');
    fc.assert(
      fc.property(fc.integer({ min: monday, max: cutoff }), fc.integer({ min: monday, max: cutoff }), (a, b) => {
        const [open, close] = a <= b ? [a, b] : [b, a];
        return weekend(new Date(open).toISOString(), new Date(close).toISOString()).violations.length === 0;
      }),
      { numRuns: 100 },
    );
  });

  it('property: any position open at Saturday noon violates, timed within the break', () => {
    const saturday = Date.parse('2026-01-17T12:00:00.000Z');
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 * 86_400_000 }),
        fc.integer({ min: 1, max: 10 * 86_400_000 }),
        (before, after) => {
          const r = weekend(new Date(saturday - before).toISOString(), new Date(saturday + after).toISOString());
          if (r.violations.length !== 1) return false;
          const at = Date.parse(String(r.violations[0]!.timestamp));
          return at <= saturday && at >= Date.parse(String(r.violations[0]!.cutoff));
        },
      ),
      { numRuns: 100 },
    );
  });
});

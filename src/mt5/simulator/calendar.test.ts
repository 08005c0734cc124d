import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  AS_OF_MS,
  isMarketOpen,
  isoUtc,
  pragueDate,
  pragueToUtcMs,
  rolloversBetween,
  serverUtcOffsetMinutes,
} from './calendar.ts';

const year2026 = fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2027, 11, 31) });

describe('simulator calendar', () => {
  it('formats instants exactly like Date#toISOString', () => {
    fc.assert(
      fc.property(year2026, (ms) => isoUtc(ms) === new Date(ms).toISOString()),
      { numRuns: 2_000 },
    );
  });

  it('agrees with luxon on the Prague date and the server (EET/EEST) offset', () => {
    fc.assert(
      fc.property(year2026, (ms) => {
        const prague = DateTime.fromMillis(ms, { zone: 'Europe/Prague' });
        const server = DateTime.fromMillis(ms, { zone: 'Europe/Helsinki' });
        return pragueDate(ms) === prague.toISODate() && serverUtcOffsetMinutes(ms) === server.offset;
      }),
      { numRuns: 2_000 },
    );
  });

  it('reads Prague wall times as UTC+1 in January and UTC+2 in July', () => {
    expect(new Date(pragueToUtcMs('2026-01-12T09:15')).toISOString()).toBe('2026-01-12T08:15:00.000Z');
    expect(new Date(pragueToUtcMs('2026-01-14T00:33')).toISOString()).toBe('2026-01-13T23:33:00.000Z');
    expect(new Date(pragueToUtcMs('2026-07-01T09:15:30.5')).toISOString()).toBe('2026-07-01T07:15:30.500Z');
  });

  it('opens the market at Monday 00:00 server time and closes it at Saturday 00:00', () => {
    expect(isMarketOpen(Date.UTC(2026, 0, 11, 21, 59))).toBe(false); // Sun 23:59 server
    expect(isMarketOpen(Date.UTC(2026, 0, 11, 22, 0))).toBe(true); // Mon 00:00 server
    expect(isMarketOpen(Date.UTC(2026, 0, 16, 21, 59))).toBe(true); // Fri 23:59 server
    expect(isMarketOpen(Date.UTC(2026, 0, 16, 22, 0))).toBe(false); // Sat 00:00 server
  });

  it('charges swap at server midnight Monday to Friday nights, triple on Wednesday night', () => {
    const rollovers = rolloversBetween(Date.UTC(2026, 0, 11, 22, 0), Date.UTC(2026, 0, 18, 22, 0));
    expect(rollovers.map((r) => [isoUtc(r.timeMs), r.multiplier])).toEqual([
      ['2026-01-12T22:00:00.000Z', 1],
      ['2026-01-13T22:00:00.000Z', 1],
      ['2026-01-14T22:00:00.000Z', 3],
      ['2026-01-15T22:00:00.000Z', 1],
      ['2026-01-16T22:00:00.000Z', 1],
    ]);
  });

  it('reads every history at Friday 2026-01-23 22:00 Prague, never at the current clock', () => {
    expect(isoUtc(AS_OF_MS)).toBe('2026-01-23T21:00:00.000Z');
  });
});

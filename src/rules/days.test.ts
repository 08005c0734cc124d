import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { dayClock, isValidZone } from './days.ts';

const utc = (iso: string) => Date.parse(iso);

/** The answer without any cache: luxon directly. */
function reference(ms: number, tz: string, reset: string): string {
  const [h, m] = reset.split(':').map(Number) as [number, number];
  const local = DateTime.fromMillis(ms, { zone: tz });
  return (local.hour * 60 + local.minute < h * 60 + m ? local.minus({ days: 1 }) : local).toISODate()!;
}

describe('dayClock', () => {
  it('puts instants on either side of a Prague midnight on their own days, in winter and summer', () => {
    const c = dayClock('Europe/Prague');
    expect(c.dayOf(utc('2026-01-15T22:59:59.999Z'))).toBe('2026-01-15');
    expect(c.dayOf(utc('2026-01-15T23:00:00.000Z'))).toBe('2026-01-16');
    expect(c.dayOf(utc('2026-07-15T21:59:59.999Z'))).toBe('2026-07-15');
    expect(c.dayOf(utc('2026-07-15T22:00:00.000Z'))).toBe('2026-07-16');
    expect(c.startOf('2026-03-29')).toBe(utc('2026-03-28T23:00:00.000Z')); // the DST day starts at CET midnight
  });

  it('splits a 15-minute bucket at an odd reset time, whichever side is asked first, across clocks', () => {
    // 17:05 Prague = 16:05 UTC in January: the 16:00–16:15 UTC bucket holds two trading days.
    const before = utc('2026-01-15T16:04:59.000Z');
    const after = utc('2026-01-15T16:05:00.000Z');
    expect(dayClock('Europe/Prague', '17:05').dayOf(after)).toBe('2026-01-15');
    expect(dayClock('Europe/Prague', '17:05').dayOf(before)).toBe('2026-01-14');
    expect(dayClock('Europe/Prague', '17:05').dayOf(after)).toBe('2026-01-15');
  });

  it('agrees with luxon for instants every 91 minutes over a year in zones with 30- and 45-minute offsets', () => {
    for (const [tz, reset] of [
      ['Asia/Kathmandu', '00:00'],
      ['Australia/Adelaide', '17:00'],
      ['America/New_York', '17:00'],
      ['Europe/Prague', '00:00'],
    ] as const) {
      const c = dayClock(tz, reset);
      for (let ms = utc('2026-01-01T00:00:00Z'); ms < utc('2027-01-01T00:00:00Z'); ms += 91 * 60_000) {
        expect(c.dayOf(ms)).toBe(reference(ms, tz, reset));
      }
    }
  });
});

describe('isValidZone', () => {
  it('accepts IANA names (again from its cache) and rejects others, every time', () => {
    for (let i = 0; i < 3; i++) {
      expect(isValidZone('Europe/Prague')).toBe(true);
      expect(isValidZone('America/New_York')).toBe(true);
      expect(isValidZone('Europe/Atlantis')).toBe(false);
      expect(isValidZone('')).toBe(false);
    }
  });
});

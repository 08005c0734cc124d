import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseUtcMs } from './time.ts';

describe('parseUtcMs', () => {
  it('agrees with Date.parse on every instant from 1970 to 2200 (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 7_258_118_400_000 }),
        (ms) => parseUtcMs(new Date(ms).toISOString()) === ms,
      ),
    );
  });
  it('agrees with Date.parse on runs of instants within the same hour (the cached path)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 7_258_118_400_000 }),
        fc.array(fc.integer({ min: -3_600_000, max: 3_600_000 }), { minLength: 1, maxLength: 30 }),
        (base, steps) =>
          steps.every((step) => {
            const ms = Math.max(0, base + step);
            return parseUtcMs(new Date(ms).toISOString()) === ms;
          }),
      ),
    );
  });
  it('checks every character of a time that shares the cached hour', () => {
    expect(parseUtcMs('2026-01-16T08:00:00.000Z')).toBe(Date.parse('2026-01-16T08:00:00.000Z'));
    for (const bad of [
      '2026-01-16T08:6x:00.000Z',
      '2026-01-16T08:00:00.00xZ',
      '2026-01-16T08:00:00,000Z',
      '2026-01-16T08:00:0a.000Z',
      '2026-01-16T08x00:00.000Z',
      '2026-01-16T08:00:00.000X',
      '2026-01-16T08:60:00.000Z',
    ]) {
      expect(() => parseUtcMs(bad), bad).toThrow(RangeError);
    }
    expect(parseUtcMs('2026-01-16T08:59:59.999Z')).toBe(Date.parse('2026-01-16T08:59:59.999Z'));
  });
  it('checks every character of a time outside the cached hour', () => {
    for (const bad of [
      '2026-13-16T08:00:00.000Z',
      '2026-01-32T08:00:00.000Z',
      '2026/01/16T08:00:00.000Z',
      '2O26-01-16T08:00:00.000Z',
    ]) {
      expect(() => parseUtcMs(bad), bad).toThrow(RangeError);
    }
    // Forms ECMAScript accepts are left to Date.parse, and agree with it.
    for (const odd of ['2026-01-16T24:00:00.000Z', '2026-01-16 08:00:00.000Z'])
      expect(parseUtcMs(odd), odd).toBe(Date.parse(odd));
  });
  it('falls back to Date.parse for other ISO forms and rejects garbage', () => {
    expect(parseUtcMs('2026-01-16T08:00:00Z')).toBe(Date.parse('2026-01-16T08:00:00Z'));
    expect(parseUtcMs('2026-01-16T10:00:00.000+02:00')).toBe(Date.parse('2026-01-16T08:00:00.000Z'));
    expect(() => parseUtcMs('yesterday')).toThrow(RangeError);
  });
});

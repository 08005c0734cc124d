import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseUtcMs } from './time.ts';

describe('parseUtcMs', () => {
  it('agrees with Date.parse on every instant from 1970 to 2200 (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 7_258_118_400_000 }), (ms) => parseUtcMs(new Date(ms).toISOString()) === ms));
  });
  it('falls back to Date.parse for other ISO forms and rejects garbage', () => {
    expect(parseUtcMs('2026-01-16T08:00:00Z')).toBe(Date.parse('2026-01-16T08:00:00Z'));
    expect(parseUtcMs('2026-01-16T10:00:00.000+02:00')).toBe(Date.parse('2026-01-16T08:00:00.000Z'));
    expect(() => parseUtcMs('yesterday')).toThrow(RangeError);
  });
});

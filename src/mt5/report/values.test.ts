import { describe, expect, it } from 'vitest';
import { parseComposite, parseNumber } from './values.ts';

describe('numbers', () => {
  it('reads space and NBSP thousands separators, percentages and composite cells', () => {
    expect(parseNumber('10 000.00')).toBe(10_000);
    expect(parseNumber('3\u00a0000\u00a0000')).toBe(3_000_000);
    expect(parseNumber('-1 019.60')).toBe(-1019.6);
    expect(parseNumber('917.63%')).toBe(917.63);
    expect(parseNumber('')).toBeNull();
    expect(parseNumber('market')).toBeNull();
    expect(parseComposite('58.44 (0.58%)')).toEqual([58.44, 0.58]);
    expect(parseComposite('0.58% (58.44)')).toEqual([0.58, 58.44]);
    expect(parseComposite('9 (3.58)')).toEqual([9, 3.58]);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { amountToCents, centsToAmount, formatCents, parseCents } from './money.ts';

describe('parseCents (amounts from people and partner systems)', () => {
  it('reads numbers and decimal strings with up to two decimals', () => {
    expect(parseCents(250.5)).toBe(25_050);
    expect(parseCents('250.50')).toBe(25_050);
    expect(parseCents(' 12 ')).toBe(1_200);
    expect(parseCents('0.05')).toBe(5);
    expect(parseCents(0.1 + 0.2)).toBe(30);
    expect(parseCents('1234567890123.45')).toBe(123_456_789_012_345);
  });

  it('keeps the sign of negative amounts', () => {
    expect(parseCents(-3.1)).toBe(-310);
    expect(parseCents('-0.01')).toBe(-1);
    expect(parseCents('-12.5')).toBe(-1_250);
  });

  it('refuses a third decimal instead of rounding it (1.005, "1.005")', () => {
    expect(parseCents(1.005)).toBeNull();
    expect(parseCents('1.005')).toBeNull();
    expect(parseCents(100_123.456)).toBeNull();
  });

  it('refuses what is not a plain decimal', () => {
    for (const v of ['1e3', '1,50', '12.', '.5', '+1', '', ' ', '0x10', '١٢', '12345678901234']) {
      expect(parseCents(v)).toBeNull();
    }
    for (const v of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) expect(parseCents(v)).toBeNull();
  });

  it('gives what the CRM and platform parsed before, for any number or string', () => {
    const amounts = fc.oneof(
      fc.double(),
      fc.integer().map((c) => c / 100),
      fc.string(),
      fc.stringMatching(/^-?\d{1,14}(\.\d{0,3})?$/),
    );
    fc.assert(
      fc.property(amounts, (v) => {
        expect(parseCents(v)).toBe(earlierToCents(v));
      }),
    );
  });
});

describe('formatCents', () => {
  it('writes two decimals and the sign', () => {
    expect(formatCents(-1234)).toBe('-12.34');
    expect(formatCents(5)).toBe('0.05');
    expect(formatCents(-5)).toBe('-0.05');
    expect(formatCents(0)).toBe('0.00');
    expect(formatCents(10_000_000)).toBe('100000.00');
  });

  it('round-trips with parseCents', () => {
    fc.assert(
      fc.property(fc.integer({ min: -999_999_999_999_999, max: 999_999_999_999_999 }), (cents) => {
        expect(parseCents(formatCents(cents))).toBe(cents);
        expect(formatCents(cents)).toBe(earlierFromCents(cents));
      }),
    );
  });
});

describe('amountToCents and centsToAmount (floats MT5 and reports give)', () => {
  it('rounds to the nearest cent, an exact half upward, the float deciding near a half', () => {
    expect(amountToCents(12.34)).toBe(1_234);
    expect(amountToCents(0.125)).toBe(13);
    expect(amountToCents(-0.125)).toBe(-12);
    expect(amountToCents(1.005)).toBe(100); // 1.005 × 100 = 100.49999999999999
    expect(amountToCents(-1.005)).toBe(-100);
    expect(amountToCents(-3.456)).toBe(-346);
  });

  it('is Math.round(amount × 100), as the report parser and the simulator facts computed it', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e12, max: 1e12, noNaN: true }), (x) => {
        expect(amountToCents(x)).toBe(Math.round(x * 100));
      }),
    );
  });

  it('divides by 100 on the way back', () => {
    expect(centsToAmount(12_345)).toBe(123.45);
    expect(centsToAmount(-5)).toBe(-0.05);
    expect(centsToAmount(amountToCents(99.99))).toBe(99.99);
  });
});

/** Reference implementation (the CRM's toCents, verbatim): parseCents must agree with it on every input. */
function earlierToCents(value: number | string): number | null {
  const s = typeof value === 'number' ? (Number.isFinite(value) ? value.toFixed(2) : '') : value.trim();
  if (typeof value === 'number' && Math.abs(Math.round(value * 100) - value * 100) > 1e-6) return null;
  const m = /^(-?)(\d{1,13})(?:\.(\d{1,2}))?$/.exec(s);
  if (!m) return null;
  const cents = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  return m[1] === '-' ? -cents : cents;
}

/** Reference implementation (the CRM's fromCents, verbatim). */
function earlierFromCents(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

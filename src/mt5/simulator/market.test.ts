import { describe, expect, it } from 'vitest';
import { MINUTE_MS } from './calendar.ts';
import { demoMarket, Market, SYMBOL_NAMES } from './market.ts';

describe('simulated price feed', () => {
  const market = demoMarket();

  it('is the same series every time it is built', () => {
    const again = new Market();
    for (const s of SYMBOL_NAMES) {
      for (let t = market.startMs; t < market.endMs; t += 997 * MINUTE_MS + 12_345) {
        expect(again.bid(s, t)).toBe(market.bid(s, t));
      }
    }
  });

  it('builds bars on Bid whose high and low contain open and close, for open minutes only', () => {
    const from = Date.UTC(2026, 0, 16, 20, 0);
    const bars = market.bars('XAUUSD', from, Date.UTC(2026, 0, 19, 1, 0));
    expect(bars[0]?.time).toBe('2026-01-16T20:00:00.000Z');
    // Closed from Friday 22:00 UTC (Saturday 00:00 server) to Sunday 22:00 UTC.
    expect(bars.filter((b) => b.time >= '2026-01-16T22:00' && b.time < '2026-01-18T22:00')).toEqual([]);
    expect(bars.find((b) => b.time > '2026-01-16T22:00')?.time).toBe('2026-01-18T22:00:00.000Z');
    for (const b of bars) {
      expect(b.high).toBeGreaterThanOrEqual(Math.max(b.open, b.close));
      expect(b.low).toBeLessThanOrEqual(Math.min(b.open, b.close));
      expect(b.spread_points).toBeGreaterThan(0);
    }
  });

  it('keeps each symbol in a plausible January 2026 range', () => {
    const ranges = {
      EURUSD: [1.1, 1.25],
      GBPUSD: [1.25, 1.45],
      XAUUSD: [4_000, 5_000],
      US30: [44_000, 53_000],
    } as const;
    for (const s of SYMBOL_NAMES) {
      for (let t = market.startMs; t <= market.endMs; t += 60 * MINUTE_MS) {
        const price = market.bid(s, t) / 10 ** (s === 'EURUSD' || s === 'GBPUSD' ? 5 : 2);
        expect(price).toBeGreaterThan(ranges[s][0]);
        expect(price).toBeLessThan(ranges[s][1]);
      }
    }
  });

  it('prices a deal inside its minute bar (Bid moves linearly from open to close)', () => {
    const t = Date.UTC(2026, 0, 14, 10, 7);
    const [bar] = market.bars('EURUSD', t, t + MINUTE_MS);
    const mid = market.bid('EURUSD', t + 30_000) / 1e5;
    expect(mid).toBeGreaterThanOrEqual(Math.min(bar!.open, bar!.close));
    expect(mid).toBeLessThanOrEqual(Math.max(bar!.open, bar!.close));
  });
});

/**
 * The simulated `Brymix-Demo` price feed: one seeded M1 random walk per symbol over a fixed
 * January 2026 window, shared by every account on the server (two traders see the same EURUSD).
 *
 * Prices are kept as integer points (EURUSD 1.17234 → 117234) so that profit arithmetic is exact;
 * bars are built on Bid, Ask = Bid + spread (reference/rules.md §6.1). Within a minute the Bid
 * moves linearly from the bar's open to its close, so a deal's price always lies inside its bar.
 */
import type { Bar, SymbolSpec } from '../history.ts';
import { isMarketOpen, isoUtc, MARKET_END_MS, MARKET_START_MS, MINUTE_MS, serverUtcOffsetMinutes } from './calendar.ts';
import { hashString, mulberry32 } from './prng.ts';

export type SymbolName = 'EURUSD' | 'GBPUSD' | 'XAUUSD' | 'US30';

export interface SymbolConfig {
  name: SymbolName;
  digits: number;
  point: number;
  contractSize: number;
  profitCurrency: 'USD';
  /** Bid at the start of the feed, in points. */
  startPoints: number;
  /** Standard deviation of a one-minute Bid change in the London session, in points. */
  sigmaPoints: number;
  /** Typical spread in points, and the random extra on top of it. */
  spreadPoints: number;
  spreadJitterPoints: number;
  /** Commission in USD per lot per side (negative = charged). Raw-spread FX and gold pay it. */
  commissionPerLot: number;
  /** Swap in USD per lot per night for long and short positions. */
  swapLongPerLot: number;
  swapShortPerLot: number;
  /** Lot sizes a trader on a 100k account would use: scripted trades aim near `typicalLots`. */
  minLots: number;
  typicalLots: number;
  maxLots: number;
}

export const SYMBOLS: Readonly<Record<SymbolName, SymbolConfig>> = Object.freeze({
  EURUSD: {
    name: 'EURUSD',
    digits: 5,
    point: 0.00001,
    contractSize: 100_000,
    profitCurrency: 'USD',
    startPoints: 117_180,
    sigmaPoints: 12,
    spreadPoints: 2,
    spreadJitterPoints: 4,
    commissionPerLot: -3.5,
    swapLongPerLot: -9.8,
    swapShortPerLot: 2.1,
    minLots: 0.5,
    typicalLots: 6,
    maxLots: 25,
  },
  GBPUSD: {
    name: 'GBPUSD',
    digits: 5,
    point: 0.00001,
    contractSize: 100_000,
    profitCurrency: 'USD',
    startPoints: 134_520,
    sigmaPoints: 15,
    spreadPoints: 5,
    spreadJitterPoints: 5,
    commissionPerLot: -3.5,
    swapLongPerLot: -5.4,
    swapShortPerLot: -1.3,
    minLots: 0.5,
    typicalLots: 5,
    maxLots: 20,
  },
  XAUUSD: {
    name: 'XAUUSD',
    digits: 2,
    point: 0.01,
    contractSize: 100,
    profitCurrency: 'USD',
    startPoints: 445_020,
    sigmaPoints: 85,
    spreadPoints: 14,
    spreadJitterPoints: 14,
    commissionPerLot: -3.5,
    swapLongPerLot: -62.5,
    swapShortPerLot: 31.2,
    minLots: 0.3,
    typicalLots: 3,
    maxLots: 12,
  },
  US30: {
    name: 'US30',
    digits: 2,
    point: 0.01,
    contractSize: 1,
    profitCurrency: 'USD',
    startPoints: 4_862_050,
    sigmaPoints: 1_600,
    spreadPoints: 180,
    spreadJitterPoints: 90,
    commissionPerLot: 0,
    swapLongPerLot: -13.9,
    swapShortPerLot: 4.6,
    minLots: 1,
    typicalLots: 12,
    maxLots: 50,
  },
});

export const SYMBOL_NAMES = Object.keys(SYMBOLS) as SymbolName[];

export function symbolSpec(name: SymbolName): SymbolSpec {
  const s = SYMBOLS[name];
  return { contract_size: s.contractSize, point: s.point, profit_currency: s.profitCurrency };
}

export function pointsToPrice(name: SymbolName, points: number): number {
  return points / 10 ** SYMBOLS[name].digits;
}

interface Series {
  /** Bid at each minute boundary, index 0 = MARKET_START_MS; length = minutes + 1. */
  boundary: Int32Array;
  /** Bar spread (points), high and low (Bid, points) per minute. */
  spread: Int32Array;
  high: Int32Array;
  low: Int32Array;
}

export class Market {
  readonly startMs = MARKET_START_MS;
  readonly endMs = MARKET_END_MS;
  readonly minutes = (MARKET_END_MS - MARKET_START_MS) / MINUTE_MS;
  private readonly open: Uint8Array;
  private readonly series: Record<SymbolName, Series>;

  constructor() {
    this.open = new Uint8Array(this.minutes);
    const sessionFactor = new Float64Array(this.minutes);
    const rollover = new Uint8Array(this.minutes);
    // Clock arithmetic per hour, not per minute: the server offset only changes on the hour.
    for (let i = 0; i < this.minutes; i += 60) {
      const ms = this.startMs + i * MINUTE_MS;
      if (!isMarketOpen(ms)) continue;
      const serverHour = new Date(ms + serverUtcOffsetMinutes(ms) * MINUTE_MS).getUTCHours();
      // Asia quiet, London active, London/New York overlap busiest.
      const factor = serverHour < 9 ? 0.55 : serverHour < 15 ? 1 : serverHour < 19 ? 1.3 : serverHour < 23 ? 0.8 : 0.5;
      const end = Math.min(i + 60, this.minutes);
      this.open.fill(1, i, end);
      sessionFactor.fill(factor, i, end);
      rollover.fill(serverHour === 23 || serverHour === 0 ? 1 : 0, i, end);
    }
    const series = {} as Record<SymbolName, Series>;
    for (const name of SYMBOL_NAMES) {
      const cfg = SYMBOLS[name];
      const rng = mulberry32(hashString(`Brymix-Demo/${name}`));
      const boundary = new Int32Array(this.minutes + 1);
      const spread = new Int32Array(this.minutes);
      const high = new Int32Array(this.minutes);
      const low = new Int32Array(this.minutes);
      let bid = cfg.startPoints;
      boundary[0] = bid;
      for (let i = 0; i < this.minutes; i++) {
        const open = bid;
        if (this.open[i]) {
          const sigma = cfg.sigmaPoints * (sessionFactor[i] ?? 1);
          bid = open + Math.round(rng.normal() * sigma);
          // Wicks: a skewed uniform draw is plenty for bars nobody trades on.
          const wick = sigma * 0.8;
          const u = rng.next();
          const v = rng.next();
          high[i] = Math.max(open, bid) + Math.floor(u * u * wick);
          low[i] = Math.min(open, bid) - Math.floor(v * v * wick);
          const base = cfg.spreadPoints + Math.floor(rng.next() * (cfg.spreadJitterPoints + 1));
          spread[i] = rollover[i] ? base * 4 : base;
        } else {
          high[i] = open;
          low[i] = open;
          spread[i] = cfg.spreadPoints;
        }
        boundary[i + 1] = bid;
      }
      series[name] = { boundary, spread, high, low };
    }
    this.series = series;
  }

  private index(ms: number): number {
    if (ms < this.startMs || ms > this.endMs) {
      throw new RangeError(`no simulated prices at ${isoUtc(ms)}`);
    }
    return Math.floor((ms - this.startMs) / MINUTE_MS);
  }

  isOpenMinute(ms: number): boolean {
    if (ms < this.startMs || ms >= this.endMs) return false;
    return this.open[Math.floor((ms - this.startMs) / MINUTE_MS)] === 1;
  }

  /** Bid in points at an instant (linear within the minute). */
  bid(name: SymbolName, ms: number): number {
    const s = this.series[name];
    const i = this.index(ms);
    const from = s.boundary[i] ?? 0;
    if (i === this.minutes) return from;
    const to = s.boundary[i + 1] ?? from;
    const frac = (ms - this.startMs - i * MINUTE_MS) / MINUTE_MS;
    return Math.round(from + (to - from) * frac);
  }

  /** Spread in points at an instant (the bar's spread). */
  spread(name: SymbolName, ms: number): number {
    const i = Math.min(this.index(ms), this.minutes - 1);
    return this.series[name].spread[i] ?? 0;
  }

  ask(name: SymbolName, ms: number): number {
    return this.bid(name, ms) + this.spread(name, ms);
  }

  /** M1 bars (Bid) of the open minutes in [fromMs, toMs). */
  bars(name: SymbolName, fromMs: number, toMs: number): Bar[] {
    const cfg = SYMBOLS[name];
    const s = this.series[name];
    const scale = 10 ** cfg.digits;
    const first = Math.max(0, Math.floor((fromMs - this.startMs) / MINUTE_MS));
    const last = Math.min(this.minutes, Math.ceil((toMs - this.startMs) / MINUTE_MS));
    const out: Bar[] = [];
    for (let i = first; i < last; i++) {
      if (!this.open[i]) continue;
      out.push({
        time: isoUtc(this.startMs + i * MINUTE_MS),
        open: (s.boundary[i] ?? 0) / scale,
        high: (s.high[i] ?? 0) / scale,
        low: (s.low[i] ?? 0) / scale,
        close: (s.boundary[i + 1] ?? 0) / scale,
        spread_points: s.spread[i] ?? 0,
      });
    }
    return out;
  }
}

let shared: Market | undefined;

/** The server's price feed, built once per process on first use (~10 ms) and never mutated. */
export function demoMarket(): Market {
  shared ??= new Market();
  return shared;
}

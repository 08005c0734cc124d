/**
 * Who trades the live accounts. Any login without a script is a seeded random trader (a day
 * trader, a scalper or a swing trader; seed = hash of the login and the start of monitoring):
 * cheap, no look-ahead, may or may not break rules. The scripted live logins (`live-scenarios.ts`)
 * hand over to these once their scripted trade is done.
 */
import { entryPoints, exitPoints, type LiveBook, type LiveTrader, maxCentiLots } from './live-book.ts';
import { SYMBOLS, type SymbolName } from './market.ts';
import { mulberry32, type Rng } from './prng.ts';

const SYMBOL_WEIGHTS: readonly (readonly [SymbolName, number])[] = [
  ['EURUSD', 40],
  ['XAUUSD', 25],
  ['GBPUSD', 20],
  ['US30', 15],
];

interface Style {
  /** Time between two opening decisions, in seconds (log-uniform). */
  gap: [number, number];
  /** Holding time, in seconds (log-uniform). */
  hold: [number, number];
  maxOpen: number;
}

const STYLES: Readonly<Record<'day' | 'scalper' | 'swing', Style>> = {
  day: { gap: [120, 2_400], hold: [60, 7_200], maxOpen: 2 },
  scalper: { gap: [15, 240], hold: [10, 600], maxOpen: 3 },
  swing: { gap: [1_200, 14_400], hold: [1_800, 86_400], maxOpen: 2 },
};

const logUniform = (rng: Rng, [lo, hi]: [number, number]): number => Math.exp(rng.range(Math.log(lo), Math.log(hi)));

export class RandomTrader implements LiveTrader {
  nextOpenMs: number;
  private readonly rng: Rng;
  private readonly style: Style;
  private readonly sizeFactor: number;

  constructor(seed: number, fromMs: number) {
    this.rng = mulberry32(seed);
    const name = this.rng.weighted<keyof typeof STYLES>([
      ['day', 60],
      ['scalper', 15],
      ['swing', 25],
    ]);
    this.style = STYLES[name];
    this.sizeFactor = name === 'scalper' ? this.rng.range(0.1, 0.35) : this.rng.range(0.2, 0.8);
    // The first trade comes within half a minute, so a freshly watched account shows activity.
    this.nextOpenMs = fromMs + this.rng.int(500, 30_000);
  }

  act(book: LiveBook, ms: number): void {
    const rng = this.rng;
    if (book.positions.length < this.style.maxOpen) {
      const symbol = rng.weighted(SYMBOL_WEIGHTS);
      const lots = SYMBOLS[symbol].typicalLots * this.sizeFactor * Math.exp(rng.normal() * 0.45);
      const centiLots = Math.min(
        Math.max(1, Math.round(lots * 100)),
        maxCentiLots(symbol, book.equityCents(ms), ms, 0.3),
      );
      const holdMs = Math.round(logUniform(rng, this.style.hold) * 1_000);
      book.open(ms, symbol, rng.chance(0.5) ? 1 : -1, centiLots, ms + holdMs);
    }
    this.nextOpenMs = ms + Math.max(1, Math.round(logUniform(rng, this.style.gap) * 1_000));
  }
}

/**
 * A careful trader: one small position at a time, and before opening it looks at the price path
 * of the whole holding time (the simulator knows it) and passes on any trade whose floating loss
 * would take equity more than `risk` below the best closed balance, or whose floating gain would
 * exceed `swing`. So its equity never falls more than risk + swing below any earlier peak.
 */
export class CarefulTrader implements LiveTrader {
  private readonly rng: Rng;
  private highWaterCents: number;

  constructor(
    seed: number,
    public nextOpenMs: number,
    startBalanceCents: number,
    private readonly riskCents = 420_000,
    private readonly swingCents = 50_000,
  ) {
    this.rng = mulberry32(seed);
    this.highWaterCents = startBalanceCents;
  }

  act(book: LiveBook, ms: number): void {
    const rng = this.rng;
    this.highWaterCents = Math.max(this.highWaterCents, book.balanceCents);
    let busyUntil = ms;
    if (book.positions.length === 0) {
      const symbol = rng.weighted(SYMBOL_WEIGHTS);
      const dir = rng.chance(0.5) ? 1 : -1;
      const centiLots = Math.max(1, Math.round(SYMBOLS[symbol].typicalLots * rng.range(5, 25)));
      const holdMs = rng.int(120, 900) * 1_000;
      // Swap is booked at most once in a hold of 15 minutes: a triple swap is the worst case.
      const cfg = SYMBOLS[symbol];
      const swapSlack = Math.ceil(Math.abs(Math.min(cfg.swapLongPerLot, cfg.swapShortPerLot)) * 3 * centiLots);
      const floor = this.highWaterCents - this.riskCents + swapSlack;
      const opening = book.balanceCents + Math.round(centiLots * cfg.commissionPerLot);
      if (pathStaysWithin(symbol, dir, centiLots, ms, holdMs, floor - opening, this.swingCents)) {
        book.open(ms, symbol, dir, centiLots, ms + holdMs);
        busyUntil = ms + holdMs;
      }
    }
    this.nextOpenMs = busyUntil + rng.int(30, 300) * 1_000 + rng.int(0, 999);
  }
}

/** Whether a position's floating profit stays within [low, high] cents for every second it is held. */
function pathStaysWithin(
  symbol: SymbolName,
  dir: 1 | -1,
  centiLots: number,
  t0: number,
  holdMs: number,
  low: number,
  high: number,
): boolean {
  const path = floatPath(symbol, dir, t0, t0, Math.ceil(holdMs / 1_000) + 1);
  for (const perCentiLot of path) {
    const cents = perCentiLot * centiLots;
    if (cents < low || cents > high) return false;
  }
  return true;
}

/**
 * Floating profit per hundredth of a lot, in cents (unrounded), of a position opened at `t0`,
 * sampled once a second from `fromMs` for `seconds` seconds (at the same offset within the second).
 */
export function floatPath(symbol: SymbolName, dir: 1 | -1, t0: number, fromMs: number, seconds: number): number[] {
  const cfg = SYMBOLS[symbol];
  const scale = cfg.contractSize / 10 ** cfg.digits;
  const entry = entryPoints(symbol, dir, t0);
  const out = new Array<number>(Math.max(0, seconds));
  for (let i = 0; i < out.length; i++) out[i] = (exitPoints(symbol, dir, fromMs + i * 1_000) - entry) * dir * scale;
  return out;
}

/**
 * The live price feed of `Brymix-Demo`: what the simulated market quotes at any real instant, a
 * pure function of the symbol and the second, so every process (and every replay of an account)
 * sees the same price at the same time without keeping a history of prices.
 *
 * The Bid is fractal value noise: octaves with periods of 1 s … 2^21 s (about 24 days), each a
 * linear interpolation between seeded lattice values, with amplitudes growing as the square root
 * of the period, which moves like a random walk around the symbol's January level (σ per minute
 * `LIVE_SIGMA_FACTOR` times January's London session) without drifting away. Prices are integer
 * points and change once a second (one tick per second); Ask = Bid + spread, as in `market.ts`.
 */
import { SYMBOL_NAMES, SYMBOLS, type SymbolName } from './market.ts';
import { hashString } from './prng.ts';

const OCTAVES = 22;
/** The live market is busier than January's London session: twice its σ per minute. */
const LIVE_SIGMA_FACTOR = 2;
/** Measured: the σ of a one-minute change of the sum of octaves with amplitude √period. */
const UNIT_SIGMA_PER_MINUTE = 9.07;

interface SymbolFeed {
  seeds: Int32Array;
  amplitudes: Float64Array;
  start: number;
  spread: number;
  jitter: number;
  /** The last second asked for and its prices: every account reading in that second shares them. */
  second: number;
  bid: number;
  spreadNow: number;
}

function mix(seed: number, index: number): number {
  let h = Math.imul(index ^ seed, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h ^ (index >>> 16), 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x27d4eb2d);
  return (h ^ (h >>> 15)) >>> 0;
}

/** A lattice value in [-1, 1). */
const lattice = (seed: number, index: number): number => mix(seed, index) / 2_147_483_648 - 1;

const feeds = {} as Record<SymbolName, SymbolFeed>;
for (const name of SYMBOL_NAMES) {
  const cfg = SYMBOLS[name];
  const base = hashString(`Brymix-Demo/live/${name}`);
  const seeds = new Int32Array(OCTAVES);
  const amplitudes = new Float64Array(OCTAVES);
  const unit = (cfg.sigmaPoints * LIVE_SIGMA_FACTOR) / UNIT_SIGMA_PER_MINUTE;
  for (let k = 0; k < OCTAVES; k++) {
    seeds[k] = mix(base, k + 1);
    amplitudes[k] = unit * Math.sqrt(2 ** k);
  }
  feeds[name] = {
    seeds,
    amplitudes,
    start: cfg.startPoints,
    spread: cfg.spreadPoints,
    jitter: cfg.spreadJitterPoints,
    second: Number.NaN,
    bid: 0,
    spreadNow: 0,
  };
}

function bidAt(f: SymbolFeed, second: number): number {
  let sum = 0;
  for (let k = 0; k < OCTAVES; k++) {
    const period = 2 ** k;
    const cell = Math.floor(second / period);
    const frac = (second - cell * period) / period;
    const seed = f.seeds[k]!;
    const a = lattice(seed, cell);
    sum += f.amplitudes[k]! * (a + (lattice(seed, cell + 1) - a) * frac);
  }
  return f.start + Math.round(sum);
}

function tick(name: SymbolName, ms: number): SymbolFeed {
  const f = feeds[name];
  const second = Math.floor(ms / 1000);
  if (second !== f.second) {
    f.second = second;
    f.bid = bidAt(f, second);
    f.spreadNow = f.spread + (mix(f.seeds[0]!, second ^ 0x5f3759df) % (f.jitter + 1));
  }
  return f;
}

/** Bid in points at an instant (the tick of its second). */
export function liveBid(name: SymbolName, ms: number): number {
  return tick(name, ms).bid;
}

/** Ask in points at an instant: Bid + that second's spread. */
export function liveAsk(name: SymbolName, ms: number): number {
  const f = tick(name, ms);
  return f.bid + f.spreadNow;
}

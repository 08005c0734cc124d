/**
 * Any login without a script gets a seeded random trader (seed = hash of the login): a swing
 * trader, a day trader or a scalper, trading a few days of the demo challenge. Such accounts may
 * or may not break rules, and may end with positions open; the same login always gives the same
 * history. Scalpers produce thousands of deals, which is what benchmarks want.
 */
import { AS_OF_MS, DAY_MS, MINUTE_MS, pragueToUtcMs } from './calendar.ts';
import type { PositionPlan } from './ledger.ts';
import { type Market, SYMBOLS, type SymbolName } from './market.ts';
import { mulberry32 } from './prng.ts';

type TraderStyle = 'swing' | 'day' | 'scalper';

export interface TraderProfile {
  style: TraderStyle;
  /** Prague dates (`YYYY-MM-DD`) the trader opens positions on. */
  days: string[];
  tradesPerDay: [number, number];
  /** Holding time range in seconds (log-uniform). */
  holdSeconds: [number, number];
  /** Multiplier on a symbol's typical size. */
  sizeFactor: number;
}

/** The challenge's trading days: Mon 2026-01-12 … Fri 2026-01-23. */
const CHALLENGE_DAYS = [
  '2026-01-12',
  '2026-01-13',
  '2026-01-14',
  '2026-01-15',
  '2026-01-16',
  '2026-01-19',
  '2026-01-20',
  '2026-01-21',
  '2026-01-22',
  '2026-01-23',
];

const SYMBOL_WEIGHTS: readonly (readonly [SymbolName, number])[] = [
  ['EURUSD', 40],
  ['XAUUSD', 25],
  ['GBPUSD', 20],
  ['US30', 15],
];

export function traderProfile(seed: number): TraderProfile {
  const rng = mulberry32(seed ^ 0x5bd1e995);
  const style = rng.weighted<TraderStyle>([
    ['swing', 25],
    ['day', 55],
    ['scalper', 20],
  ]);
  const dayCount = style === 'swing' ? rng.int(4, 8) : style === 'day' ? rng.int(3, 8) : rng.int(3, 6);
  const pool = [...CHALLENGE_DAYS];
  const days: string[] = [];
  for (let i = 0; i < dayCount; i++) days.push(pool.splice(rng.int(0, pool.length - 1), 1)[0]!);
  days.sort();
  switch (style) {
    case 'swing':
      return { style, days, tradesPerDay: [1, 3], holdSeconds: [1_800, 30 * 3_600], sizeFactor: rng.range(0.3, 0.9) };
    case 'day':
      return { style, days, tradesPerDay: [3, 12], holdSeconds: [150, 3 * 3_600], sizeFactor: rng.range(0.4, 1.3) };
    case 'scalper':
      return { style, days, tradesPerDay: [80, 260], holdSeconds: [20, 15 * 60], sizeFactor: rng.range(0.1, 0.35) };
  }
}

/** Next instant at or after `ms` when the market is open (skips the weekend). */
function nextOpen(market: Market, ms: number): number {
  let t = ms;
  while (!market.isOpenMinute(t) && t < market.endMs) t = Math.ceil((t + 1) / MINUTE_MS) * MINUTE_MS + 7_000;
  return t;
}

export function planRandomTrader(market: Market, seed: number): PositionPlan[] {
  const profile = traderProfile(seed);
  const rng = mulberry32(seed);
  const plans: PositionPlan[] = [];
  for (const day of profile.days) {
    const dayStart = pragueToUtcMs(`${day}T08:00`);
    const dayEnd = Math.min(pragueToUtcMs(`${day}T21:30`), AS_OF_MS - 10 * MINUTE_MS);
    const count = rng.int(profile.tradesPerDay[0], profile.tradesPerDay[1]);
    const entries: number[] = [];
    for (let i = 0; i < count; i++) entries.push(dayStart + Math.floor(rng.next() * (dayEnd - dayStart)));
    entries.sort((a, b) => a - b);
    for (const t0 of entries) {
      if (!market.isOpenMinute(t0)) continue;
      const symbol = rng.weighted(SYMBOL_WEIGHTS);
      const cfg = SYMBOLS[symbol];
      const side = rng.chance(0.5) ? 'buy' : 'sell';
      const lots = cfg.typicalLots * profile.sizeFactor * Math.exp(rng.normal() * 0.45);
      let centiLots = Math.max(1, Math.round(lots * 100));
      const [hMin, hMax] = profile.holdSeconds;
      const holdMs = Math.round(Math.exp(rng.range(Math.log(hMin), Math.log(hMax))) * 1_000);
      // A swing position running into the weekend is closed on Monday, or stays open at the end.
      const te = nextOpen(market, t0 + holdMs);
      const shape = rng.next();
      const legs: PositionPlan['legs'] = [];
      if (shape < 0.1 && centiLots >= 2) {
        // Scale in once a third of the way, then close everything.
        const first = Math.ceil(centiLots / 2);
        const t1 = t0 + Math.round((te - t0) / 3);
        legs.push({ timeMs: t0, centiLots: first, entry: 'in' });
        legs.push({ timeMs: nextOpen(market, t1), centiLots: centiLots - first, entry: 'in' });
        legs.push({ timeMs: te, centiLots, entry: 'out' });
      } else if (shape < 0.25 && centiLots >= 2) {
        // Partial close half-way.
        const part = Math.floor(centiLots / 2);
        const t1 = nextOpen(market, t0 + Math.round((te - t0) / 2));
        legs.push({ timeMs: t0, centiLots, entry: 'in' });
        legs.push({ timeMs: t1, centiLots: part, entry: 'out' });
        legs.push({ timeMs: Math.max(te, t1), centiLots: centiLots - part, entry: 'out' });
      } else {
        legs.push({ timeMs: t0, centiLots, entry: 'in' });
        legs.push({ timeMs: te, centiLots, entry: 'out' });
      }
      if (legs.some((l) => l.timeMs >= market.endMs)) centiLots = 0;
      if (centiLots === 0) continue;
      plans.push({ symbol, side, legs, sl: null, tp: null });
    }
  }
  // Some day traders forget one position at the end of the challenge.
  if (profile.style !== 'scalper' && rng.chance(0.3)) {
    const t0 = AS_OF_MS - rng.int(30, 300) * MINUTE_MS + rng.int(0, 59_999);
    if (market.isOpenMinute(t0)) {
      const symbol = rng.weighted(SYMBOL_WEIGHTS);
      const centiLots = Math.max(1, Math.round(SYMBOLS[symbol].typicalLots * profile.sizeFactor * 100));
      plans.push({
        symbol,
        side: rng.chance(0.5) ? 'buy' : 'sell',
        legs: [
          { timeMs: t0, centiLots, entry: 'in' },
          { timeMs: AS_OF_MS + DAY_MS, centiLots, entry: 'out' },
        ],
        sl: null,
        tp: null,
      });
    }
  }
  return plans;
}

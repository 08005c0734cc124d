/**
 * Turns a trader's intent ("buy EURUSD at 09:20 Prague, make about +850 USD, hold 8–75 min")
 * into concrete positions on the shared price feed: the planner looks for an exit minute (and a
 * side, unless forced) where the market really moved that way and sizes the volume to hit the
 * target. Results are exact bookings of the feed, never invented P/L.
 */
import { MINUTE_MS, pragueToUtcMs } from './calendar.ts';
import type { PositionPlan } from './ledger.ts';
import { type Market, pointsToPrice, SYMBOLS, type SymbolName } from './market.ts';
import type { Rng } from './prng.ts';

type Side = 'buy' | 'sell';

/** Aim the gross profit of the closing deals at `target` USD. */
export interface TargetTrade {
  kind: 'target';
  symbol: SymbolName;
  /** Prague wall time of the entry minute, `YYYY-MM-DDTHH:mm`. */
  at: string;
  target: number;
  side?: Side;
  /** Acceptable holding time in minutes; default [8, 75]. */
  holdMinutes?: [number, number];
  /** Worst floating loss (USD, spread included) allowed while the position is open. */
  maxAdverse?: number;
  /** Close half the volume this long after entry (ms), the rest at the exit. */
  partialAfterMs?: number | 'half';
  /** Latest Prague wall time for the exit. */
  exitBefore?: string;
  /** How long the entry may wait past `at` for a fitting window; default 45 min. */
  maxDelayMinutes?: number;
}

/** A trade of fixed side, size and exact duration (P/L is whatever the market gives). */
export interface FixedTrade {
  kind: 'fixed';
  symbol: SymbolName;
  at: string;
  side: Side;
  lots: number;
  holdMs: number;
}

/**
 * A position that sinks into a floating loss deep enough to take equity down to about
 * `equityLow`, then recovers and is closed with a small profit (reference/rules.md §0.1: the
 * floating-loss case a closed-deals-only checker misses).
 */
export interface DipTrade {
  kind: 'dip';
  symbol: SymbolName;
  at: string;
  side: Side;
  equityLow: number;
  /** Minutes after `at` in which the entry may be placed. */
  searchMinutes: number;
  maxHoldMinutes: number;
  /** Closing profit range (USD). */
  recover: [number, number];
  exitBefore?: string;
}

/** The last trade of a script: sized so the account closes at `balance`. */
interface ToBalanceTrade extends Omit<TargetTrade, 'kind' | 'target'> {
  kind: 'to_balance';
  balance: number;
}

export type TradeSpec = TargetTrade | FixedTrade | DipTrade | ToBalanceTrade;

export interface Jitter {
  entryMs: number;
  exitMs: number;
}

export function drawJitter(rng: Rng): Jitter {
  return { entryMs: rng.int(2_000, 57_999), exitMs: rng.int(-25_000, 25_000) };
}

/** Cents per point per 0.01 lot. */
const centsPerPoint = (symbol: SymbolName): number => SYMBOLS[symbol].contractSize / 10 ** SYMBOLS[symbol].digits;

/** Price move in points, in the position's favour, from entry at t0 to a close at t. */
function moveAt(market: Market, symbol: SymbolName, side: Side, t0: number, t: number): number {
  return side === 'buy'
    ? market.bid(symbol, t) - market.ask(symbol, t0)
    : market.bid(symbol, t0) - market.ask(symbol, t);
}

function stopLoss(market: Market, symbol: SymbolName, side: Side, t0: number, worstMove: number): number {
  const buffer = SYMBOLS[symbol].spreadPoints * 25;
  return side === 'buy'
    ? pointsToPrice(symbol, market.ask(symbol, t0) + worstMove - buffer)
    : pointsToPrice(symbol, market.bid(symbol, t0) - worstMove + buffer);
}

/**
 * Finds the entry (at `at`, or up to `maxDelayMinutes` later: the trader waits for a setup), side,
 * exit and volume whose gross profit is closest to the target at a typical size.
 */
export function planTarget(
  market: Market,
  spec: Omit<TargetTrade, 'kind'>,
  jitter: Jitter,
  withSl: boolean,
): PositionPlan {
  const base = pragueToUtcMs(spec.at) + jitter.entryMs;
  for (let delay = 0; delay <= (spec.maxDelayMinutes ?? 45); delay++) {
    const t0 = base + delay * MINUTE_MS;
    if (!market.isOpenMinute(t0)) continue;
    const plan = planTargetAt(market, spec, t0, jitter, withSl);
    if (plan) return plan;
  }
  throw new Error(`no ${spec.symbol} window for a ${spec.target} USD trade at ${spec.at} Prague`);
}

function planTargetAt(
  market: Market,
  spec: Omit<TargetTrade, 'kind'>,
  t0: number,
  jitter: Jitter,
  withSl: boolean,
): PositionPlan | undefined {
  const cfg = SYMBOLS[spec.symbol];
  const pv = centsPerPoint(spec.symbol);
  const [holdMin, holdMax] = spec.holdMinutes ?? [8, 75];
  const exitLimit = spec.exitBefore ? pragueToUtcMs(spec.exitBefore) : Number.POSITIVE_INFINITY;
  const maxAdverse =
    spec.maxAdverse ?? (spec.target > 0 ? Math.max(600, 0.9 * spec.target) : Math.abs(spec.target) + 500);
  let best: { score: number; plan: PositionPlan } | undefined;
  for (const side of spec.side ? [spec.side] : (['buy', 'sell'] as const)) {
    let worst = moveAt(market, spec.symbol, side, t0, t0);
    let boundary = Math.ceil(t0 / MINUTE_MS) * MINUTE_MS;
    for (let k = 1; k <= holdMax; k++) {
      const te = t0 + k * MINUTE_MS + jitter.exitMs;
      for (; boundary < te; boundary += MINUTE_MS) {
        if (market.isOpenMinute(boundary)) worst = Math.min(worst, moveAt(market, spec.symbol, side, t0, boundary));
      }
      if (k < holdMin || !market.isOpenMinute(te)) continue;
      if (te > exitLimit) break;
      const exitMove = moveAt(market, spec.symbol, side, t0, te);
      let tm: number | undefined;
      let move = exitMove;
      if (spec.partialAfterMs !== undefined) {
        tm = t0 + (spec.partialAfterMs === 'half' ? Math.round((te - t0) / 2) : spec.partialAfterMs);
        if (tm >= te || !market.isOpenMinute(tm)) continue;
        move = (moveAt(market, spec.symbol, side, t0, tm) + exitMove) / 2;
      }
      if (move * spec.target <= 0) continue;
      let centiLots = Math.round((spec.target * 100) / (move * pv));
      if (tm !== undefined) centiLots = 2 * Math.round(centiLots / 2);
      const lots = centiLots / 100;
      if (lots < cfg.minLots || lots > cfg.maxLots) continue;
      const adverse = (-Math.min(worst, 0) * centiLots * pv) / 100;
      if (adverse > maxAdverse) continue;
      const score = Math.abs(Math.log(lots / cfg.typicalLots));
      if (best && best.score <= score) continue;
      const legs: PositionPlan['legs'] =
        tm === undefined
          ? [
              { timeMs: t0, centiLots, entry: 'in' },
              { timeMs: te, centiLots, entry: 'out' },
            ]
          : [
              { timeMs: t0, centiLots, entry: 'in' },
              { timeMs: tm, centiLots: centiLots / 2, entry: 'out' },
              { timeMs: te, centiLots: centiLots / 2, entry: 'out' },
            ];
      best = {
        score,
        plan: {
          symbol: spec.symbol,
          side,
          legs,
          sl: withSl ? stopLoss(market, spec.symbol, side, t0, worst) : null,
          tp: null,
        },
      };
    }
  }
  return best?.plan;
}

export function planFixed(market: Market, spec: FixedTrade, jitter: Jitter): PositionPlan {
  const t0 = pragueToUtcMs(spec.at) + jitter.entryMs;
  const centiLots = Math.round(spec.lots * 100);
  const te = t0 + spec.holdMs;
  if (!market.isOpenMinute(t0) || !market.isOpenMinute(te)) throw new Error(`market closed for trade at ${spec.at}`);
  return {
    symbol: spec.symbol,
    side: spec.side,
    legs: [
      { timeMs: t0, centiLots, entry: 'in' },
      { timeMs: te, centiLots, entry: 'out' },
    ],
    sl: null,
    tp: null,
  };
}

/**
 * `balanceBeforeCents`: the account balance when the dip position opens (no other position open).
 * Sizes the volume so that equity at the deepest minute snapshot is about `equityLow`.
 */
export function planDip(market: Market, spec: DipTrade, jitter: Jitter, balanceBeforeCents: number): PositionPlan {
  const cfg = SYMBOLS[spec.symbol];
  const pv = centsPerPoint(spec.symbol);
  const start = pragueToUtcMs(spec.at) + jitter.entryMs;
  const exitLimit = spec.exitBefore ? pragueToUtcMs(spec.exitBefore) : Number.POSITIVE_INFINITY;
  let best: { score: number; plan: PositionPlan } | undefined;
  for (let e = 0; e <= spec.searchMinutes; e++) {
    const t0 = start + e * MINUTE_MS;
    if (!market.isOpenMinute(t0)) continue;
    let worst = 0;
    for (let k = 1; k <= spec.maxHoldMinutes; k++) {
      const boundary = Math.ceil(t0 / MINUTE_MS) * MINUTE_MS + (k - 1) * MINUTE_MS;
      if (boundary > exitLimit) break;
      if (!market.isOpenMinute(boundary)) continue;
      const mv = moveAt(market, spec.symbol, spec.side, t0, boundary);
      if (mv < worst) {
        worst = mv;
        continue;
      }
      if (worst >= 0 || mv <= 0) continue;
      // A recovery after a trough: size the volume from the trough, then check the exit profit.
      const te = boundary + 20_000 + (Math.abs(jitter.exitMs) % 30_000);
      if (te > exitLimit || !market.isOpenMinute(te)) continue;
      const exitMove = moveAt(market, spec.symbol, spec.side, t0, te);
      let centiLots = 0;
      for (let i = 0; i < 3; i++) {
        const commission = Math.round(centiLots * cfg.commissionPerLot);
        const floatTarget = balanceBeforeCents + commission - Math.round(spec.equityLow * 100);
        centiLots = Math.round(floatTarget / (-worst * pv));
      }
      const lots = centiLots / 100;
      if (lots < cfg.minLots || lots > cfg.maxLots * 1.5) continue;
      const profit = (exitMove * centiLots * pv) / 100;
      if (profit < spec.recover[0] || profit > spec.recover[1]) continue;
      const score = Math.abs(Math.log(lots / cfg.typicalLots)) + k / 600;
      if (!best || score < best.score) {
        best = {
          score,
          plan: {
            symbol: spec.symbol,
            side: spec.side,
            legs: [
              { timeMs: t0, centiLots, entry: 'in' },
              { timeMs: te, centiLots, entry: 'out' },
            ],
            sl: null,
            tp: null,
          },
        };
      }
      break;
    }
  }
  if (!best) throw new Error(`no dip window for ${spec.symbol} at ${spec.at} Prague`);
  return best.plan;
}

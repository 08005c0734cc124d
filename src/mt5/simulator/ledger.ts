/**
 * Books planned positions against the simulated price feed, the way an MT5 hedging account would:
 * deals with entry in/out, prices at Ask/Bid, commissions per side, swaps at rollover, and an
 * equity curve sampled every minute while anything is open plus once at every deal.
 *
 * All money is kept in integer cents and rounded half away from zero, so the history is
 * internally consistent to the cent: final balance = initial + Σ(profit + commission + swap + fee),
 * and every snapshot's `balance` is exactly the running balance (reference/rules.md §6.2).
 */
import { centsToAmount } from '../../infra/money.ts';
import type { AccountHistory, AccountInfo, Bar, Deal, EquitySnapshot, OpenPosition, SymbolSpec } from '../history.ts';
import { isoUtc, MINUTE_MS, rolloversBetween, serverUtcOffsetMinutes } from './calendar.ts';
import { type Market, pointsToPrice, SYMBOLS, type SymbolName, symbolSpec } from './market.ts';
import { mulberry32 } from './prng.ts';

interface LegPlan {
  timeMs: number;
  /** Volume in hundredths of a lot (0.01 lot = 1), so volumes add up exactly. */
  centiLots: number;
  entry: 'in' | 'out';
  comment?: string;
}

export interface PositionPlan {
  symbol: SymbolName;
  side: 'buy' | 'sell';
  /** Time-ordered; the first leg is `in`; `out` legs never exceed the volume open. */
  legs: LegPlan[];
  sl?: number | null;
  tp?: number | null;
}

export interface LedgerOptions {
  login: string;
  server: string;
  initialBalance: number;
  asOfMs: number;
  leverage: number;
  /** Seeds ticket numbering (other accounts' deals leave gaps between ours). */
  ticketSeed: number;
  includeBars?: boolean;
}

export interface LedgerResult {
  history: AccountHistory;
  info: AccountInfo;
}

/** Rounds half away from zero (MT5 money rounding) and never returns -0. */
function roundHalfAway(x: number): number {
  const r = x < 0 ? -Math.round(-x) : Math.round(x);
  return r === 0 ? 0 : r;
}

interface OpenState {
  planIndex: number;
  id: number;
  symbol: SymbolName;
  dir: 1 | -1;
  centiLots: number;
  /** Volume-weighted entry price in points (fractional after a scale-in). */
  avgPoints: number;
  swapCents: number;
  openMs: number;
}

/** Floating profit of a position at an instant, in cents (longs close at Bid, shorts at Ask). */
function floatingCents(market: Market, p: OpenState, ms: number): number {
  const exit = p.dir > 0 ? market.bid(p.symbol, ms) : market.ask(p.symbol, ms);
  return profitCents(p.symbol, (exit - p.avgPoints) * p.dir, p.centiLots);
}

/** (exit − entry)·dir in points × volume × contract size, in cents, rounded to the cent. */
function profitCents(symbol: SymbolName, movePoints: number, centiLots: number): number {
  const cfg = SYMBOLS[symbol];
  // cents = points × 10^-digits × (centiLots / 100) × contract × 100
  return roundHalfAway((movePoints * centiLots * cfg.contractSize) / 10 ** cfg.digits);
}

function commissionCents(symbol: SymbolName, centiLots: number): number {
  return roundHalfAway(centiLots * SYMBOLS[symbol].commissionPerLot);
}

interface DealEvent {
  timeMs: number;
  planIndex: number;
  legIndex: number;
}

export function bookPositions(market: Market, plans: readonly PositionPlan[], opts: LedgerOptions): LedgerResult {
  const events: DealEvent[] = [];
  plans.forEach((plan, planIndex) => {
    let open = 0;
    let prev = -Infinity;
    plan.legs.forEach((leg, legIndex) => {
      if (leg.timeMs < prev) throw new Error(`legs of a ${plan.symbol} position are not time-ordered`);
      prev = leg.timeMs;
      if (legIndex === 0 && leg.entry !== 'in') throw new Error('a position must start with an in deal');
      if (!Number.isInteger(leg.centiLots) || leg.centiLots <= 0) throw new Error(`bad volume ${leg.centiLots}`);
      open += leg.entry === 'in' ? leg.centiLots : -leg.centiLots;
      if (open < 0) throw new Error('out volume exceeds open volume');
      if (leg.timeMs > opts.asOfMs) return; // after the reading instant: not happened yet
      if (!market.isOpenMinute(leg.timeMs)) throw new Error(`market closed at ${isoUtc(leg.timeMs)}`);
      events.push({ timeMs: leg.timeMs, planIndex, legIndex });
    });
  });
  events.sort((a, b) => a.timeMs - b.timeMs || a.planIndex - b.planIndex || a.legIndex - b.legIndex);

  const firstMs = events[0]?.timeMs ?? opts.asOfMs;
  const rollovers = rolloversBetween(firstMs, opts.asOfMs);

  const ticketRng = mulberry32(opts.ticketSeed);
  let nextTicket = 10_000_000 + ticketRng.int(0, 40_000_000);
  const positionIds = new Map<number, number>();
  const open: OpenState[] = [];
  const deals: Deal[] = [];
  const equity: EquitySnapshot[] = [];
  let balanceCents = Math.round(opts.initialBalance * 100);
  let nextBoundary = Number.POSITIVE_INFINITY;

  const equityCents = (ms: number): number => {
    let e = balanceCents;
    for (const p of open) e += floatingCents(market, p, ms) + p.swapCents;
    return e;
  };
  const snapshot = (ms: number): void => {
    equity.push({ time: isoUtc(ms), balance: centsToAmount(balanceCents), equity: centsToAmount(equityCents(ms)) });
  };
  /** Minute snapshots strictly before `untilMs` (or up to and including it when `inclusive`). */
  const snapshotsUntil = (untilMs: number, inclusive: boolean): void => {
    if (open.length === 0) return;
    while (nextBoundary < untilMs || (inclusive && nextBoundary === untilMs)) {
      if (market.isOpenMinute(nextBoundary)) snapshot(nextBoundary);
      nextBoundary += MINUTE_MS;
    }
  };

  let r = 0;
  const applyRolloversUntil = (ms: number): void => {
    for (let ro = rollovers[r]; ro && ro.timeMs <= ms; ro = rollovers[++r]) {
      snapshotsUntil(ro.timeMs, false);
      for (const p of open) {
        const cfg = SYMBOLS[p.symbol];
        const perLot = p.dir > 0 ? cfg.swapLongPerLot : cfg.swapShortPerLot;
        p.swapCents += roundHalfAway(p.centiLots * perLot * ro.multiplier);
      }
    }
  };

  for (let e = 0; e < events.length; e++) {
    const ev = events[e]!;
    applyRolloversUntil(ev.timeMs);
    snapshotsUntil(ev.timeMs, false);
    const plan = plans[ev.planIndex]!;
    const leg = plan.legs[ev.legIndex]!;
    const dir: 1 | -1 = plan.side === 'buy' ? 1 : -1;
    const bid = market.bid(plan.symbol, ev.timeMs);
    const ask = bid + market.spread(plan.symbol, ev.timeMs);
    const ticket = nextTicket;
    nextTicket += ticketRng.int(1, 37);
    let state = open.find((p) => p.planIndex === ev.planIndex);
    let pricePoints: number;
    let profit = 0;
    let swap = 0;
    const commission = commissionCents(plan.symbol, leg.centiLots);
    if (leg.entry === 'in') {
      pricePoints = dir > 0 ? ask : bid;
      if (!state) {
        if (open.length === 0) nextBoundary = Math.ceil(ev.timeMs / MINUTE_MS) * MINUTE_MS;
        positionIds.set(ev.planIndex, ticket);
        state = {
          planIndex: ev.planIndex,
          id: ticket,
          symbol: plan.symbol,
          dir,
          centiLots: 0,
          avgPoints: pricePoints,
          swapCents: 0,
          openMs: ev.timeMs,
        };
        open.push(state);
      }
      const total = state.centiLots + leg.centiLots;
      state.avgPoints = (state.avgPoints * state.centiLots + pricePoints * leg.centiLots) / total;
      state.centiLots = total;
    } else {
      if (!state) throw new Error('out deal for a position that is not open');
      pricePoints = dir > 0 ? bid : ask;
      profit = profitCents(plan.symbol, (pricePoints - state.avgPoints) * dir, leg.centiLots);
      swap =
        leg.centiLots === state.centiLots
          ? state.swapCents
          : roundHalfAway((state.swapCents * leg.centiLots) / state.centiLots);
      state.swapCents -= swap;
      state.centiLots -= leg.centiLots;
      if (state.centiLots === 0) open.splice(open.indexOf(state), 1);
    }
    balanceCents += profit + commission + swap;
    const positionId = positionIds.get(ev.planIndex) ?? ticket;
    deals.push({
      ticket,
      order: ticket + 3_000_000,
      time: isoUtc(ev.timeMs),
      type: (leg.entry === 'in') === dir > 0 ? 'buy' : 'sell',
      entry: leg.entry,
      position_id: positionId + 3_000_000,
      symbol: plan.symbol,
      volume: leg.centiLots / 100,
      price: pointsToPrice(plan.symbol, pricePoints),
      profit: centsToAmount(profit),
      commission: centsToAmount(commission),
      swap: centsToAmount(swap),
      fee: 0,
      comment: leg.comment ?? '',
      sl: plan.sl ?? null,
      tp: plan.tp ?? null,
    });
    // One snapshot per instant: after the last of several deals booked in the same millisecond.
    if (events[e + 1]?.timeMs !== ev.timeMs) snapshot(ev.timeMs);
    if (ev.timeMs === nextBoundary) nextBoundary += MINUTE_MS;
  }
  applyRolloversUntil(opts.asOfMs);
  snapshotsUntil(opts.asOfMs, true);

  const asOf = opts.asOfMs;
  const positions: OpenPosition[] = open.map((p) => {
    const plan = plans[p.planIndex]!;
    const digits = SYMBOLS[p.symbol].digits;
    const current = p.dir > 0 ? market.bid(p.symbol, asOf) : market.ask(p.symbol, asOf);
    return {
      ticket: p.id + 3_000_000,
      symbol: p.symbol,
      type: plan.side,
      volume: p.centiLots / 100,
      open_price: Number((p.avgPoints / 10 ** digits).toFixed(digits + 3)),
      current_price: pointsToPrice(p.symbol, current),
      sl: plan.sl ?? null,
      tp: plan.tp ?? null,
      swap: centsToAmount(p.swapCents),
      profit: centsToAmount(floatingCents(market, p, asOf)),
      open_time: isoUtc(p.openMs),
    };
  });

  let marginCents = 0;
  for (const p of open) {
    const cfg = SYMBOLS[p.symbol];
    // Forex/CFD margin: lots × contract × price / leverage (all margin currencies are USD-quoted).
    marginCents += roundHalfAway(
      (p.centiLots * cfg.contractSize * market.bid(p.symbol, asOf)) / 10 ** cfg.digits / opts.leverage,
    );
  }
  const finalEquityCents = equityCents(asOf);

  const traded = [...new Set(events.map((e) => plans[e.planIndex]!.symbol))].sort();
  const symbols: Record<string, SymbolSpec> = {};
  for (const s of traded) symbols[s] = symbolSpec(s);
  const history: AccountHistory = {
    account: {
      login: opts.login,
      server: opts.server,
      currency: 'USD',
      initial_balance: opts.initialBalance,
      server_utc_offset_minutes: serverUtcOffsetMinutes(asOf),
      margin_mode: 'hedging',
    },
    deals,
    equity,
    positions,
    symbols,
  };
  if (opts.includeBars) {
    const from = Math.floor((firstMs - 60 * MINUTE_MS) / MINUTE_MS) * MINUTE_MS;
    const bars: Record<string, Bar[]> = {};
    for (const s of traded) bars[s] = market.bars(s, Math.max(from, market.startMs), asOf);
    history.bars = bars;
  }

  const info: AccountInfo = {
    login: opts.login,
    server: opts.server,
    currency: 'USD',
    leverage: opts.leverage,
    balance: centsToAmount(balanceCents),
    equity: centsToAmount(finalEquityCents),
    credit: 0,
    margin: centsToAmount(marginCents),
    free_margin: centsToAmount(finalEquityCents - marginCents),
    margin_level: marginCents > 0 ? Math.round((finalEquityCents / marginCents) * 10_000) / 100 : null,
    as_of: isoUtc(asOf),
  };
  return { history, info };
}

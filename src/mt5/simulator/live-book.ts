/**
 * One live account's books on the simulated server, valued the way `ledger.ts` values the January
 * accounts: integer cents rounded half away from zero, longs opened at Ask and valued/closed at
 * Bid, shorts the other way round, commission per side on every deal, swap at each server-midnight
 * rollover (triple on Wednesday night) booked on the closing deal. So at every instant
 * equity = balance + Σ(floating profit + swap) of the open positions, and the balance is the
 * initial balance plus Σ(profit + commission + swap) of the deals.
 */
import { centsToAmount } from '../../infra/money.ts';
import type { Deal, OpenPosition } from '../history.ts';
import { isoUtc, rolloversBetween } from './calendar.ts';
import { liveAsk, liveBid } from './live-feed.ts';
import { pointsToPrice, SYMBOLS, type SymbolName } from './market.ts';

const LIVE_LEVERAGE = 100;

export interface LivePosition {
  id: number;
  symbol: SymbolName;
  dir: 1 | -1;
  centiLots: number;
  entryPoints: number;
  openMs: number;
  /** When the trader closes it (decided at the open). */
  closeMs: number;
  swapCents: number;
}

/** What a trader does on the account: open positions when `nextOpenMs` comes. */
export interface LiveTrader {
  /** When the trader next considers opening a position (+Infinity: never). */
  nextOpenMs: number;
  /** Called at `nextOpenMs`: opens zero or more positions and moves `nextOpenMs` past `ms`. */
  act(book: LiveBook, ms: number): void;
}

function roundHalfAway(x: number): number {
  const r = x < 0 ? -Math.round(-x) : Math.round(x);
  return r === 0 ? 0 : r;
}

/** (exit − entry)·dir in points × volume × contract size, in cents, rounded to the cent. */
function profitCents(symbol: SymbolName, movePoints: number, centiLots: number): number {
  const cfg = SYMBOLS[symbol];
  return roundHalfAway((movePoints * centiLots * cfg.contractSize) / 10 ** cfg.digits);
}

function commissionCents(symbol: SymbolName, centiLots: number): number {
  return roundHalfAway(centiLots * SYMBOLS[symbol].commissionPerLot);
}

/** Price a position opens at (longs at Ask, shorts at Bid), in points. */
export const entryPoints = (symbol: SymbolName, dir: 1 | -1, ms: number): number =>
  dir > 0 ? liveAsk(symbol, ms) : liveBid(symbol, ms);

/** Price a position is valued and closed at (longs at Bid, shorts at Ask), in points. */
export const exitPoints = (symbol: SymbolName, dir: 1 | -1, ms: number): number =>
  dir > 0 ? liveBid(symbol, ms) : liveAsk(symbol, ms);

/** The most volume, in hundredths of a lot, that `fraction` of the equity can margin at 1:100. */
export function maxCentiLots(symbol: SymbolName, equityCents: number, ms: number, fraction = 0.9): number {
  const cfg = SYMBOLS[symbol];
  const marginPerCentiLot = (cfg.contractSize * liveBid(symbol, ms)) / 10 ** cfg.digits / LIVE_LEVERAGE;
  return Math.max(1, Math.floor((equityCents * fraction) / marginPerCentiLot));
}

function nextRollover(afterMs: number): number {
  return rolloversBetween(afterMs, afterMs + 8 * 86_400_000)[0]?.timeMs ?? Number.POSITIVE_INFINITY;
}

function rolloverMultiplier(ms: number): number {
  return rolloversBetween(ms - 1, ms)[0]?.multiplier ?? 1;
}

export class LiveBook {
  balanceCents: number;
  readonly positions: LivePosition[] = [];
  /** The deals kept (the newest); `firstSeq` is the sequence number of `deals[0]`. */
  deals: Deal[] = [];
  firstSeq = 0;
  /** Deals booked since the account's books began (sequence number of the next deal). */
  dealCount = 0;
  /** Everything up to and including this instant is booked. */
  timeMs: number;
  private nextTicket: number;
  private rolloverMs: number;

  constructor(fromMs: number, balanceCents: number, ticketSeed: number) {
    this.timeMs = fromMs;
    this.balanceCents = balanceCents;
    this.nextTicket = 10_000_000 + (ticketSeed % 40_000_000);
    this.rolloverMs = nextRollover(fromMs);
  }

  open(ms: number, symbol: SymbolName, dir: 1 | -1, centiLots: number, closeMs: number): LivePosition {
    const price = entryPoints(symbol, dir, ms);
    const commission = commissionCents(symbol, centiLots);
    const ticket = this.takeTicket();
    const p: LivePosition = {
      id: ticket,
      symbol,
      dir,
      centiLots,
      entryPoints: price,
      openMs: ms,
      closeMs: Math.max(closeMs, ms),
      swapCents: 0,
    };
    this.positions.push(p);
    this.book(ticket, p, ms, 'in', price, 0, commission, 0);
    return p;
  }

  close(p: LivePosition, ms: number): void {
    const price = exitPoints(p.symbol, p.dir, ms);
    const profit = profitCents(p.symbol, (price - p.entryPoints) * p.dir, p.centiLots);
    this.positions.splice(this.positions.indexOf(p), 1);
    this.book(this.takeTicket(), p, ms, 'out', price, profit, commissionCents(p.symbol, p.centiLots), p.swapCents);
  }

  floatingCents(p: LivePosition, ms: number): number {
    return profitCents(p.symbol, (exitPoints(p.symbol, p.dir, ms) - p.entryPoints) * p.dir, p.centiLots);
  }

  equityCents(ms: number): number {
    let e = this.balanceCents;
    for (const p of this.positions) e += this.floatingCents(p, ms) + p.swapCents;
    return e;
  }

  /**
   * Books everything the trader and the calendar do in (timeMs, toMs], in time order: at one
   * instant a rollover, then closes, then opens.
   */
  advance(toMs: number, trader: LiveTrader): void {
    for (;;) {
      let closeAt = Number.POSITIVE_INFINITY;
      let closing: LivePosition | undefined;
      for (const p of this.positions) {
        if (p.closeMs < closeAt) {
          closeAt = p.closeMs;
          closing = p;
        }
      }
      const next = Math.min(this.rolloverMs, closeAt, trader.nextOpenMs);
      if (next > toMs) break;
      if (this.rolloverMs === next) {
        const multiplier = rolloverMultiplier(next);
        for (const p of this.positions) {
          const cfg = SYMBOLS[p.symbol];
          const perLot = p.dir > 0 ? cfg.swapLongPerLot : cfg.swapShortPerLot;
          p.swapCents += roundHalfAway(p.centiLots * perLot * multiplier);
        }
        this.rolloverMs = nextRollover(next);
      } else if (closing && closeAt === next) {
        this.close(closing, next);
      } else {
        trader.act(this, next);
      }
    }
    this.timeMs = Math.max(this.timeMs, toMs);
  }

  /** The open positions as MT5 reports them at `ms`. */
  openPositions(ms: number): OpenPosition[] {
    return this.positions.map((p) => {
      const digits = SYMBOLS[p.symbol].digits;
      return {
        ticket: p.id + 3_000_000,
        symbol: p.symbol,
        type: p.dir > 0 ? 'buy' : 'sell',
        volume: p.centiLots / 100,
        open_price: pointsToPrice(p.symbol, p.entryPoints),
        current_price: Number((exitPoints(p.symbol, p.dir, ms) / 10 ** digits).toFixed(digits)),
        sl: null,
        tp: null,
        swap: centsToAmount(p.swapCents),
        profit: centsToAmount(this.floatingCents(p, ms)),
        open_time: isoUtc(p.openMs),
      };
    });
  }

  /** Forgets the deals before sequence number `seq` (a reader has them). */
  forget(seq: number): void {
    const drop = Math.min(seq - this.firstSeq, this.deals.length);
    if (drop > 0) {
      this.deals.splice(0, drop);
      this.firstSeq += drop;
    }
  }

  private takeTicket(): number {
    const t = this.nextTicket;
    this.nextTicket += 1 + (Math.imul(this.dealCount + 1, 0x9e3779b1) >>> 27);
    return t;
  }

  private book(
    ticket: number,
    p: LivePosition,
    ms: number,
    entry: 'in' | 'out',
    pricePoints: number,
    profit: number,
    commission: number,
    swap: number,
  ): void {
    this.balanceCents += profit + commission + swap;
    this.deals.push({
      ticket,
      order: ticket + 3_000_000,
      time: isoUtc(ms),
      type: (entry === 'in') === p.dir > 0 ? 'buy' : 'sell',
      entry,
      position_id: p.id + 3_000_000,
      symbol: p.symbol,
      volume: p.centiLots / 100,
      price: pointsToPrice(p.symbol, pricePoints),
      profit: centsToAmount(profit),
      commission: centsToAmount(commission),
      swap: centsToAmount(swap),
      fee: 0,
      comment: '',
      sl: null,
      tp: null,
    });
    this.dealCount++;
  }
}

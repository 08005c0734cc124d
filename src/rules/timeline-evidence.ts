/**
 * The timeline's evidence queries: which positions were open at an instant and which deals lie
 * behind a breach. Each scans the typed columns over a range found by binary search, so a
 * violation costs what its own window holds, not the whole history.
 */
import { DEAL_ADJUSTMENT, DEAL_TRADE, type DealColumns } from './decode.ts';
import type { TimedDeal, Timeline, Trade, TradeColumns } from './timeline.ts';

/** The deal at index `i` of the columns, as an object. */
export function timedDealAt(deals: DealColumns, i: number): TimedDeal {
  return {
    ms: deals.ms[i]!,
    deal: deals.src[i]!,
    cents: deals.cents[i]!,
    isTrade: (deals.flags[i]! & DEAL_TRADE) !== 0,
    isAdjustment: (deals.flags[i]! & DEAL_ADJUSTMENT) !== 0,
  };
}

/** The trade at index `i` of the columns, as an object. */
export function tradeAt(deals: DealColumns, trades: TradeColumns, i: number): Trade {
  const d = deals.src[trades.opener[i]!]!;
  const close = trades.closeMs[i]!;
  return {
    position_id: d.position_id,
    symbol: d.symbol,
    side: trades.sell[i] ? 'sell' : 'buy',
    volume: trades.volume[i]!,
    openPrice: trades.openPrice[i]!,
    sl: d.sl ?? null,
    openMs: trades.openMs[i]!,
    closeMs: Number.isNaN(close) ? null : close,
    cents: trades.cents[i]!,
  };
}

/** Index of the first time ≥ ms in a sorted column. */
function firstAtOrAfter(times: ArrayLike<number>, length: number, ms: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! < ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Deal tickets for evidence, in deal order. */
export function dealEvidence(deals: DealColumns): Pick<Timeline, 'positionDeals' | 'dealsBehind'> {
  const isTradeOf = (i: number, id: number) => (deals.flags[i]! & DEAL_TRADE) !== 0 && deals.positionId[i] === id;
  return {
    positionDeals(id, fromMs, toMs) {
      const out: number[] = [];
      for (let i = firstAtOrAfter(deals.ms, deals.length, fromMs); i < deals.length && deals.ms[i]! <= toMs; i++) {
        if (isTradeOf(i, id)) out.push(deals.src[i]!.ticket);
      }
      return out;
    },
    dealsBehind(fromMs, toMs, open, max) {
      const lo = firstAtOrAfter(deals.ms, deals.length, fromMs);
      let hi = lo;
      while (hi < deals.length && deals.ms[hi]! <= toMs) hi++;
      // The open positions' deals before the window (a position carried over a reset).
      const earlier: number[] = [];
      for (const p of open) {
        for (let i = firstAtOrAfter(deals.ms, lo, Date.parse(p.open_time)); i < lo; i++)
          if (isTradeOf(i, p.position_id)) earlier.push(i);
      }
      earlier.sort((x, y) => x - y);
      let total = earlier.length;
      for (let i = lo; i < hi; i++) if (deals.flags[i]! & DEAL_TRADE) total++;
      // The latest `max`, walking back from the breach.
      const rows: number[] = [];
      for (let i = hi - 1; i >= lo && rows.length < max; i--) if (deals.flags[i]! & DEAL_TRADE) rows.push(i);
      for (let k = earlier.length - 1; k >= 0 && rows.length < max; k--) rows.push(earlier[k]!);
      rows.reverse();
      return { tickets: rows.map((i) => deals.src[i]!.ticket), total };
    },
  };
}

/** The longest hold of a closed trade, and the trades never closed. */
function searchBounds(trades: TradeColumns): { longestHold: number; neverClosed: number[] } {
  let longestHold = 0;
  const neverClosed: number[] = [];
  for (let i = 0; i < trades.length; i++) {
    const close = trades.closeMs[i]!;
    if (Number.isNaN(close)) neverClosed.push(i);
    else longestHold = Math.max(longestHold, close - trades.openMs[i]!);
  }
  return { longestHold, neverClosed };
}

/**
 * Positions open at an instant. Trades are in opening order: binary-search the last one opened
 * by `ms`, then walk back no further than the longest hold; trades never closed are checked
 * separately. The search bounds are found here, or given by a caller that keeps them up to date
 * (the live columns).
 */
export function openAtOf(
  deals: DealColumns,
  trades: TradeColumns,
  bounds?: { longestHold: number; neverClosed: readonly number[] },
): Timeline['openAt'] {
  const { longestHold, neverClosed } = bounds ?? searchBounds(trades);
  return (ms: number) => {
    let lo = 0;
    let hi = trades.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (trades.openMs[mid]! <= ms) lo = mid + 1;
      else hi = mid;
    }
    const found: number[] = [];
    for (let i = lo - 1; i >= 0 && trades.openMs[i]! >= ms - longestHold; i--)
      if (trades.closeMs[i]! > ms) found.push(i);
    for (const i of neverClosed) if (trades.openMs[i]! <= ms) found.push(i);
    return found
      .sort((a, b) => trades.openMs[a]! - trades.openMs[b]! || a - b)
      .map((i) => {
        const t = tradeAt(deals, trades, i);
        return {
          position_id: t.position_id,
          symbol: t.symbol,
          side: t.side,
          volume: t.volume,
          open_time: new Date(t.openMs).toISOString(),
        };
      });
  };
}

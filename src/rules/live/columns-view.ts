/** A live account's columns viewed as the `Timeline` the batch families read (views, no copy). */
import type { AccountHistory } from '../../mt5/history.ts';
import { DEAL_ADJUSTMENT, DEAL_TRADE, type DealColumns } from '../decode.ts';
import type { TimedDeal, Timeline, Trade, TradeColumns } from '../timeline.ts';
import { dealEvidence, tradeAt } from '../timeline-evidence.ts';
import type { LiveColumns } from './columns.ts';

/** The columns as a Timeline, valid until the next append. */
export function columnsTimeline(cols: LiveColumns, history: AccountHistory, initialCapitalCents: number): Timeline {
  const D = cols.deals;
  const T = cols.trades;
  const P = cols.points;
  const deals: DealColumns = {
    length: D.length,
    ms: D.ms.subarray(0, D.length),
    cents: D.cents.subarray(0, D.length),
    flags: D.flags.subarray(0, D.length),
    positionId: D.positionId.subarray(0, D.length),
    volume: D.volume.subarray(0, D.length),
    price: D.price.subarray(0, D.length),
    src: D.src,
  };
  const positions = history.positions ?? [];
  let dealObjects: TimedDeal[] | null = null;
  let tradeObjects: Trade[] | null = null;
  const tradesView = () =>
    (tradeObjects ??= Array.from({ length: T.length }, (_, i) => tradeAt(deals, cols.trades, i)));
  const longestHold = cols.longestHold;
  const neverClosed = [...cols.neverClosed];
  return {
    get deals(): TimedDeal[] {
      dealObjects ??= Array.from({ length: deals.length }, (_, i) => ({
        ms: deals.ms[i]!,
        deal: deals.src[i]!,
        cents: deals.cents[i]!,
        isTrade: (deals.flags[i]! & DEAL_TRADE) !== 0,
        isAdjustment: (deals.flags[i]! & DEAL_ADJUSTMENT) !== 0,
      }));
      return dealObjects;
    },
    get trades(): Trade[] {
      return tradesView();
    },
    dealColumns: deals,
    tradeColumns: {
      length: T.length,
      openMs: T.openMs.subarray(0, T.length),
      closeMs: T.closeMs.subarray(0, T.length),
      cents: T.cents.subarray(0, T.length),
      volume: T.volume.subarray(0, T.length),
      openPrice: T.openPrice.subarray(0, T.length),
      sell: T.sell.subarray(0, T.length),
      opener: T.opener.subarray(0, T.length),
    },
    pointColumns: {
      length: P.length,
      ms: P.ms.subarray(0, P.length),
      balance: P.balance.subarray(0, P.length),
      equity: P.equity.subarray(0, P.length),
      adjustments: P.adjustments.subarray(0, P.length),
      equitySource: P.equitySource.subarray(0, P.length),
    },
    totals: { ...cols.totals },
    initialCapitalCents,
    startBalanceCents: cols.startBalanceCents,
    finalBalance: cols.balance,
    finalAdjustments: cols.adjustments,
    finalEquity: cols.finalEquity(positions),
    openPositions: Math.max(cols.openCount, positions.length),
    equityObserved: cols.snapshots > 0,
    equitySource: cols.snapshots > 0 ? 'observed' : 'balance_only',
    boundSkipped: [],
    openAt: (ms) => openAt(deals, T, longestHold, neverClosed, ms),
    ...dealEvidence(deals),
    symbols: history.symbols,
    account: history.account,
  };
}

/** timeline-evidence.ts's openAt with the search bounds kept up to date instead of recomputed. */
function openAt(deals: DealColumns, trades: TradeColumns, longestHold: number, neverClosed: number[], ms: number) {
  let lo = 0;
  let hi = trades.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (trades.openMs[mid]! <= ms) lo = mid + 1;
    else hi = mid;
  }
  const found: number[] = [];
  for (let i = lo - 1; i >= 0 && trades.openMs[i]! >= ms - longestHold; i--) if (trades.closeMs[i]! > ms) found.push(i);
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
}

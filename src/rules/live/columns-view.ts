/** A live account's columns viewed as the `Timeline` the batch families read (views, no copy). */
import type { AccountHistory } from '../../mt5/history.ts';
import type { DealColumns } from '../decode.ts';
import type { TimedDeal, Timeline, Trade } from '../timeline.ts';
import { dealEvidence, openAtOf, timedDealAt, tradeAt } from '../timeline-evidence.ts';
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
  return {
    get deals(): TimedDeal[] {
      dealObjects ??= Array.from({ length: deals.length }, (_, i) => timedDealAt(deals, i));
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
    openAt: openAtOf(deals, T, { longestHold: cols.longestHold, neverClosed: [...cols.neverClosed] }),
    ...dealEvidence(deals),
    symbols: history.symbols,
    account: history.account,
  };
}

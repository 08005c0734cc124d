/** Small normalizations every connector applies, so histories look alike whatever their source. */
import type { Deal } from './history.ts';

const cents = (n: number) => Math.round(n * 100);

/**
 * Folds the deposits that funded the account before its first trade into the starting balance.
 * A challenge's initial balance *is* that funding; kept as a balance deal it would count as a
 * deposit on top of it (the simulator's histories have no funding deal either).
 */
export function foldFundingDeposits(deals: Deal[], initialBalance: number): { deals: Deal[]; initialBalance: number } {
  const firstTrade = deals.findIndex((d) => d.type === 'buy' || d.type === 'sell');
  const end = firstTrade < 0 ? deals.length : firstTrade;
  let funded = cents(initialBalance);
  const kept: Deal[] = [];
  deals.forEach((d, i) => {
    if (i < end && d.type === 'balance') funded += cents(d.profit) + cents(d.commission) + cents(d.swap) + cents(d.fee);
    else kept.push(d);
  });
  return { deals: kept, initialBalance: funded / 100 };
}

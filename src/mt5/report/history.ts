/**
 * A parsed report → the normalized `AccountHistory` every connector yields (history.ts).
 * The report has server-clock times without a zone, so the caller says the broker's offset
 * (minutes east of UTC, or an IANA zone for brokers that follow DST). The Deals block has no
 * position column: opening deals belong to the position their order opened (position id =
 * opening order ticket, reference/mt5.md §3.4); closing deals are matched to the Positions
 * and Open Positions rows by symbol, side, time window, volume and price.
 */
import { DateTime } from 'luxon';
import type { AccountHistory, Deal, DealEntry, DealType, EquitySnapshot, OpenPosition } from '../history.ts';
import { ReportError } from './errors.ts';
import type { ParsedReport, ReportDeal } from './parsed-report.ts';

export interface ReportToHistoryOptions {
  /**
   * The challenge's starting balance, used only when the report has no deals. Otherwise the
   * history starts at the balance the running Balance column shows before the first trade:
   * the deposits that funded the account before it traded are folded into `initial_balance`
   * (a challenge's initial balance is that funding, not a deposit on top of it).
   */
  initialBalance?: number;
  /** Keep the funding deposits before the first trade as balance deals (default false). */
  keepFundingDeals?: boolean;
  /** Broker clock minus UTC, minutes (e.g. 180 for UTC+3). Default 0 unless `serverTimeZone` is given. */
  serverUtcOffsetMinutes?: number;
  /** IANA zone of the broker clock (e.g. `Europe/Athens` for EET/EEST brokers); wins over the fixed offset. */
  serverTimeZone?: string;
}

const DEAL_TYPES: Record<string, DealType> = {
  buy: 'buy',
  sell: 'sell',
  balance: 'balance',
  credit: 'credit',
  charge: 'charge',
  correction: 'correction',
  bonus: 'bonus',
  commission: 'commission',
  'daily commission': 'commission_daily',
  'monthly commission': 'commission_monthly',
  'agent daily commission': 'commission_agent_daily',
  'agent monthly commission': 'commission_agent_monthly',
  'interest rate': 'interest',
  interest: 'interest',
  'canceled buy': 'buy_canceled',
  'buy canceled': 'buy_canceled',
  'canceled sell': 'sell_canceled',
  'sell canceled': 'sell_canceled',
  dividend: 'dividend',
  'franked dividend': 'dividend_franked',
  'dividend franked': 'dividend_franked',
  tax: 'tax',
};

const ENTRIES: Record<string, DealEntry> = { in: 'in', out: 'out', 'in/out': 'inout', 'out by': 'out_by' };

/** `2023-06-23 07:53:00` on the broker clock → UTC ISO with milliseconds. */
function serverTimeToUtc(serverTime: string, opts: ReportToHistoryOptions): string {
  const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)$/.exec(serverTime);
  if (!m) throw new ReportError(`unreadable time "${serverTime}" in the report`);
  if (opts.serverTimeZone) {
    const dt = DateTime.fromObject(
      { year: +m[1]!, month: +m[2]!, day: +m[3]!, hour: +m[4]!, minute: +m[5]!, second: +m[6]! },
      { zone: opts.serverTimeZone },
    );
    if (!dt.isValid) throw new ReportError(`unknown time zone ${opts.serverTimeZone}`);
    return dt.toUTC().toISO({ suppressMilliseconds: false })!;
  }
  const wall = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  return new Date(wall - (opts.serverUtcOffsetMinutes ?? 0) * 60_000).toISOString();
}

interface Candidate {
  id: number;
  symbol: string;
  side: string;
  open: string;
  close: string | null;
  closePrice: number | null;
  profit: number | null;
  volume: number | null;
  remaining: number;
}

const EPS = 1e-9;

/** Closing deal → position id, by the best-fitting Positions/Open Positions row. */
function matchClosingDeals(report: ParsedReport): { byDeal: Map<number, number>; unmatched: number } {
  const bySymbolSide = new Map<string, Candidate[]>();
  const add = (c: Candidate) => {
    const key = `${c.symbol}|${c.side}`;
    const list = bySymbolSide.get(key);
    if (list) list.push(c);
    else bySymbolSide.set(key, [c]);
  };
  for (const p of report.positions)
    add({
      id: p.position,
      symbol: p.symbol,
      side: p.type,
      open: p.time,
      close: p.close_time,
      closePrice: p.close_price,
      profit: p.profit,
      volume: p.volume,
      remaining: p.volume,
    });
  // Still-open positions may have been partly closed; their original volume is unknown.
  for (const p of report.open_positions)
    add({
      id: p.position,
      symbol: p.symbol,
      side: p.type,
      open: p.time,
      close: null,
      closePrice: null,
      profit: null,
      volume: null,
      remaining: Infinity,
    });

  const byDeal = new Map<number, number>();
  let unmatched = 0;
  for (const d of report.deals) {
    if (
      (d.type !== 'buy' && d.type !== 'sell') ||
      !(d.direction === 'out' || d.direction === 'out by' || d.direction === 'in/out')
    )
      continue;
    const positionSide = d.type === 'buy' ? 'sell' : 'buy';
    const list = bySymbolSide.get(`${d.symbol}|${positionSide}`) ?? [];
    let best: Candidate | null = null;
    let bestScore = -1;
    for (const c of list) {
      if (c.open > d.time || (c.close !== null && c.close < d.time) || c.remaining + EPS < d.volume) continue;
      let score = 0;
      if (c.close === d.time) score += 4;
      if (c.closePrice !== null && Math.abs(c.closePrice - d.price) < EPS) score += 2;
      if (
        c.profit !== null &&
        c.volume !== null &&
        Math.abs(c.volume - d.volume) < EPS &&
        Math.round(c.profit * 100) === Math.round(d.profit * 100)
      )
        score += 8;
      if (c.close !== null) score += 1; // a closed position needs its closing deals
      if (score > bestScore) {
        best = c;
        bestScore = score;
      }
    }
    if (!best) {
      unmatched++;
      continue;
    }
    best.remaining -= d.volume;
    byDeal.set(d.deal, best.id);
  }
  return { byDeal, unmatched };
}

function dealType(d: ReportDeal): DealType {
  const t = DEAL_TYPES[d.type];
  if (!t) throw new ReportError(`deal ${d.deal} has an unknown type "${d.type}"`);
  return t;
}

export function reportToHistory(report: ParsedReport, opts: ReportToHistoryOptions = {}): AccountHistory {
  const { byDeal } = matchClosingDeals(report);
  const slByPosition = new Map<number, { sl: number | null; tp: number | null }>();
  for (const p of report.positions) slByPosition.set(p.position, { sl: p.sl, tp: p.tp });
  for (const p of report.open_positions) slByPosition.set(p.position, { sl: p.sl, tp: p.tp });

  const firstTrade = report.deals.findIndex((d) => d.type === 'buy' || d.type === 'sell');
  const funding = opts.keepFundingDeals ? 0 : firstTrade < 0 ? report.deals.length : firstTrade;
  let fundedCents = 0;
  const kept = report.deals.filter((d, i) => {
    if (i < funding && d.type === 'balance') {
      fundedCents += Math.round((d.profit + d.commission + d.fee + d.swap) * 100);
      return false;
    }
    return true;
  });

  const deals: Deal[] = kept.map((d) => {
    const type = dealType(d);
    const trade = type === 'buy' || type === 'sell';
    const entry: DealEntry = trade ? (ENTRIES[d.direction] ?? 'in') : 'in';
    const positionId = !trade ? 0 : entry === 'in' ? d.order : (byDeal.get(d.deal) ?? d.order);
    const deal: Deal = {
      ticket: d.deal,
      order: d.order,
      time: serverTimeToUtc(d.time, opts),
      type,
      entry,
      position_id: positionId,
      symbol: d.symbol,
      volume: d.volume,
      price: d.price,
      profit: d.profit,
      commission: d.commission,
      swap: d.swap,
      fee: d.fee,
      comment: d.comment,
    };
    if (trade && entry === 'in') {
      const stops = slByPosition.get(positionId);
      if (stops) {
        deal.sl = stops.sl;
        deal.tp = stops.tp;
      }
    }
    return deal;
  });

  const first = report.deals[0];
  const impliedInitial = first
    ? (Math.round((first.balance - first.profit - first.commission - first.fee - first.swap) * 100) + fundedCents) / 100
    : (opts.initialBalance ?? 0);
  const positions: OpenPosition[] = report.open_positions.map((p) => ({
    ticket: p.position,
    symbol: p.symbol,
    type: p.type === 'sell' ? 'sell' : 'buy',
    volume: p.volume,
    open_price: p.price,
    current_price: p.market_price,
    sl: p.sl,
    tp: p.tp,
    swap: p.swap,
    profit: p.profit,
    open_time: serverTimeToUtc(p.time, opts),
  }));
  const equity: EquitySnapshot[] = [];
  const { summary, account } = report;
  if (account.generated_at && summary.balance !== null && summary.equity !== null) {
    const at = serverTimeToUtc(`${account.generated_at}:00`.slice(0, 19), opts);
    // The report's Balance excludes credit; the engine's balance is the cash balance.
    equity.push({ time: at, balance: summary.balance, equity: summary.equity });
  }
  const offset = opts.serverTimeZone
    ? Math.round(DateTime.now().setZone(opts.serverTimeZone).offset)
    : (opts.serverUtcOffsetMinutes ?? 0);

  return {
    account: {
      login: account.login,
      server: account.server,
      currency: account.currency,
      initial_balance: impliedInitial,
      server_utc_offset_minutes: offset,
      margin_mode: account.margin_mode ?? 'hedging',
    },
    deals,
    ...(equity.length ? { equity } : {}),
    positions,
  };
}

/**
 * Readers of MetaApi's client-API models (reference/mt5.md §1.4): deals (MetatraderDeal), open
 * positions (MetatraderPosition) and the broker clock of readServerTime, into the normalized
 * history of history.ts. Times are ISO instants in UTC; `brokerTime` is the broker's wall clock.
 */
import { ConnectorError } from '../connector.ts';
import type { Deal, DealEntry, DealType, OpenPosition } from '../history.ts';

/** MetatraderDeal, the fields we read. */
export interface MetaApiDeal {
  id: string;
  type: string;
  entryType?: string;
  symbol?: string;
  time: string;
  brokerTime?: string;
  volume?: number;
  price?: number;
  commission?: number;
  swap?: number;
  profit: number;
  positionId?: string;
  orderId?: string;
  comment?: string;
  stopLoss?: number;
  takeProfit?: number;
}

/** MetatraderPosition, the fields we read. */
export interface MetaApiPosition {
  id: string | number;
  type: string;
  symbol: string;
  time: string;
  openPrice: number;
  currentPrice: number;
  stopLoss?: number;
  takeProfit?: number;
  volume: number;
  swap?: number;
  profit?: number;
  unrealizedProfit?: number;
}

const DEAL_TYPES: Record<string, DealType> = {
  DEAL_TYPE_BUY: 'buy',
  DEAL_TYPE_SELL: 'sell',
  DEAL_TYPE_BALANCE: 'balance',
  DEAL_TYPE_CREDIT: 'credit',
  DEAL_TYPE_CHARGE: 'charge',
  DEAL_TYPE_CORRECTION: 'correction',
  DEAL_TYPE_BONUS: 'bonus',
  DEAL_TYPE_COMMISSION: 'commission',
  DEAL_TYPE_COMMISSION_DAILY: 'commission_daily',
  DEAL_TYPE_COMMISSION_MONTHLY: 'commission_monthly',
  DEAL_TYPE_COMMISSION_AGENT_DAILY: 'commission_agent_daily',
  DEAL_TYPE_COMMISSION_AGENT_MONTHLY: 'commission_agent_monthly',
  DEAL_TYPE_INTEREST: 'interest',
  DEAL_TYPE_BUY_CANCELED: 'buy_canceled',
  DEAL_TYPE_SELL_CANCELED: 'sell_canceled',
  DEAL_DIVIDEND: 'dividend',
  DEAL_DIVIDEND_FRANKED: 'dividend_franked',
  DEAL_TAX: 'tax',
  DEAL_TYPE_DIVIDEND: 'dividend',
  DEAL_TYPE_DIVIDEND_FRANKED: 'dividend_franked',
  DEAL_TYPE_TAX: 'tax',
};
const DEAL_ENTRIES: Record<string, DealEntry> = {
  DEAL_ENTRY_IN: 'in',
  DEAL_ENTRY_OUT: 'out',
  DEAL_ENTRY_INOUT: 'inout',
  DEAL_ENTRY_OUT_BY: 'out_by',
};

/** A number from a number or numeric string; `fallback` otherwise. */
export function numberOf(value: unknown, fallback = 0): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value !== '' && Number.isFinite(Number(value))) return Number(value);
  return fallback;
}

const isoTime = (time: string) => new Date(Date.parse(time)).toISOString();

/**
 * A deal of the history; null for a kind we do not know that moves no money. A kind we do not
 * know that moves money, or a trade without a documented entryType, is refused rather than guessed.
 */
export function decodeDeal(d: MetaApiDeal): Deal | null {
  const type = DEAL_TYPES[d.type];
  if (!type) {
    if (numberOf(d.profit) !== 0 || numberOf(d.commission) !== 0 || numberOf(d.swap) !== 0) {
      const message = `MetaApi deal ${d.id} has type ${JSON.stringify(d.type)}, which we do not know, and moves money`;
      throw new ConnectorError('bad_data', message, true);
    }
    return null;
  }
  const trade = type === 'buy' || type === 'sell';
  const entry = DEAL_ENTRIES[d.entryType ?? ''];
  if (trade && !entry) {
    const entryType = JSON.stringify(d.entryType ?? null);
    const known = 'DEAL_ENTRY_IN|OUT|INOUT|OUT_BY';
    const message = `MetaApi deal ${d.id} (${d.type}) has entryType ${entryType}, not one of ${known}`;
    throw new ConnectorError('bad_data', message, true);
  }
  if (Number.isNaN(Date.parse(d.time))) {
    throw new ConnectorError('bad_data', `MetaApi deal ${d.id} has no readable time`, true);
  }
  return {
    ticket: numberOf(d.id),
    order: numberOf(d.orderId),
    time: isoTime(d.time),
    type,
    entry: entry ?? 'in',
    position_id: numberOf(d.positionId),
    symbol: d.symbol ?? '',
    volume: numberOf(d.volume),
    price: numberOf(d.price),
    profit: numberOf(d.profit),
    commission: numberOf(d.commission),
    swap: numberOf(d.swap),
    fee: 0, // MetaApi's deal model has no fee field (reference/mt5.md §1.4)
    comment: d.comment ?? '',
    ...(d.stopLoss !== undefined ? { sl: numberOf(d.stopLoss) } : {}),
    ...(d.takeProfit !== undefined ? { tp: numberOf(d.takeProfit) } : {}),
  };
}

export function decodePosition(p: MetaApiPosition): OpenPosition {
  return {
    ticket: numberOf(p.id),
    symbol: p.symbol,
    type: p.type === 'POSITION_TYPE_SELL' ? 'sell' : 'buy',
    volume: numberOf(p.volume),
    open_price: numberOf(p.openPrice),
    current_price: numberOf(p.currentPrice),
    sl: p.stopLoss === undefined ? null : numberOf(p.stopLoss),
    tp: p.takeProfit === undefined ? null : numberOf(p.takeProfit),
    swap: numberOf(p.swap),
    profit: numberOf(p.unrealizedProfit ?? p.profit),
    open_time: isoTime(p.time),
  };
}

/** `brokerTime` (server clock, `YYYY-MM-DD HH:mm:ss.SSS`) minus `time` (UTC), minutes. */
export function brokerOffsetMinutes(time: string, brokerTime: string | undefined): number | null {
  if (!brokerTime) return null;
  const wall = Date.parse(`${brokerTime.replace(' ', 'T')}Z`);
  const utc = Date.parse(time);
  if (Number.isNaN(wall) || Number.isNaN(utc)) return null;
  return Math.round((wall - utc) / 60_000);
}

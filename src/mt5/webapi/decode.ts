/**
 * Readers of the Web API's JSON records (reference/mt5.md §2–3): every value arrives as a string
 * and is parsed; volumes are ÷ 10 000 (VolumeExt ÷ 1e8); times are on the server clock and are
 * converted to UTC by the caller's `toUtcMs`; deal actions, entries and reasons use the Manager
 * numbering (§3.3), not the MQL5 one.
 */
import { ConnectorError } from '../connector.ts';
import type { Deal, DealEntry, DealType, OpenPosition } from '../history.ts';
import type { WebApiRecord } from './session.ts';

/** Server wall-clock ms ("since 1970" on the server's clock) → UTC ms. */
type ServerToUtc = (serverMs: number) => number;

/** A number from a string or number field; `fallback` when it is absent or not a finite number. */
export function numberOf(value: unknown, fallback = 0): number {
  if (typeof value === 'number') return Number.isFinite(value) ? value : fallback;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : fallback;
  }
  return fallback;
}

/** Manager `IMTDeal::EnDealReason` (not the MQL5 numbering). */
const MANAGER_DEAL_REASONS = [
  'client',
  'expert',
  'dealer',
  'sl',
  'tp',
  'so',
  'rollover',
  'external_client',
  'vmargin',
  'gateway',
  'signal',
  'settlement',
  'transfer',
  'sync',
  'external_service',
  'migration',
  'mobile',
  'web',
  'split',
] as const;

export function managerDealReason(reason: number): string {
  return MANAGER_DEAL_REASONS[reason] ?? 'unknown';
}

/** `IMTDeal::EnDealAction` → normalized type; 18–20 (agent, SO compensation) are balance-like corrections. */
const DEAL_ACTIONS: DealType[] = [
  'buy',
  'sell',
  'balance',
  'credit',
  'charge',
  'correction',
  'bonus',
  'commission',
  'commission_daily',
  'commission_monthly',
  'commission_agent_daily',
  'commission_agent_monthly',
  'interest',
  'buy_canceled',
  'sell_canceled',
  'dividend',
  'dividend_franked',
  'tax',
  'commission',
  'correction',
  'credit',
];
/** `IMTDeal::EnDealEntry`; 255 (ENTRY_STATE) is a service record, not a deal. */
const DEAL_ENTRIES: Record<number, DealEntry> = { 0: 'in', 1: 'out', 2: 'inout', 3: 'out_by' };

/** Volume in lots: VolumeExt (÷1e8) when present, else Volume (÷10 000). Never mix the scales. */
export function lots(record: WebApiRecord): number {
  const ext = record.VolumeExt;
  if (ext !== undefined && ext !== null && ext !== '') return numberOf(ext) / 1e8;
  return numberOf(record.Volume) / 10_000;
}

/** A Deals / Data Structure record; null for a service record or an action we do not map. */
export function decodeDeal(record: WebApiRecord, toUtcMs: ServerToUtc): Deal | null {
  const entry = DEAL_ENTRIES[numberOf(record.Entry)];
  if (!entry) return null;
  const type = DEAL_ACTIONS[numberOf(record.Action, -1)];
  if (!type) return null;
  const serverMs = record.TimeMsc !== undefined ? numberOf(record.TimeMsc) : numberOf(record.Time) * 1000;
  const deal: Deal = {
    ticket: numberOf(record.Deal),
    order: numberOf(record.Order),
    time: new Date(toUtcMs(serverMs)).toISOString(),
    type,
    entry,
    position_id: numberOf(record.PositionID),
    symbol: String(record.Symbol ?? ''),
    volume: lots(record),
    price: numberOf(record.Price),
    profit: numberOf(record.Profit),
    commission: numberOf(record.Commission),
    swap: numberOf(record.Storage),
    fee: numberOf(record.Fee),
    comment: String(record.Comment ?? ''),
  };
  if (numberOf(record.PriceSL) > 0) deal.sl = numberOf(record.PriceSL);
  if (numberOf(record.PriceTP) > 0) deal.tp = numberOf(record.PriceTP);
  return deal;
}

/** A Positions / Data Structure record. */
export function decodePosition(record: WebApiRecord, toUtcMs: ServerToUtc): OpenPosition {
  const openedMs =
    record.TimeCreateMsc !== undefined ? numberOf(record.TimeCreateMsc) : numberOf(record.TimeCreate) * 1000;
  return {
    ticket: numberOf(record.Position),
    symbol: String(record.Symbol ?? ''),
    type: numberOf(record.Action) === 1 ? 'sell' : 'buy',
    volume: lots(record),
    open_price: numberOf(record.PriceOpen),
    current_price: numberOf(record.PriceCurrent),
    sl: numberOf(record.PriceSL) > 0 ? numberOf(record.PriceSL) : null,
    tp: numberOf(record.PriceTP) > 0 ? numberOf(record.PriceTP) : null,
    swap: numberOf(record.Storage),
    profit: numberOf(record.Profit),
    open_time: new Date(toUtcMs(openedMs)).toISOString(),
  };
}

/** What the connector takes from the account's group (Groups / Data Structure, `webapi_group_data_format`). */
export interface GroupInfo {
  currency: string;
  /**
   * From `MarginMode` (IMTConGroup::EnMarginMode: 0 retail netting, 1 exchange, 2 retail hedging);
   * null when absent.
   */
  marginMode: 'hedging' | 'netting' | null;
}

export function readGroup(answer: unknown, name: string): GroupInfo {
  const group = (answer && typeof answer === 'object' ? answer : {}) as WebApiRecord;
  const currency = typeof group.Currency === 'string' ? group.Currency.trim() : '';
  if (!currency) {
    throw new ConnectorError('bad_data', `MT5 Web API group ${JSON.stringify(name)} has no Currency`, false);
  }
  const mode = group.MarginMode === undefined ? null : numberOf(group.MarginMode, -1);
  return { currency, marginMode: mode === 2 ? 'hedging' : mode === 0 || mode === 1 ? 'netting' : null };
}

/** Windows FILETIME (100-ns ticks since 1601-01-01 UTC, as a decimal string) → UTC ms; null when unreadable. */
export function fileTimeMs(value: unknown): number | null {
  const text =
    typeof value === 'number' && Number.isSafeInteger(value)
      ? String(value)
      : typeof value === 'string'
        ? value.trim()
        : '';
  if (!/^\d{1,20}$/.test(text)) return null;
  const ms = Number(BigInt(text) / 10_000n - 11_644_473_600_000n);
  return ms > 0 ? ms : null;
}

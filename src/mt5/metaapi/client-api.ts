/**
 * MetaApi's client and market-data APIs, read for one deployed account (reference/mt5.md §1):
 * account information, open positions, deals by time range (1000 a page, start inclusive, end
 * exclusive), symbol specifications, M1 candles and the broker's clock. Hosts are URL templates
 * with `{region}`, so tests point them at a local fake.
 */
import { ConnectorError } from '../connector.ts';
import type { AccountInfo, Bar, OpenPosition, SymbolSpec } from '../history.ts';
import type { ResolvedAccount } from './accounts.ts';
import { brokerOffsetMinutes, decodePosition, type MetaApiDeal, type MetaApiPosition, numberOf } from './decode.ts';
import { type MetaApiHttp, MetaApiHttpError } from './http.ts';

/** Rows per page of deals and candles: MetaApi answers at most 1000. */
const PAGE_ROWS = 1000;

interface ClientApiOptions {
  http: MetaApiHttp;
  /** e.g. https://mt-client-api-v1.{region}.agiliumtrade.ai */
  clientUrl: string;
  /** e.g. https://mt-market-data-client-api-v1.{region}.agiliumtrade.ai */
  marketDataUrl: string;
  now: () => number;
}

export function createClientApi(o: ClientApiOptions) {
  const { http } = o;
  const accountPath = (account: ResolvedAccount) => `/users/current/accounts/${encodeURIComponent(account.id)}`;
  const client = (account: ResolvedAccount) =>
    `${o.clientUrl.replaceAll('{region}', encodeURIComponent(account.region))}${accountPath(account)}`;
  const marketData = (account: ResolvedAccount) =>
    `${o.marketDataUrl.replaceAll('{region}', encodeURIComponent(account.region))}${accountPath(account)}`;

  /** readAccountInformation; `netting` from its `marginMode`. */
  async function accountInformation(
    account: ResolvedAccount,
    fallback: { login: string; server: string },
    signal?: AbortSignal,
  ): Promise<{ info: AccountInfo; netting: boolean }> {
    const url = `${client(account)}/account-information`;
    const a = await http.request<Record<string, unknown>>('GET', url, { signal, what: 'account information' });
    if (!a || typeof a !== 'object' || a.balance === undefined) {
      throw new ConnectorError('bad_data', 'MetaApi account information has no balance', true);
    }
    const info: AccountInfo = {
      login: String(a.login ?? fallback.login),
      server: String(a.server ?? fallback.server),
      currency: String(a.currency ?? ''),
      leverage: numberOf(a.leverage),
      balance: numberOf(a.balance),
      equity: numberOf(a.equity),
      credit: numberOf(a.credit),
      margin: numberOf(a.margin),
      free_margin: numberOf(a.freeMargin),
      margin_level: a.marginLevel === undefined || a.marginLevel === null ? null : numberOf(a.marginLevel),
      as_of: new Date(o.now()).toISOString(),
    };
    return { info, netting: String(a.marginMode ?? '').includes('NETTING') };
  }

  async function positions(account: ResolvedAccount, signal?: AbortSignal): Promise<OpenPosition[]> {
    const url = `${client(account)}/positions`;
    const list = await http.request<MetaApiPosition[]>('GET', url, { signal, what: 'positions' });
    if (!Array.isArray(list)) throw new ConnectorError('bad_data', 'MetaApi positions are not a list', true);
    return list.map(decodePosition);
  }

  /** Deals in [from, to): pages of 1000 until a short page. */
  async function deals(
    account: ResolvedAccount,
    from: string,
    to: string,
    signal?: AbortSignal,
  ): Promise<MetaApiDeal[]> {
    const out: MetaApiDeal[] = [];
    const url = `${client(account)}/history-deals/time/${encodeURIComponent(from)}/${encodeURIComponent(to)}`;
    for (let offset = 0; ; offset += PAGE_ROWS) {
      const pageUrl = `${url}?offset=${offset}&limit=${PAGE_ROWS}`;
      const page = await http.request<MetaApiDeal[] | { deals?: MetaApiDeal[] }>('GET', pageUrl, {
        signal,
        what: 'deal history',
      });
      const rows = Array.isArray(page) ? page : (page?.deals ?? []);
      out.push(...rows);
      if (rows.length < PAGE_ROWS) break;
    }
    return out;
  }

  /** readSymbolSpecification; null when MetaApi does not know the symbol (404). */
  async function symbolSpecification(
    account: ResolvedAccount,
    symbol: string,
    profitCurrencyFallback: string,
    signal?: AbortSignal,
  ): Promise<SymbolSpec | null> {
    const url = `${client(account)}/symbols/${encodeURIComponent(symbol)}/specification`;
    const spec = await http
      .request<Record<string, unknown>>('GET', url, { signal, what: `the ${symbol} specification` })
      .catch((err: unknown) => {
        if (err instanceof MetaApiHttpError && err.status === 404) return null;
        throw err;
      });
    if (!spec) return null;
    return {
      contract_size: numberOf(spec.contractSize, 100_000),
      point: numberOf(spec.point, 0.00001),
      profit_currency: String(spec.profitCurrency ?? profitCurrencyFallback),
    };
  }

  /** M1 candles of [fromMs, toMs]; the API loads backwards from `startTime`, up to 1000 a call. */
  async function candles(
    account: ResolvedAccount,
    symbol: string,
    fromMs: number,
    toMs: number,
    signal?: AbortSignal,
  ): Promise<Bar[]> {
    const series = `historical-market-data/symbols/${encodeURIComponent(symbol)}/timeframes/1m/candles`;
    const base = `${marketData(account)}/${series}`;
    const bars: Bar[] = [];
    let start = toMs;
    for (let guard = 0; guard < 200 && start >= fromMs; guard++) {
      const url = `${base}?startTime=${encodeURIComponent(new Date(start).toISOString())}&limit=${PAGE_ROWS}`;
      const what = `M1 candles of ${symbol}`;
      const page = await http.request<Array<Record<string, unknown>>>('GET', url, { signal, what });
      if (!Array.isArray(page) || page.length === 0) break;
      let earliest = Number.POSITIVE_INFINITY;
      for (const c of page) {
        const t = Date.parse(String(c.time));
        if (Number.isNaN(t)) continue;
        earliest = Math.min(earliest, t);
        if (t >= fromMs && t <= toMs) {
          bars.push({
            time: new Date(t).toISOString(),
            open: numberOf(c.open),
            high: numberOf(c.high),
            low: numberOf(c.low),
            close: numberOf(c.close),
            spread_points: numberOf(c.spread),
          });
        }
      }
      if (page.length < PAGE_ROWS || !Number.isFinite(earliest)) break;
      start = earliest - 1;
    }
    bars.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
    return bars.filter((b, i) => i === 0 || b.time !== bars[i - 1]!.time);
  }

  /**
   * Broker clock minus UTC, in minutes, at the time of reading: readServerTime answers the same
   * instant as `time` (ISO, UTC) and `brokerTime` ("current broker time, in broker timezone,
   * YYYY-MM-DD HH:mm:ss.SSS").
   * https://metaapi.cloud/docs/client/restApi/api/readTradingTerminalState/readServerTime/
   */
  async function brokerOffsetNow(account: ResolvedAccount, signal?: AbortSignal): Promise<number> {
    const url = `${client(account)}/server-time`;
    const t = await http.request<{ time?: unknown; brokerTime?: unknown } | null>('GET', url, {
      signal,
      what: 'the server time',
    });
    const readable = typeof t?.time === 'string' && typeof t.brokerTime === 'string';
    const offset = readable ? brokerOffsetMinutes(String(t.time), String(t.brokerTime)) : null;
    if (offset === null || offset < -720 || offset > 840) {
      const shown = JSON.stringify(t)?.slice(0, 160);
      throw new ConnectorError('bad_data', `MetaApi server time cannot be read as a broker clock (${shown})`, true);
    }
    return offset;
  }

  return { accountInformation, positions, deals, symbolSpecification, candles, brokerOffsetNow };
}

export type ClientApi = ReturnType<typeof createClientApi>;

/**
 * The broker side of the fake MetaApi (metaapi.ts): a trader's account at a broker, the broker's
 * clock, and what MetaApi's client and market-data hosts answer about that account. Written from
 * MetaApi's documentation, named beside each behaviour:
 *
 *   [accountInformation] https://metaapi.cloud/docs/client/restApi/api/readTradingTerminalState/readAccountInformation/
 *   [positions]      https://metaapi.cloud/docs/client/restApi/api/readTradingTerminalState/readPositions/
 *   [serverTime]     https://metaapi.cloud/docs/client/restApi/api/readTradingTerminalState/readServerTime/
 *                    and the model https://metaapi.cloud/docs/client/models/serverTime/
 *   [dealsByTime]    https://metaapi.cloud/docs/client/restApi/api/retrieveHistoricalData/readDealsByTimeRange/
 *   [specification]  https://metaapi.cloud/docs/client/restApi/api/retrieveMarketData/readSymbolSpecification/
 *   [candles]        https://metaapi.cloud/docs/client/restApi/api/retrieveMarketData/readHistoricalCandles/
 *                    and the model https://metaapi.cloud/docs/client/models/metatraderCandle/
 *
 * The broker keeps its own clock ([serverTime]: `brokerTime` is "current broker time, in broker
 * timezone"): a fixed offset from UTC that may move by an hour on the US or the EU daylight-saving
 * dates. Every `brokerTime` served (deals, positions, candles, server time) is stamped from that
 * clock at the record's own `time`, as MetaApi does. [managingAccounts] is cited in
 * metaapi-provisioning.ts.
 */
import { type Answer, errorAnswer } from './metaapi-answer.ts';

/** A broker's clock: base offset from UTC, plus one hour during the US or EU summer time. */
interface FakeBrokerClock {
  utc_offset_minutes: number;
  dst: 'us' | 'eu' | 'none';
}

export interface FakeBrokerAccount {
  login: string;
  password: string;
  server: string;
  region: string;
  currency: string;
  balance: number;
  equity: number;
  /** [MetatraderAccountInformation] `credit`: credit facility, outside `balance` (default 0). */
  credit?: number;
  deals: Array<Record<string, unknown>>;
  positions: Array<Record<string, unknown>>;
  /** symbol → M1 candles (UTC times ascending). */
  candles?: Record<string, Array<Record<string, unknown>>>;
  /** Default: UTC+3 all year. */
  clock?: FakeBrokerClock;
  /** The broker's settings cannot be detected: a create ends in [managingAccounts] "Settings detection error". */
  settingsUndetectable?: boolean;
}

function nthSundayUtc(year: number, month: number, nth: number): number {
  const first = new Date(Date.UTC(year, month, 1)).getUTCDay();
  return 1 + ((7 - first) % 7) + (nth - 1) * 7;
}
function lastSundayUtc(year: number, month: number): number {
  const last = new Date(Date.UTC(year, month + 1, 0));
  return last.getUTCDate() - last.getUTCDay();
}

/**
 * Minutes the broker's clock is ahead of UTC at `utcMs`.
 * US: summer time from the second Sunday of March to the first Sunday of November at 02:00 New York
 * time (Energy Policy Act of 2005), i.e. 07:00 and 06:00 UTC — a "New York close" broker moves then.
 * EU: from the last Sunday of March to the last Sunday of October at 01:00 UTC (Directive 2000/84/EC).
 */
function brokerOffsetAt(clock: FakeBrokerClock, utcMs: number): number {
  const year = new Date(utcMs).getUTCFullYear();
  let summer = false;
  if (clock.dst === 'us') {
    summer =
      utcMs >= Date.UTC(year, 2, nthSundayUtc(year, 2, 2), 7) &&
      utcMs < Date.UTC(year, 10, nthSundayUtc(year, 10, 1), 6);
  } else if (clock.dst === 'eu') {
    summer =
      utcMs >= Date.UTC(year, 2, lastSundayUtc(year, 2), 1) && utcMs < Date.UTC(year, 9, lastSundayUtc(year, 9), 1);
  }
  return clock.utc_offset_minutes + (summer ? 60 : 0);
}

/** `YYYY-MM-DD HH:mm:ss.SSS` on a clock `offsetMinutes` ahead of UTC ([serverTime] format). */
function brokerTime(iso: string, offsetMinutes: number): string {
  return new Date(Date.parse(iso) + offsetMinutes * 60_000).toISOString().replace('T', ' ').replace('Z', '');
}

const DEFAULT_CLOCK: FakeBrokerClock = { utc_offset_minutes: 180, dst: 'none' };

const stamp = (record: Record<string, unknown>, clock: FakeBrokerClock) => ({
  ...record,
  brokerTime: brokerTime(String(record.time), brokerOffsetAt(clock, Date.parse(String(record.time)))),
});

/**
 * What the client (`host` "client") or market-data (`host` "md") route `rest` answers for the
 * deployed account of `broker`; null for a route MetaApi does not have.
 */
export function terminalAnswer(
  broker: FakeBrokerAccount,
  host: string,
  rest: string,
  query: URLSearchParams,
  now: () => number,
): Answer | null {
  const clock = broker.clock ?? DEFAULT_CLOCK;
  if (host === 'client' && rest === 'account-information') {
    // [accountInformation] fields as in the docs example
    return {
      status: 200,
      body: {
        platform: 'mt5',
        broker: 'Fake Broker Ltd',
        currency: broker.currency,
        server: broker.server,
        balance: broker.balance,
        equity: broker.equity,
        margin: 0,
        freeMargin: broker.equity,
        leverage: 100,
        tradeAllowed: true,
        investorMode: true,
        marginMode: 'ACCOUNT_MARGIN_MODE_RETAIL_HEDGING',
        name: 'Trader',
        login: Number(broker.login),
        credit: broker.credit ?? 0,
        type: 'ACCOUNT_TRADE_MODE_DEMO',
      },
    };
  }
  if (host === 'client' && rest === 'positions') {
    return { status: 200, body: broker.positions.map((p) => stamp(p, clock)) };
  }
  if (host === 'client' && rest === 'server-time') {
    // [serverTime] {time, brokerTime, lastQuoteTime, lastQuoteBrokerTime}
    const t = new Date(now()).toISOString();
    const q = new Date(now() - 200).toISOString();
    return {
      status: 200,
      body: {
        time: t,
        brokerTime: brokerTime(t, brokerOffsetAt(clock, Date.parse(t))),
        lastQuoteTime: q,
        lastQuoteBrokerTime: brokerTime(q, brokerOffsetAt(clock, Date.parse(q))),
      },
    };
  }
  const dealsByTime = host === 'client' ? /^history-deals\/time\/([^/]+)\/([^/]+)$/.exec(rest) : null;
  if (dealsByTime) {
    // [dealsByTime] startTime inclusive, endTime exclusive; offset ≥ 0 (default 0), limit 1..1000 (default 1000)
    const from = Date.parse(dealsByTime[1]!);
    const to = Date.parse(dealsByTime[2]!);
    const offsetQ = Number(query.get('offset') ?? 0);
    const limit = Number(query.get('limit') ?? 1000);
    if (!(limit >= 1 && limit <= 1000) || !(offsetQ >= 0))
      return errorAnswer(400, 'ValidationError', 'Validation failed', [
        { parameter: 'limit', message: 'must be 1..1000' },
      ]);
    const inRange = broker.deals.filter((d) => Date.parse(String(d.time)) >= from && Date.parse(String(d.time)) < to);
    return { status: 200, body: inRange.slice(offsetQ, offsetQ + limit).map((d) => stamp(d, clock)) };
  }
  const specification = host === 'client' ? /^symbols\/([^/]+)\/specification$/.exec(rest) : null;
  if (specification) {
    // [specification] MetatraderSymbolSpecification: contractSize, point, digits, profitCurrency, …
    const symbol = specification[1]!;
    const gold = symbol === 'XAUUSD';
    return {
      status: 200,
      body: {
        symbol,
        tickSize: gold ? 0.01 : 0.00001,
        minVolume: 0.01,
        maxVolume: 100,
        volumeStep: 0.01,
        contractSize: gold ? 100 : 100_000,
        point: gold ? 0.01 : 0.00001,
        digits: gold ? 2 : 5,
        baseCurrency: symbol.slice(0, 3),
        profitCurrency: 'USD',
        marginCurrency: symbol.slice(0, 3),
      },
    };
  }
  const candles =
    host === 'md' ? /^historical-market-data\/symbols\/([^/]+)\/timeframes\/1m\/candles$/.exec(rest) : null;
  if (candles) {
    // [candles] startTime: "candles are loaded in backwards direction, so this should be the latest time";
    // limit ≤ 1000
    const series = broker.candles?.[candles[1]!] ?? [];
    const start = query.get('startTime') ? Date.parse(query.get('startTime')!) : Infinity;
    const limit = Number(query.get('limit') ?? 1000);
    if (!(limit >= 1 && limit <= 1000))
      return errorAnswer(400, 'ValidationError', 'Validation failed', [
        { parameter: 'limit', message: 'must be ≤ 1000' },
      ]);
    const upTo = series.filter((c) => Date.parse(String(c.time)) <= start);
    return { status: 200, body: upTo.slice(Math.max(0, upTo.length - limit)).map((c) => stamp(c, clock)) };
  }
  return null;
}

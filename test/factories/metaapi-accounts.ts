/**
 * Broker accounts for the MetaApi connector tests, in MetaApi's own field names (the fake in
 * test/fakes/metaapi.ts serves them), and the connector those tests use.
 */
import { abortableSleep } from '../../src/infra/http/backoff.ts';
import { type MetaApiConfig, MetaApiConnector } from '../../src/mt5/metaapi/connector.ts';
import { type FakeMetaApi, metaApiDeals } from '../fakes/metaapi.ts';
import type { FakeBrokerAccount } from '../fakes/metaapi-broker.ts';

export const TOKEN = 'test-metaapi-token';
export const PASSWORD = 'Inv3stor!pass';
export const START = '2026-01-12T08:00:00.000Z';
export const TRADES = 2500; // 5001 deals: six pages of 1000
export const creds = { login: '50194988', password: PASSWORD, server: 'FakeBroker-Demo' };

/**
 * Login 50194988 on FakeBroker-Demo: 100,000 deposited, then TRADES EURUSD round trips from START
 * (six pages of deals), one open EURUSD sell, and 2,600 M1 candles from a minute before START.
 */
export function broker(): FakeBrokerAccount {
  const deals = metaApiDeals(TRADES, START);
  const net =
    deals.reduce(
      (s, d) => s + Math.round(Number(d.profit ?? 0) * 100) + Math.round(Number(d.commission ?? 0) * 100),
      0,
    ) / 100;
  const candles = Array.from({ length: 2600 }, (_, i) => {
    const t = new Date(Date.parse(START) - 60_000 + i * 60_000).toISOString();
    return {
      symbol: 'EURUSD',
      timeframe: '1m',
      time: t,
      open: 1.1,
      high: 1.1005,
      low: 1.0995,
      close: 1.1,
      tickVolume: 10,
      spread: 12,
      volume: 10,
    };
  });
  const openTime = '2026-01-16T10:00:00.000Z';
  return {
    login: '50194988',
    password: PASSWORD,
    server: 'FakeBroker-Demo',
    region: 'london',
    currency: 'USD',
    balance: net,
    equity: net - 12.5,
    deals,
    positions: [
      {
        id: '777',
        type: 'POSITION_TYPE_SELL',
        symbol: 'EURUSD',
        time: openTime,
        openPrice: 1.1,
        currentPrice: 1.10125,
        volume: 0.1,
        swap: 0,
        profit: -12.5,
        unrealizedProfit: -12.5,
        stopLoss: 1.102,
      },
    ],
    candles: { EURUSD: candles },
  };
}

/** An account on FakeBroker-Demo (password Secret-9) with 100,000 and nothing traded, unless `over` says otherwise. */
export function extraBroker(login: string, over: Partial<FakeBrokerAccount> = {}): FakeBrokerAccount {
  return {
    login,
    password: 'Secret-9',
    server: 'FakeBroker-Demo',
    region: 'london',
    currency: 'USD',
    balance: 100_000,
    equity: 100_000,
    deals: [],
    positions: [],
    ...over,
  };
}

/** A MetaApi deal of a 0.1-lot EURUSD buy opening position `id` on 14 January, unless `over` says otherwise. */
export const tradeDeal = (id: string, over: Record<string, unknown>) => ({
  id,
  type: 'DEAL_TYPE_BUY',
  entryType: 'DEAL_ENTRY_IN',
  symbol: 'EURUSD',
  time: '2026-01-14T09:00:00.000Z',
  volume: 0.1,
  price: 1.1,
  commission: 0,
  swap: 0,
  profit: 0,
  positionId: id,
  orderId: id,
  platform: 'mt5',
  ...over,
});

/**
 * A connector to `target` with short retry and deploy-poll waits, reading at noon UTC on 16 January;
 * it takes at most 5 ms of any wait it is asked to sit through.
 */
export function metaApiTestConnector(target: FakeMetaApi, over: Partial<MetaApiConfig> = {}): MetaApiConnector {
  return new MetaApiConnector({
    token: TOKEN,
    provisioningUrl: target.provisioningUrl,
    clientUrl: target.clientUrl,
    marketDataUrl: target.marketDataUrl,
    requestTimeoutMs: 2000,
    retryBaseMs: 10,
    deployPollMs: 5,
    sleep: (ms: number) => abortableSleep(Math.min(ms, 5)),
    now: () => Date.parse('2026-01-16T12:00:00.000Z'),
    ...over,
  });
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerTime, metaApiDeals, startFakeMetaApi, type FakeBrokerAccount, type FakeMetaApi } from '../../../test/fakes/metaapi.ts';
import { ConnectorError } from '../connector.ts';
import { accountHistorySchema } from '../history.schema.ts';
import { MetaApiConnector, type MetaApiConfig } from './index.ts';

const TOKEN = 'test-metaapi-token';
const PASSWORD = 'Inv3stor!pass';
const START = '2026-01-12T08:00:00.000Z';
const TRADES = 2500; // 5001 deals: six pages of 1000

function broker(): FakeBrokerAccount {
  const deals = metaApiDeals(TRADES, START);
  const net = deals.reduce((s, d) => s + Math.round(Number(d.profit ?? 0) * 100) + Math.round(Number(d.commission ?? 0) * 100), 0) / 100;
  const candles = Array.from({ length: 2600 }, (_, i) => {
    const t = new Date(Date.parse(START) - 60_000 + i * 60_000).toISOString();
    return { symbol: 'EURUSD', timeframe: '1m', time: t, brokerTime: brokerTime(t, 180), open: 1.1, high: 1.1005, low: 1.0995, close: 1.1, tickVolume: 10, spread: 12, volume: 10 };
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
    positions: [{ id: '777', type: 'POSITION_TYPE_SELL', symbol: 'EURUSD', time: openTime, brokerTime: brokerTime(openTime, 180), openPrice: 1.1, currentPrice: 1.10125, volume: 0.1, swap: 0, profit: -12.5, unrealizedProfit: -12.5, stopLoss: 1.102 }],
    candles: { EURUSD: candles },
  };
}

let fake: FakeMetaApi;
const creds = { login: '50194988', password: PASSWORD, server: 'FakeBroker-Demo' };

function connector(over: Partial<MetaApiConfig> = {}): MetaApiConnector {
  return new MetaApiConnector({
    token: TOKEN,
    provisioningUrl: fake.provisioningUrl,
    clientUrl: fake.clientUrl,
    marketDataUrl: fake.marketDataUrl,
    requestTimeoutMs: 2000,
    retryBaseMs: 10,
    deployPollMs: 5,
    now: () => Date.parse('2026-01-16T12:00:00.000Z'),
    ...over,
  });
}

beforeAll(async () => {
  fake = await startFakeMetaApi({ token: TOKEN, brokers: [broker()], deployPolls: 2 });
});
afterAll(() => fake.close());

describe('MetaApi connector against a fake MetaApi', () => {
  it('provisions the trader’s account, deploys it and reads the whole history in UTC with the broker offset', async () => {
    const before = fake.requests.length;
    const h = await connector().fetchHistory(creds);
    expect(accountHistorySchema.safeParse(h).success).toBe(true);
    expect(h.account).toMatchObject({ login: '50194988', server: 'FakeBroker-Demo', currency: 'USD', server_utc_offset_minutes: 180, margin_mode: 'hedging', initial_balance: 100_000 });
    expect(h.deals).toHaveLength(2 * TRADES); // the funding deposit is the initial balance
    expect(h.deals[0]).toMatchObject({ ticket: 10_000, type: 'buy', entry: 'in', position_id: 1000, time: START, commission: -0.35, sl: 1.09, fee: 0 });
    expect(h.deals[1]).toMatchObject({ type: 'sell', entry: 'out', position_id: 1000, time: '2026-01-12T08:01:00.000Z' });
    expect(h.positions).toEqual([expect.objectContaining({ ticket: 777, type: 'sell', profit: -12.5, sl: 1.102, tp: null, open_time: '2026-01-16T10:00:00.000Z' })]);
    expect(h.equity).toEqual([{ time: '2026-01-16T12:00:00.000Z', balance: broker().balance, equity: broker().balance - 12.5 }]);
    expect(h.symbols).toEqual({ EURUSD: { contract_size: 100_000, point: 0.00001, profit_currency: 'USD' } });
    expect(h.bars!.EURUSD!.length).toBe(2600);
    expect(h.bars!.EURUSD![0]).toMatchObject({ time: '2026-01-12T07:59:00.000Z', low: 1.0995, spread_points: 12 });

    const mine = fake.requests.slice(before);
    const create = mine.filter((r) => r.method === 'POST' && r.path === '/prov/users/current/accounts');
    expect(create).toHaveLength(1);
    expect(JSON.parse(create[0]!.body)).toMatchObject({ login: '50194988', password: PASSWORD, server: 'FakeBroker-Demo', platform: 'mt5' });
    expect(mine.filter((r) => r.path.endsWith('/deploy'))).toHaveLength(1);
    const pages = mine.filter((r) => r.path.includes('/history-deals/time/'));
    expect(pages.map((r) => r.query.get('offset'))).toEqual(['0', '1000', '2000', '3000', '4000', '5000']);
    expect(pages.every((r) => r.query.get('limit') === '1000' && r.path.startsWith('/client/london/'))).toBe(true);
    expect(mine.filter((r) => r.path.includes('/historical-market-data/')).every((r) => r.path.startsWith('/md/london/'))).toBe(true);
    // the password travels only in the provisioning body, never in a URL
    expect(mine.some((r) => decodeURIComponent(r.path + r.query.toString()).includes(PASSWORD))).toBe(false);
  });

  it('reuses the MetaApi account that already exists for the login and server', async () => {
    const before = fake.requests.length;
    const info = await connector({ includeBars: false }).getAccountInfo(creds);
    expect(info).toMatchObject({ login: '50194988', currency: 'USD', balance: broker().balance, margin_level: null, leverage: 100 });
    expect(fake.requests.slice(before).filter((r) => r.method === 'POST')).toHaveLength(0);
  });

  it('keeps deals at the range start and drops those at the range end (start inclusive, end exclusive)', async () => {
    const h = await connector({ includeBars: false, historyFrom: START, now: () => Date.parse('2026-01-12T08:02:00.000Z') - 60_000 }).fetchHistory(creds);
    // from 08:00:00 (inclusive) to now+60 s = 08:02:00 (exclusive): the 08:00 in, the 08:01 out; not the 08:02 in
    expect(h.deals.map((d) => d.time)).toEqual([START, '2026-01-12T08:01:00.000Z']);
  });

  it('answers invalid_credentials for a wrong password and unknown_server for a server MetaApi does not know, never echoing the password', async () => {
    const wrong = await connector().fetchHistory({ ...creds, login: '50194988', server: 'FakeBroker-Demo', password: 'nope' }).catch((e: unknown) => e);
    // the account already exists (reused), so use a new login for the provisioning path
    const fresh = await connector().fetchHistory({ login: '99999', password: 'Secret-1', server: 'FakeBroker-Demo' }).catch((e: unknown) => e);
    expect(fresh).toBeInstanceOf(ConnectorError);
    expect(fresh).toMatchObject({ code: 'invalid_credentials', retryable: false });
    expect(String((fresh as Error).message)).not.toContain('Secret-1');
    expect(wrong).not.toBeInstanceOf(Error); // reused account: MetaApi holds the password it was provisioned with
    const server = await connector().fetchHistory({ login: '1', password: 'Secret-1', server: 'Nowhere-Live' }).catch((e: unknown) => e);
    expect(server).toMatchObject({ code: 'unknown_server', retryable: false });
  });

  it('answers a non-retryable error when MetaApi rejects our token', async () => {
    const err = await connector({ token: 'wrong' }).getPositions(creds).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'unreachable', retryable: false });
    expect((err as Error).message).toContain('METAAPI_TOKEN');
  });

  it('waits for recommendedRetryTime after a 429 and then succeeds', async () => {
    const c = connector({ includeBars: false, now: Date.now });
    await c.getPositions(creds); // account known
    fake.rateLimit(2, { recommendedInMs: 150, retryAfterSeconds: 30 });
    const t0 = Date.now();
    const positions = await c.getPositions(creds);
    expect(positions).toHaveLength(1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(Date.now() - t0).toBeLessThan(5000); // not the 30 s of Retry-After
  });

  it('honours Retry-After when the 429 has no recommendedRetryTime', async () => {
    const c = connector({ includeBars: false, now: Date.now });
    await c.getPositions(creds);
    fake.rateLimit(1, { retryAfterSeconds: 1 });
    const t0 = Date.now();
    await c.getPositions(creds);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
  });

  it('comes back after Retry-After when MetaApi answers 202 (still loading) and returns the data', async () => {
    const waits: number[] = [];
    const c = connector({ includeBars: false, sleep: async (ms) => void waits.push(ms) });
    await c.getPositions(creds);
    waits.length = 0;
    fake.accepted(2, { retryAfterSeconds: 4 });
    await expect(c.getPositions(creds)).resolves.toHaveLength(1);
    expect(waits).toEqual([4000, 4000]);
  });

  it('gives up with a retryable error when the rate limit asks for longer than it may wait', async () => {
    const c = connector({ includeBars: false, maxRateLimitWaitMs: 500 });
    await c.getPositions(creds);
    fake.rateLimit(1, { retryAfterSeconds: 60 });
    await expect(c.getPositions(creds)).rejects.toMatchObject({ code: 'unreachable', retryable: true });
  });

  it('retries a request that timed out, and fails with a retryable timeout when every attempt does', async () => {
    const c = connector({ includeBars: false, requestTimeoutMs: 150, maxRetries: 2 });
    await c.getPositions(creds);
    fake.delay(/\/positions$/, 400, 1);
    await expect(c.getPositions(creds)).resolves.toHaveLength(1);
    fake.delay(/\/positions$/, 400, 3);
    await expect(c.getPositions(creds)).rejects.toMatchObject({ code: 'timeout', retryable: true });
  });

  it('stops at the caller’s deadline with a timeout', async () => {
    const c = connector({ includeBars: false });
    await c.getPositions(creds);
    fake.delay(/\/positions$/, 500, 1);
    await expect(c.getPositions(creds, { signal: AbortSignal.timeout(100) })).rejects.toMatchObject({ code: 'timeout' });
  });
});

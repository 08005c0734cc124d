import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FakeBrokerAccount,
  type FakeMetaApi,
  metaApiDeals,
  startFakeMetaApi,
} from '../../../test/fakes/metaapi.ts';
import { abortableSleep } from '../../infra/http/backoff.ts';
import { ConnectorError } from '../connector.ts';
import { findInconsistencies } from '../consistency.ts';
import { accountHistorySchema } from '../history.schema.ts';
import { type MetaApiConfig, MetaApiConnector } from './connector.ts';

const TOKEN = 'test-metaapi-token';
const PASSWORD = 'Inv3stor!pass';
const START = '2026-01-12T08:00:00.000Z';
const TRADES = 2500; // 5001 deals: six pages of 1000

function broker(): FakeBrokerAccount {
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

let fake: FakeMetaApi;
const creds = { login: '50194988', password: PASSWORD, server: 'FakeBroker-Demo' };
/** Waits the connector asked for, in ms; the test does not sit through them. */
let waits: number[] = [];
const recordingSleep = async (ms: number) => {
  waits.push(ms);
  await abortableSleep(Math.min(ms, 5));
};

function connector(over: Partial<MetaApiConfig> = {}, target: FakeMetaApi = fake): MetaApiConnector {
  return new MetaApiConnector({
    token: TOKEN,
    provisioningUrl: target.provisioningUrl,
    clientUrl: target.clientUrl,
    marketDataUrl: target.marketDataUrl,
    requestTimeoutMs: 2000,
    retryBaseMs: 10,
    deployPollMs: 5,
    sleep: recordingSleep,
    now: () => Date.parse('2026-01-16T12:00:00.000Z'),
    ...over,
  });
}

function extraBroker(login: string, over: Partial<FakeBrokerAccount> = {}): FakeBrokerAccount {
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

beforeAll(async () => {
  const trade = (id: string, over: Record<string, unknown>) => ({
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
  fake = await startFakeMetaApi({
    token: TOKEN,
    brokers: [
      broker(),
      ...['7001', '7002', '7003', '7004', '7005', '7006'].map((login) => extraBroker(login)),
      extraBroker('7101', {
        deals: [trade('71', { type: 'DEAL_TYPE_FUTURE_KIND', entryType: undefined, profit: 12.5 })],
      }),
      extraBroker('7102', { deals: [trade('72', { entryType: undefined })] }),
      extraBroker('7103', { settingsUndetectable: true }),
      extraBroker('7201', {
        credit: 5_000,
        equity: 105_006,
        deals: [
          {
            id: '1',
            type: 'DEAL_TYPE_BALANCE',
            time: '2026-01-13T09:00:00.000Z',
            profit: 100_000,
            comment: 'Deposit',
            platform: 'mt5',
          },
          {
            id: '2',
            type: 'DEAL_TYPE_CREDIT',
            time: '2026-01-13T09:01:00.000Z',
            profit: 5_000,
            comment: 'Credit',
            platform: 'mt5',
          },
          trade('73', {}),
          trade('74', {
            type: 'DEAL_TYPE_SELL',
            entryType: 'DEAL_ENTRY_OUT',
            time: '2026-01-14T09:10:00.000Z',
            profit: 6,
            positionId: '73',
          }),
        ],
        balance: 100_006,
      }),
    ],
    deployPolls: 2,
  });
});
afterAll(() => fake.close());

describe('MetaApi connector against a fake MetaApi', () => {
  it('keeps credit out of the initial balance (MT5 balance excludes credit), so a funded account with credit is consistent', async () => {
    const h = await connector().fetchHistory({ login: '7201', password: 'Secret-9', server: 'FakeBroker-Demo' });
    expect(h.account.initial_balance).toBe(100_000);
    expect(h.deals.filter((d) => d.type === 'credit').map((d) => d.profit)).toEqual([5_000]);
    expect(findInconsistencies(h, { balance: 100_006, credit: 5_000 })).toEqual([]);
  });

  it('provisions the trader’s account, waits until it is connected and reads the whole history in UTC with the broker offset', async () => {
    const before = fake.requests.length;
    const h = await connector().fetchHistory(creds);
    expect(accountHistorySchema.safeParse(h).success).toBe(true);
    expect(h.account).toMatchObject({
      login: '50194988',
      server: 'FakeBroker-Demo',
      currency: 'USD',
      server_utc_offset_minutes: 180,
      margin_mode: 'hedging',
      initial_balance: 100_000,
    });
    expect(h.deals).toHaveLength(2 * TRADES); // the funding deposit is the initial balance
    expect(h.deals[0]).toMatchObject({
      ticket: 10_000,
      type: 'buy',
      entry: 'in',
      position_id: 1000,
      time: START,
      commission: -0.35,
      sl: 1.09,
      fee: 0,
    });
    expect(h.deals[1]).toMatchObject({
      type: 'sell',
      entry: 'out',
      position_id: 1000,
      time: '2026-01-12T08:01:00.000Z',
    });
    expect(h.positions).toEqual([
      expect.objectContaining({
        ticket: 777,
        type: 'sell',
        profit: -12.5,
        sl: 1.102,
        tp: null,
        open_time: '2026-01-16T10:00:00.000Z',
      }),
    ]);
    expect(h.equity).toEqual([
      { time: '2026-01-16T12:00:00.000Z', balance: broker().balance, equity: broker().balance - 12.5 },
    ]);
    expect(h.symbols).toEqual({ EURUSD: { contract_size: 100_000, point: 0.00001, profit_currency: 'USD' } });
    expect(h.bars!.EURUSD!.length).toBe(2600);
    expect(h.bars!.EURUSD![0]).toMatchObject({ time: '2026-01-12T07:59:00.000Z', low: 1.0995, spread_points: 12 });

    const mine = fake.requests.slice(before);
    // createAccount answers 202 once (settings detection), then 201 to the same transaction-id
    const create = mine.filter((r) => r.method === 'POST' && r.path === '/prov/users/current/accounts');
    expect(create.map((r) => r.status)).toEqual([202, 201]);
    expect(JSON.parse(create[0]!.body)).toMatchObject({
      login: '50194988',
      password: PASSWORD,
      server: 'FakeBroker-Demo',
      platform: 'mt5',
    });
    // "Adds a trading account and starts a cloud API server": no separate deploy call
    expect(mine.filter((r) => r.path.endsWith('/deploy'))).toHaveLength(0);
    const pages = mine.filter((r) => r.path.includes('/history-deals/time/'));
    expect(pages.map((r) => r.query.get('offset'))).toEqual(['0', '1000', '2000', '3000', '4000', '5000']);
    expect(pages.every((r) => r.query.get('limit') === '1000' && r.path.startsWith('/client/london/'))).toBe(true);
    expect(
      mine.filter((r) => r.path.includes('/historical-market-data/')).every((r) => r.path.startsWith('/md/london/')),
    ).toBe(true);
    // the password travels only in the provisioning body, never in a URL
    expect(mine.some((r) => decodeURIComponent(r.path + r.query.toString()).includes(PASSWORD))).toBe(false);
  });

  it('reuses the MetaApi account that already exists for the login and server', async () => {
    const before = fake.requests.length;
    const info = await connector({ includeBars: false }).getAccountInfo(creds);
    expect(info).toMatchObject({
      login: '50194988',
      currency: 'USD',
      balance: broker().balance,
      margin_level: null,
      leverage: 100,
    });
    expect(fake.requests.slice(before).filter((r) => r.method === 'POST')).toHaveLength(0);
  });

  it('keeps deals at the range start and drops those at the range end (start inclusive, end exclusive)', async () => {
    const h = await connector({
      includeBars: false,
      historyFrom: START,
      now: () => Date.parse('2026-01-12T08:02:00.000Z') - 60_000,
    }).fetchHistory(creds);
    // from 08:00:00 (inclusive) to now+60 s = 08:02:00 (exclusive): the 08:00 in, the 08:01 out; not the 08:02 in
    expect(h.deals.map((d) => d.time)).toEqual([START, '2026-01-12T08:01:00.000Z']);
  });

  it('answers invalid_credentials for a wrong password and unknown_server for a server MetaApi does not know, never echoing the password', async () => {
    const wrong = await connector()
      .fetchHistory({ ...creds, login: '50194988', server: 'FakeBroker-Demo', password: 'nope' })
      .catch((e: unknown) => e);
    // the account already exists (reused), so use a new login for the provisioning path
    const fresh = await connector()
      .fetchHistory({ login: '99999', password: 'Secret-1', server: 'FakeBroker-Demo' })
      .catch((e: unknown) => e);
    expect(fresh).toBeInstanceOf(ConnectorError);
    expect(fresh).toMatchObject({ code: 'invalid_credentials', retryable: false });
    expect(String((fresh as Error).message)).not.toContain('Secret-1');
    expect(wrong).not.toBeInstanceOf(Error); // reused account: MetaApi holds the password it was provisioned with
    const server = await connector()
      .fetchHistory({ login: '1', password: 'Secret-1', server: 'Nowhere-Live' })
      .catch((e: unknown) => e);
    expect(server).toMatchObject({ code: 'unknown_server', retryable: false });
  });

  it('answers a non-retryable error when MetaApi rejects our token', async () => {
    const err = await connector({ token: 'wrong' })
      .getPositions(creds)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'unreachable', retryable: false });
    expect((err as Error).message).toContain('METAAPI_TOKEN');
  });

  it('waits for recommendedRetryTime after a 429 and then succeeds', async () => {
    const c = connector({ includeBars: false, now: Date.now, sleep: abortableSleep });
    await c.getPositions(creds); // account known
    fake.rateLimit(2, { recommendedInMs: 150, retryAfterSeconds: 30 });
    const t0 = Date.now();
    const positions = await c.getPositions(creds);
    expect(positions).toHaveLength(1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(Date.now() - t0).toBeLessThan(5000); // not the 30 s of Retry-After
  });

  it('honours Retry-After when the 429 has no recommendedRetryTime', async () => {
    const c = connector({ includeBars: false, now: Date.now, sleep: abortableSleep });
    await c.getPositions(creds);
    fake.rateLimit(1, { retryAfterSeconds: 1 });
    const t0 = Date.now();
    await c.getPositions(creds);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
  });

  it('comes back after Retry-After when MetaApi answers 202 (still loading) and returns the data', async () => {
    const c = connector({ includeBars: false });
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
    const c = connector({ includeBars: false, requestTimeoutMs: 150, maxRetries: 2, sleep: abortableSleep });
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
    await expect(c.getPositions(creds, { signal: AbortSignal.timeout(100) })).rejects.toMatchObject({
      code: 'timeout',
    });
  });
});

/** The POST /users/current/accounts requests among `since`. */
function creates(since: number) {
  return fake.requests.slice(since).filter((r) => r.method === 'POST' && r.path === '/prov/users/current/accounts');
}

/** Calls a provisioning route of the fake as a MetaApi user would (undeploy, delete). */
async function provisioning(method: 'POST' | 'DELETE', path: string): Promise<number> {
  const res = await fetch(`${fake.provisioningUrl}/users/current/accounts/${path}`, {
    method,
    headers: { 'auth-token': TOKEN },
  });
  return res.status;
}

describe('MetaApi account creation (createAccount: transaction-id, 202 polling)', () => {
  it('MetaApi refuses a create without a 32-character transaction-id', async () => {
    const body = JSON.stringify({
      login: '7001',
      password: 'Secret-9',
      server: 'FakeBroker-Demo',
      platform: 'mt5',
      name: 'x',
      magic: 0,
    });
    for (const headers of [{}, { 'transaction-id': 'short' }] as Array<Record<string, string>>) {
      const res = await fetch(`${fake.provisioningUrl}/users/current/accounts`, {
        method: 'POST',
        headers: { 'auth-token': TOKEN, 'content-type': 'application/json', ...headers },
        body,
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'ValidationError', details: [{ parameter: 'transaction-id' }] });
    }
  });

  it('sends a random 32-character transaction-id and reuses it, unchanged, while the create answers 202 (Retry-After seconds)', async () => {
    fake.createAccepted(3, { retryAfter: '7' });
    const before = fake.requests.length;
    waits = [];
    const info = await connector({ includeBars: false }).getAccountInfo({
      login: '7001',
      password: 'Secret-9',
      server: 'FakeBroker-Demo',
    });
    expect(info).toMatchObject({ login: '7001', balance: 100_000 });
    const posts = creates(before);
    expect(posts.map((r) => r.status)).toEqual([202, 202, 202, 201]);
    const ids = posts.map((r) => r.headers['transaction-id']);
    expect(ids[0]).toMatch(/^[0-9A-Za-z]{32}$/);
    expect(new Set(ids).size).toBe(1);
    expect(waits.filter((w) => w === 7000)).toHaveLength(3);
    expect([...fake.accounts.values()].filter((a) => a.login === '7001')).toHaveLength(1);
  });

  it('waits until the HTTP-date of Retry-After on a 202', async () => {
    const at = Date.now() + 30_000;
    fake.createAccepted(1, { retryAfter: new Date(at).toUTCString() });
    waits = [];
    await connector({ includeBars: false, now: Date.now }).getPositions({
      login: '7002',
      password: 'Secret-9',
      server: 'FakeBroker-Demo',
    });
    const w = waits[0]!;
    expect(w).toBeGreaterThan(27_000);
    expect(w).toBeLessThanOrEqual(30_000);
  });

  it('waits for metadata.recommendedRetryTime when a 202 has no Retry-After', async () => {
    fake.createAccepted(1, { recommendedInMs: 45_000 });
    waits = [];
    await connector({ includeBars: false, now: Date.now }).getPositions({
      login: '7003',
      password: 'Secret-9',
      server: 'FakeBroker-Demo',
    });
    expect(waits[0]).toBeGreaterThan(42_000);
    expect(waits[0]).toBeLessThanOrEqual(45_000);
  });

  it('keeps polling a slow create longer than the retry count allows, and gives each new create its own transaction-id', async () => {
    fake.createAccepted(8, { retryAfter: '60' });
    const before = fake.requests.length;
    await connector({ includeBars: false, maxRetries: 2 }).getPositions({
      login: '7004',
      password: 'Secret-9',
      server: 'FakeBroker-Demo',
    });
    await connector({ includeBars: false }).getPositions({
      login: '7005',
      password: 'Secret-9',
      server: 'FakeBroker-Demo',
    });
    const posts = creates(before);
    expect(posts.filter((r) => r.status === 201)).toHaveLength(2);
    expect(new Set(posts.map((r) => r.headers['transaction-id'])).size).toBe(2);
    fake.createAccepted(1, { retryAfter: '1' });
  });
});

describe('MetaApi account cache (readAccount state, 404 NotFoundError)', () => {
  const trader = { login: '7006', password: 'Secret-9', server: 'FakeBroker-Demo' };

  it('re-creates the account when it was removed from MetaApi between two checks', async () => {
    const c = connector({ includeBars: false });
    const before = fake.requests.length;
    await c.fetchHistory(trader);
    const first = [...fake.accounts.values()].find((a) => a.login === trader.login)!;
    expect(await provisioning('DELETE', first.id)).toBe(204);
    const h = await c.fetchHistory(trader);
    expect(h.account).toMatchObject({ login: '7006', initial_balance: 100_000 });
    const now = [...fake.accounts.values()].filter((a) => a.login === trader.login);
    expect(now).toHaveLength(1);
    expect(now[0]!.id).not.toBe(first.id);
    expect(creates(before).filter((r) => r.status === 201)).toHaveLength(2);
  });

  it('redeploys the account when it was undeployed between two checks, and waits until it is connected', async () => {
    const c = connector({ includeBars: false });
    await c.getPositions(trader);
    const account = [...fake.accounts.values()].find((a) => a.login === trader.login)!;
    expect(await provisioning('POST', `${account.id}/undeploy`)).toBe(204);
    const before = fake.requests.length;
    await expect(c.getPositions(trader)).resolves.toEqual([]);
    const mine = fake.requests.slice(before);
    expect(mine.filter((r) => r.path.endsWith(`/${account.id}/deploy`))).toHaveLength(1);
    expect(creates(before)).toHaveLength(0);
    expect(account).toMatchObject({ state: 'DEPLOYED', connectionStatus: 'CONNECTED' });
    // the client call that found the account gone, then the same call again once connected
    expect(mine.filter((r) => r.path.endsWith('/positions')).map((r) => r.status)).toEqual([404, 200]);
  });

  it('re-reads the account state once the cached check is older than accountRecheckMs, deploying before any client call fails', async () => {
    const c = connector({ includeBars: false, accountRecheckMs: 0 });
    await c.getAccountInfo(trader);
    const account = [...fake.accounts.values()].find((a) => a.login === trader.login)!;
    await provisioning('POST', `${account.id}/undeploy`);
    const before = fake.requests.length;
    await c.getAccountInfo(trader);
    const mine = fake.requests.slice(before);
    expect(mine.filter((r) => r.path.endsWith('/deploy'))).toHaveLength(1);
    expect(mine.filter((r) => r.path.startsWith('/client/')).map((r) => r.status)).toEqual([200]);
  });
});

/** Adds the trader to the fake MetaApi as the firm would have done already (createAccount until 201). */
async function existingAccount(login: string): Promise<void> {
  const transactionId = 'a'.repeat(24) + login.padStart(8, '0');
  for (;;) {
    const res = await fetch(`${fake.provisioningUrl}/users/current/accounts`, {
      method: 'POST',
      headers: { 'auth-token': TOKEN, 'content-type': 'application/json', 'transaction-id': transactionId },
      body: JSON.stringify({
        login,
        password: 'Secret-9',
        server: 'FakeBroker-Demo',
        platform: 'mt5',
        name: `firm-${login}`,
        magic: 0,
      }),
    });
    if (res.status === 201) return;
    expect(res.status).toBe(202);
  }
}

describe('MetaApi data that cannot be read as documented ends in bad_data, never a history', () => {
  it('refuses a deal of a type MetaApi does not document when it moves money', async () => {
    await existingAccount('7101');
    const err = await connector({ includeBars: false })
      .fetchHistory({ login: '7101', password: 'Secret-9', server: 'FakeBroker-Demo' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'bad_data' });
    expect((err as Error).message).toContain('DEAL_TYPE_FUTURE_KIND');
  });

  it('refuses a buy or sell deal without a documented entryType instead of guessing DEAL_ENTRY_IN', async () => {
    await existingAccount('7102');
    const err = await connector({ includeBars: false })
      .fetchHistory({ login: '7102', password: 'Secret-9', server: 'FakeBroker-Demo' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'bad_data' });
    expect((err as Error).message).toContain('entryType');
  });

  it('answers a retryable error when MetaApi cannot detect the broker settings yet (E_SERVER_TIMEZONE)', async () => {
    const err = await connector({ includeBars: false })
      .getAccountInfo({ login: '7103', password: 'Secret-9', server: 'FakeBroker-Demo' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'unreachable', retryable: true });
    expect((err as Error).message).toContain('settings');
  });
});

describe('MetaApi broker offset (readServerTime at the time of reading)', () => {
  // A "New York close" broker: UTC+2 in winter, UTC+3 from the US switch (2026-03-08 07:00 UTC),
  // while an EU-switching broker stays UTC+2 until 2026-03-29.
  const NOW = Date.parse('2026-03-20T12:00:00.000Z');
  let dst: FakeMetaApi;
  const us = { login: '8101', password: 'Secret-9', server: 'NYClose-Live' };
  const eu = { login: '8102', password: 'Secret-9', server: 'EuClose-Live' };

  beforeAll(async () => {
    const deals = metaApiDeals(3, '2026-03-02T08:00:00.000Z').concat(
      metaApiDeals(3, '2026-03-12T08:00:00.000Z')
        .slice(1)
        .map((d) => ({ ...d, id: `2${String(d.id)}`, positionId: `2${String(d.positionId)}` })),
    );
    const balance = deals.reduce((s, d) => s + Number(d.profit ?? 0) + Number(d.commission ?? 0), 0);
    dst = await startFakeMetaApi({
      token: TOKEN,
      now: () => NOW,
      createAccepted: { count: 0 },
      brokers: [
        extraBroker(us.login, {
          server: us.server,
          deals,
          balance,
          equity: balance,
          clock: { utc_offset_minutes: 120, dst: 'us' },
        }),
        extraBroker(eu.login, {
          server: eu.server,
          deals,
          balance,
          equity: balance,
          clock: { utc_offset_minutes: 120, dst: 'eu' },
        }),
      ],
    });
  });
  afterAll(() => dst.close());

  it('reports UTC+3 for a US-switching broker read between the US and EU switches, though its oldest deals were at UTC+2', async () => {
    const h = await connector({ includeBars: false, now: () => NOW }, dst).fetchHistory(us);
    expect(h.deals.length).toBe(12);
    expect(h.account.server_utc_offset_minutes).toBe(180);
    expect(h.deals.map((d) => d.time)).toContain('2026-03-12T08:00:00.000Z'); // UTC times, not broker times
  });

  it('reports UTC+2 for an EU-switching broker read on the same day', async () => {
    const h = await connector({ includeBars: false, now: () => NOW }, dst).fetchHistory(eu);
    expect(h.account.server_utc_offset_minutes).toBe(120);
  });
});

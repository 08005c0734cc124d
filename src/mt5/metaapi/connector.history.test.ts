import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  broker,
  creds,
  extraBroker,
  metaApiTestConnector,
  PASSWORD,
  START,
  TOKEN,
  TRADES,
  tradeDeal,
} from '../../../test/factories/metaapi-accounts.ts';
import { type FakeMetaApi, metaApiDeals, startFakeMetaApi } from '../../../test/fakes/metaapi.ts';
import { ConnectorError } from '../connector.ts';
import { findInconsistencies } from '../consistency.ts';
import { accountHistorySchema } from '../history.schema.ts';
import type { MetaApiConfig, MetaApiConnector } from './connector.ts';

let fake: FakeMetaApi;
function connector(over: Partial<MetaApiConfig> = {}, target: FakeMetaApi = fake): MetaApiConnector {
  return metaApiTestConnector(target, over);
}

beforeAll(async () => {
  fake = await startFakeMetaApi({
    token: TOKEN,
    brokers: [
      broker(),
      // 100,000 deposited and 5,000 credit, then one trade closed at +6.00
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
          tradeDeal('73', {}),
          tradeDeal('74', {
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

describe('MetaApi connector against a fake MetaApi: reading a history', () => {
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

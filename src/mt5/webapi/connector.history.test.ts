import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  creds,
  GROUPS,
  MANAGER,
  managerConnector,
  ROUND_TRIPS,
  tradedUser,
  UTC2,
} from '../../../test/factories/webapi-accounts.ts';
import { type FakeWebApi, type FakeWebApiUser, startFakeWebApi } from '../../../test/fakes/webapi.ts';
import { accountHistorySchema } from '../history.schema.ts';
import type { WebApiConfig, WebApiConnector } from './connector.ts';

/**
 * A broker on Europe/Athens time (EET, UTC+2 in winter; EEST, UTC+3 in summer) with 230 open
 * positions: one round trip in January and one in July, both opened at 10:00 server time.
 */
function athensUser(): FakeWebApiUser {
  const wall = (w: string) => Date.parse(`${w.replace(' ', 'T')}Z`) / 1000;
  const trip = (i: number, open: number) => [
    {
      Deal: String(200 + 2 * i),
      Order: String(800 + i),
      Action: '0',
      Entry: '0',
      Time: String(open),
      Symbol: 'EURUSD',
      Volume: '10000',
      Price: '1.10000',
      Profit: '0.00',
      Storage: '0.00',
      Commission: '0.00',
      Fee: '0.00',
      PositionID: String(800 + i),
      Comment: '',
      Reason: '0',
    },
    {
      Deal: String(201 + 2 * i),
      Order: String(900 + i),
      Action: '1',
      Entry: '1',
      Time: String(open + 600),
      Symbol: 'EURUSD',
      Volume: '10000',
      Price: '1.10100',
      Profit: '100.00',
      Storage: '0.00',
      Commission: '0.00',
      Fee: '0.00',
      PositionID: String(800 + i),
      Comment: '',
      Reason: '0',
    },
  ];
  const deals = [
    {
      Deal: '1',
      Order: '0',
      Action: '2',
      Entry: '0',
      Time: String(wall('2026-01-02 09:00:00')),
      Symbol: '',
      Volume: '0',
      Price: '0.00',
      Profit: '10000.00',
      Storage: '0.00',
      Commission: '0.00',
      Fee: '0.00',
      PositionID: '0',
      Comment: 'Deposit',
      Reason: '0',
    },
    ...trip(0, wall('2026-01-15 10:00:00')),
    ...trip(1, wall('2026-07-15 10:00:00')),
  ];
  const positions = Array.from({ length: 230 }, (_, i) => ({
    Position: String(10_000 + i),
    Login: '70003',
    Symbol: 'EURUSD',
    Action: '0',
    Volume: '100',
    PriceOpen: '1.10000',
    PriceCurrent: '1.10000',
    PriceSL: '0',
    PriceTP: '0',
    Storage: '0.00',
    Profit: '0.00',
    TimeCreate: String(wall('2026-07-20 09:00:00') + i),
  }));
  for (const p of positions)
    deals.push({
      Deal: String(20_000 + Number(p.Position)),
      Order: p.Position,
      Action: '0',
      Entry: '0',
      Time: p.TimeCreate,
      Symbol: 'EURUSD',
      Volume: '100',
      Price: '1.10000',
      Profit: '0.00',
      Storage: '0.00',
      Commission: '0.00',
      Fee: '0.00',
      PositionID: p.Position,
      Comment: '',
      Reason: '0',
    });
  return {
    login: '70003',
    group: 'real\\eur-netting',
    balance: '10200.00',
    credit: '0.00',
    trade: null,
    deals,
    positions,
    daily: [],
  };
}

let fake: FakeWebApi;
const connectors: WebApiConnector[] = [];
function connector(over: Partial<WebApiConfig> = {}): WebApiConnector {
  const c = managerConnector(fake.url, over);
  connectors.push(c);
  return c;
}

beforeAll(async () => {
  fake = await startFakeWebApi({ ...MANAGER, users: [tradedUser(), athensUser()], groups: GROUPS, clock: UTC2 });
});
afterAll(async () => {
  await Promise.all(connectors.map((c) => c.close()));
  await fake.close();
});

describe('MT5 Manager Web API connector against a fake access server: reading a history', () => {
  it('authenticates once and reads the history over one kept-alive connection, paged 100 at a time', async () => {
    const before = { conns: fake.connections(), reqs: fake.requests.length };
    const c = connector();
    const h = await c.fetchHistory(creds);
    expect(accountHistorySchema.safeParse(h).success).toBe(true);
    expect(fake.connections() - before.conns).toBe(1);
    const mine = fake.requests.slice(before.reqs);
    expect(mine.filter((r) => r.path.startsWith('/api/auth/')).map((r) => r.path)).toEqual([
      '/api/auth/start',
      '/api/auth/answer',
    ]);
    const pages = mine.filter((r) => r.path === '/api/deal/get_page');
    expect(pages.map((r) => [r.query.get('offset'), r.query.get('total')])).toEqual([
      ['0', '100'],
      ['100', '100'],
      ['200', '54'],
    ]);

    // funding deposit folded into the initial balance; credit kept; the ENTRY_STATE record dropped
    expect(h.account).toMatchObject({
      login: '70001',
      server: 'Broker-Live',
      currency: 'USD',
      initial_balance: 100_000,
      server_utc_offset_minutes: 120,
    });
    expect(h.deals).toHaveLength(1 + 2 * ROUND_TRIPS + 1);
    expect(h.deals[0]).toMatchObject({ type: 'credit', profit: 500, time: '2026-01-09T07:05:00.000Z' });
    // strings → numbers, Volume ÷ 10 000, server clock → UTC, TimeMsc kept
    expect(h.deals[1]).toEqual({
      ticket: 100,
      order: 5000,
      time: '2026-01-12T08:00:00.250Z',
      type: 'buy',
      entry: 'in',
      position_id: 5000,
      symbol: 'EURUSD',
      volume: 0.1,
      price: 1.1,
      profit: 0,
      commission: -0.7,
      swap: 0,
      fee: 0,
      comment: '',
      sl: 1.09,
    });
    expect(h.deals[2]).toMatchObject({
      type: 'sell',
      entry: 'out',
      volume: 0.1,
      profit: -7.25,
      position_id: 5000,
      time: '2026-01-12T08:05:00.000Z',
    });
    expect(h.positions).toEqual([
      {
        ticket: 7777,
        symbol: 'GBPUSD',
        type: 'sell',
        volume: 2.5,
        open_price: 1.27,
        current_price: 1.2708,
        sl: 1.28,
        tp: null,
        swap: -0.4,
        profit: -20,
        open_time: '2026-01-13T07:00:00.005Z',
      },
    ]);
    // daily reports: the server's end-of-day balance and equity at each report's Timestamp (FILETIME,
    // UTC); the report before the funding deposit is left out; then the current state
    expect(h.equity).toEqual([
      { time: '2026-01-09T21:59:59.246Z', balance: 100_000, equity: 100_500 },
      { time: '2026-01-10T21:59:59.246Z', balance: 100_000, equity: 100_500 },
      { time: '2026-01-11T21:59:59.246Z', balance: 100_000, equity: 100_500 },
      { time: '2026-01-12T21:59:59.246Z', balance: 100_102.9, equity: 100_602.9 },
      { time: '2026-01-13T12:00:00.000Z', balance: h.equity![4]!.balance, equity: h.equity![4]!.equity },
    ]);
    expect(h.equity![4]!.balance).toBeCloseTo(100_000 + 62 * 12.5 - 63 * 7.25 - 125 * 1.4, 2);
    // the group was read once, by its name as the user record spells it
    expect(mine.filter((r) => r.path === '/api/group/get').map((r) => r.query.get('group'))).toEqual(['demo\\prop']);
    const info = await c.getAccountInfo(creds);
    expect(info).toMatchObject({ credit: 500, margin: 220, margin_level: 45000, leverage: 100 });
    expect(info.equity).toBeCloseTo(info.balance + 480, 2);
    expect(fake.connections() - before.conns).toBe(1);
    expect(fake.requests.slice(before.reqs).filter((r) => r.path === '/api/auth/start')).toHaveLength(1);
  });

  it('converts server wall time with the broker’s zone across DST and pages open positions 100 at a time', async () => {
    const before = fake.requests.length;
    const h = await connector({
      clock: { time_zone: 'Europe/Athens' },
      now: () => Date.parse('2026-07-20T12:00:00.000Z'),
    }).fetchHistory({ ...creds, login: '70003' });
    expect(accountHistorySchema.safeParse(h).success).toBe(true);
    const pages = fake.requests.slice(before).filter((r) => r.path === '/api/position/get_page');
    expect(pages.map((r) => [r.query.get('offset'), r.query.get('total')])).toEqual([
      ['0', '100'],
      ['100', '100'],
      ['200', '30'],
    ]);
    expect(h.positions).toHaveLength(230);
    expect(new Set(h.positions!.map((p) => p.ticket)).size).toBe(230);
    expect(h.positions![0]).toMatchObject({ ticket: 10_000, volume: 0.01, open_time: '2026-07-20T06:00:00.000Z' });
    // 10:00 on the server is 08:00 UTC in January (EET) and 07:00 UTC in July (EEST)
    expect(h.deals.filter((d) => d.entry === 'in' && d.position_id < 1000).map((d) => d.time)).toEqual([
      '2026-01-15T08:00:00.000Z',
      '2026-07-15T07:00:00.000Z',
    ]);
    // currency and margin mode from the account's group (MarginMode 0: retail netting)
    expect(h.account).toMatchObject({
      initial_balance: 10_000,
      server_utc_offset_minutes: 180,
      currency: 'EUR',
      margin_mode: 'netting',
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dailyReport,
  type FakeWebApi,
  type FakeWebApiUser,
  fileTime,
  startFakeWebApi,
} from '../../../test/fakes/webapi.ts';
import { evaluate } from '../../rules/index.ts';
import { resolveRuleSet } from '../../rules/ruleset.ts';
import { type BrokerClock, serverToUtc } from '../broker-clock.ts';
import { ConnectorError } from '../connector.ts';
import { accountHistorySchema } from '../history.schema.ts';
import { type WebApiConfig, WebApiConnector } from './connector.ts';

const MANAGER = { managerLogin: '1005', managerPassword: 'Manager-Pa55' };
/** The fake server's clock: UTC+2 without DST. `sec('2026-01-12 10:00:00')` is that wall time as the server writes it. */
const UTC2: BrokerClock = { utc_offset_minutes: 120 };
const sec = (wall: string) => Date.parse(`${wall.replace(' ', 'T')}Z`) / 1000;
/** Groups / Data Structure (webapi_group_data_format): the deposit currency is the group's. */
const GROUPS = [
  {
    Group: 'demo\\prop',
    Server: '0',
    PermissionsFlags: '2',
    AuthMode: '0',
    Company: 'MetaQuotes DEV',
    Currency: 'USD',
    CurrencyDigits: '2',
    MarginMode: '2',
  },
  {
    Group: 'real\\eur-netting',
    Server: '0',
    PermissionsFlags: '2',
    AuthMode: '0',
    Company: 'MetaQuotes DEV',
    Currency: 'EUR',
    CurrencyDigits: '2',
    MarginMode: '0',
  },
  {
    Group: 'demo\\demoforex-hedged',
    Server: '0',
    PermissionsFlags: '2',
    AuthMode: '0',
    Company: 'MetaQuotes DEV',
    Currency: 'USD',
    CurrencyDigits: '2',
    MarginMode: '2',
  },
];
const ROUND_TRIPS = 125; // 254 deals with a deposit, a credit, a state record and an open position's entry: three pages

function user(): FakeWebApiUser {
  const deals: Array<Record<string, string>> = [
    {
      Deal: '1',
      Order: '0',
      Action: '2',
      Entry: '0',
      Time: String(sec('2026-01-09 09:00:00')),
      Symbol: '',
      Volume: '0',
      Price: '0.00',
      Profit: '100000.00',
      Storage: '0.00',
      Commission: '0.00',
      Fee: '0.00',
      PositionID: '0',
      Comment: 'Deposit',
      Reason: '0',
    },
    {
      Deal: '2',
      Order: '0',
      Action: '3',
      Entry: '0',
      Time: String(sec('2026-01-09 09:05:00')),
      Symbol: '',
      Volume: '0',
      Price: '0.00',
      Profit: '500.00',
      Storage: '0.00',
      Commission: '0.00',
      Fee: '0.00',
      PositionID: '0',
      Comment: 'Credit',
      Reason: '0',
    },
  ];
  let balance = 100_000;
  for (let i = 0; i < ROUND_TRIPS; i++) {
    const open = sec('2026-01-12 10:00:00') + i * 600;
    const pos = String(5000 + i);
    const profit = i % 2 ? '12.50' : '-7.25';
    balance += Number(profit) - 1.4;
    deals.push({
      Deal: String(100 + 2 * i),
      Order: pos,
      Action: '0',
      Entry: '0',
      Time: String(open),
      TimeMsc: String(open * 1000 + 250),
      Symbol: 'EURUSD',
      Volume: '1000',
      VolumeExt: '10000000',
      Price: '1.10000',
      Profit: '0.00',
      Storage: '0.00',
      Commission: '-0.70',
      Fee: '0.00',
      PositionID: pos,
      PriceSL: '1.09000',
      PriceTP: '0.00000',
      Comment: '',
      Reason: '0',
    });
    deals.push({
      Deal: String(101 + 2 * i),
      Order: String(9000 + i),
      Action: '1',
      Entry: '1',
      Time: String(open + 300),
      Symbol: 'EURUSD',
      Volume: '1000',
      Price: '1.10100',
      Profit: profit,
      Storage: '0.00',
      Commission: '-0.70',
      Fee: '0.00',
      PositionID: pos,
      Comment: i % 2 ? '[tp 1.10100]' : '[sl 1.09000]',
      Reason: i % 2 ? '4' : '3',
    });
  }
  deals.push({
    Deal: '9999',
    Order: '0',
    Action: '0',
    Entry: '255',
    Time: String(sec('2026-01-13 00:00:00')),
    Symbol: 'EURUSD',
    Volume: '0',
    Price: '0',
    Profit: '0',
    PositionID: '0',
  });
  deals.push({
    Deal: '10000',
    Order: '7777',
    Action: '1',
    Entry: '0',
    Time: String(sec('2026-01-13 09:00:00')),
    TimeMsc: String(sec('2026-01-13 09:00:00') * 1000 + 5),
    Symbol: 'GBPUSD',
    Volume: '25000',
    Price: '1.27000',
    Profit: '0.00',
    Storage: '0.00',
    Commission: '0.00',
    Fee: '0.00',
    PositionID: '7777',
    PriceSL: '1.28000',
    Comment: '',
    Reason: '0',
  });
  // Daily reports generated at 23:59:59.246 on the server, 9–12 January (Daily Reports / Data Structure).
  const cashAt = (serverSecs: number) =>
    deals
      .filter((d) => d.Action !== '3' && d.Entry !== '255' && Number(d.Time) <= serverSecs)
      .reduce((x, d) => x + Number(d.Profit) + Number(d.Commission ?? 0), 0);
  const endOfDay = (day: string) => serverToUtc(UTC2, Date.parse(`${day}T23:59:59.246Z`));
  const days = ['2026-01-08', '2026-01-09', '2026-01-10', '2026-01-11', '2026-01-12'];
  const daily = days.slice(1).map((day, i) => {
    const bal = cashAt(sec(`${day} 23:59:59`));
    const prevBal = cashAt(sec(`${days[i]!} 23:59:59`));
    const credit = 500;
    return dailyReport(UTC2, {
      login: '70001',
      group: 'demo\\prop',
      currency: 'USD',
      generatedAt: endOfDay(day),
      previousAt: endOfDay(days[i]!),
      balance: bal,
      credit,
      equity: bal + credit,
      balancePrevDay: prevBal,
      equityPrevDay: prevBal + (i === 0 ? 0 : credit),
    });
  });
  return {
    login: '70001',
    group: 'demo\\prop',
    balance: balance.toFixed(2),
    credit: '500.00',
    deals,
    trade: {
      Balance: balance.toFixed(2),
      Credit: '500.00',
      Equity: (balance + 500 - 20).toFixed(2),
      Margin: '220.00',
      MarginFree: (balance + 500 - 240).toFixed(2),
      MarginLevel: '45000.00',
      MarginLeverage: '100',
      Profit: '-20.00',
      Storage: '0.00',
      Floating: '-20.00',
    },
    positions: [
      {
        Position: '7777',
        Login: '70001',
        Symbol: 'GBPUSD',
        Action: '1',
        Volume: '25000',
        PriceOpen: '1.27000',
        PriceCurrent: '1.27080',
        PriceSL: '1.28000',
        PriceTP: '0',
        Storage: '-0.40',
        Profit: '-20.00',
        TimeCreate: String(sec('2026-01-13 09:00:00')),
        TimeCreateMsc: String(sec('2026-01-13 09:00:00') * 1000 + 5),
      },
    ],
    daily,
  };
}

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

/** A small account: funded with 10,000, then `trips` round trips of +50.00 on 2026-01-12. */
function small(login: string, trips: number, over: Partial<FakeWebApiUser> = {}): FakeWebApiUser {
  const deals: Array<Record<string, string>> = [
    {
      Deal: '1',
      Order: '0',
      Action: '2',
      Entry: '0',
      Time: String(sec('2026-01-09 09:00:00')),
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
  ];
  for (let i = 0; i < trips; i++) deals.push(...trip(i, sec('2026-01-12 10:00:00') + 3600 * i));
  const balance = (10_000 + 50 * trips).toFixed(2);
  return {
    login,
    group: 'demo\\prop',
    balance,
    credit: '0.00',
    trade: {
      Balance: balance,
      Credit: '0.00',
      Equity: balance,
      Margin: '0.00',
      MarginFree: balance,
      MarginLevel: '0.00',
      MarginLeverage: '100',
      Profit: '0.00',
      Storage: '0.00',
      Floating: '0.00',
    },
    deals,
    positions: [],
    daily: [],
    ...over,
  };
}
function trip(i: number, open: number): Array<Record<string, string>> {
  const pos = String(3000 + i);
  return [
    {
      Deal: String(300 + 2 * i),
      Order: pos,
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
      PositionID: pos,
      Comment: '',
      Reason: '0',
    },
    {
      Deal: String(301 + 2 * i),
      Order: String(4000 + i),
      Action: '1',
      Entry: '1',
      Time: String(open + 300),
      Symbol: 'EURUSD',
      Volume: '10000',
      Price: '1.10050',
      Profit: '50.00',
      Storage: '0.00',
      Commission: '0.00',
      Fee: '0.00',
      PositionID: pos,
      Comment: '',
      Reason: '0',
    },
  ];
}

/** Daily Reports / Get (webapi_daily_get): the docs' example answer for login 765114, on a UTC+2 server. */
const DOCS_DAILY = [
  {
    Timestamp: '132302519992466852',
    DatetimePrev: '1585699199',
    Login: '765114',
    Name: 'Test Collateral',
    Group: 'demo\\demoforex-hedged',
    Currency: 'USD',
    CurrencyDigits: '2',
    Company: 'MetaQuotes DEV',
    EMail: '',
    Balance: '10010.31',
    Credit: '0.00',
    InterestRate: '0.00',
    CommissionDaily: '0.00',
    CommissionMonthly: '0.00',
    AgentDaily: '0.00',
    BalancePrevDay: '10010.31',
    EquityPrevDay: '10010.31',
    ProfitEquity: '10010.31',
  },
  {
    Timestamp: '132303383992178046',
    DatetimePrev: '1585785599',
    Login: '765114',
    Name: 'Test Collateral',
    Group: 'demo\\demoforex-hedged',
    Currency: 'USD',
    CurrencyDigits: '2',
    Company: 'MetaQuotes DEV',
    EMail: '',
    Balance: '10010.31',
    Credit: '0.00',
    InterestRate: '0.00',
    CommissionDaily: '0.00',
    CommissionMonthly: '0.00',
    AgentDaily: '0.00',
    BalancePrevDay: '10010.31',
    EquityPrevDay: '10010.31',
    ProfitEquity: '10010.31',
  },
];

let moving: FakeWebApiUser;
function extraUsers(): FakeWebApiUser[] {
  moving = small('70006', 0);
  return [
    // the server's balance counts three trips, its deal history has two: a deal is missing
    small('70004', 2, { balance: '10150.00', trade: { ...small('x', 3).trade! } }),
    // an open position whose opening deal is not in the history
    small('70005', 0, {
      positions: [
        {
          Position: '8888',
          Login: '70005',
          Symbol: 'EURUSD',
          Action: '0',
          Volume: '10000',
          PriceOpen: '1.10000',
          PriceCurrent: '1.10000',
          PriceSL: '0',
          PriceTP: '0',
          Storage: '0.00',
          Profit: '0.00',
          TimeCreate: String(sec('2026-01-12 09:00:00')),
        },
      ],
    }),
    moving,
    {
      ...small('765114', 0, { group: 'demo\\demoforex-hedged', balance: '10010.31', trade: null, daily: DOCS_DAILY }),
      deals: [
        {
          Deal: '1',
          Order: '0',
          Action: '2',
          Entry: '0',
          Time: String(sec('2020-03-30 12:00:00')),
          Symbol: '',
          Volume: '0',
          Price: '0.00',
          Profit: '10010.31',
          Storage: '0.00',
          Commission: '0.00',
          Fee: '0.00',
          PositionID: '0',
          Comment: 'Deposit',
          Reason: '0',
        },
      ],
    },
    small('70007', 1, { group: 'demo\\no-such-group' }),
    carried(),
  ];
}

/**
 * Funded with 10,000 on 9 January; a 1-lot EURUSD buy opened at 20:00 on the 12th (server time) is
 * 100.00 down when the server writes its end-of-day report and 300.00 down at noon on the 13th.
 */
function carried(): FakeWebApiUser {
  const u = small('70008', 0, {
    trade: {
      Balance: '10000.00',
      Credit: '0.00',
      Equity: '9700.00',
      Margin: '1100.00',
      MarginFree: '8600.00',
      MarginLevel: '881.82',
      MarginLeverage: '100',
      Profit: '-300.00',
      Storage: '0.00',
      Floating: '-300.00',
    },
  });
  u.deals.push({
    Deal: '50',
    Order: '8100',
    Action: '0',
    Entry: '0',
    Time: String(sec('2026-01-12 20:00:00')),
    Symbol: 'EURUSD',
    Volume: '10000',
    Price: '1.10000',
    Profit: '0.00',
    Storage: '0.00',
    Commission: '0.00',
    Fee: '0.00',
    PositionID: '8100',
    Comment: '',
    Reason: '0',
  });
  u.positions = [
    {
      Position: '8100',
      Login: '70008',
      Symbol: 'EURUSD',
      Action: '0',
      Volume: '10000',
      PriceOpen: '1.10000',
      PriceCurrent: '1.09700',
      PriceSL: '0',
      PriceTP: '0',
      Storage: '0.00',
      Profit: '-300.00',
      TimeCreate: String(sec('2026-01-12 20:00:00')),
    },
  ];
  const end = (day: string) => serverToUtc(UTC2, Date.parse(`${day}T23:59:59.246Z`));
  const days = ['2026-01-08', '2026-01-09', '2026-01-10', '2026-01-11', '2026-01-12'];
  u.daily = days.slice(1).map((day, i) =>
    dailyReport(UTC2, {
      login: '70008',
      group: 'demo\\prop',
      currency: 'USD',
      generatedAt: end(day),
      previousAt: end(days[i]!),
      balance: 10_000,
      credit: 0,
      equity: day === '2026-01-12' ? 9_900 : 10_000,
      balancePrevDay: i === 0 ? 0 : 10_000,
      equityPrevDay: i === 0 ? 0 : 10_000,
    }),
  );
  return u;
}

let fake: FakeWebApi;
const creds = { login: '70001', password: 'ignored-by-manager-api', server: 'Broker-Live' };
const connectors: WebApiConnector[] = [];
function connector(over: Partial<WebApiConfig> = {}): WebApiConnector {
  // A generous time limit: a request that times out is sent again, and on a loaded machine a late
  // duplicate would take the fault a later test sets up for its own request.
  const c = new WebApiConnector({
    url: fake.url,
    ...MANAGER,
    clock: UTC2,
    timeoutMs: 15_000,
    now: () => Date.parse('2026-01-13T12:00:00.000Z'),
    ...over,
  });
  connectors.push(c);
  return c;
}

beforeAll(async () => {
  const idle: FakeWebApiUser = {
    ...user(),
    login: '70002',
    trade: null,
    deals: [],
    positions: [],
    daily: [],
    balance: '5000.00',
    credit: '0.00',
  };
  fake = await startFakeWebApi({
    ...MANAGER,
    users: [user(), idle, athensUser(), ...extraUsers()],
    groups: GROUPS,
    clock: UTC2,
  });
});
afterAll(async () => {
  await Promise.all(connectors.map((c) => c.close()));
  await fake.close();
});

describe('MT5 Manager Web API connector against a fake access server', () => {
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

  it('falls back to user/get when the account has no trade state (idle since the server restarted)', async () => {
    const info = await connector().getAccountInfo({ ...creds, login: '70002' });
    expect(info).toMatchObject({ balance: 5000, credit: 0, equity: 5000, margin: 0, margin_level: null });
  });

  it('answers invalid_credentials for a login the server does not have', async () => {
    await expect(connector().fetchHistory({ ...creds, login: '123' })).rejects.toMatchObject({
      code: 'invalid_credentials',
      retryable: false,
    });
  });

  it('fails without retry when the manager password is wrong, and never puts it in the message', async () => {
    const err = await connector({ managerPassword: 'Wrong-Pa55' })
      .getPositions(creds)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({ code: 'unreachable', retryable: false });
    expect((err as Error).message).not.toContain('Pa55');
  });

  it('refuses a server whose cli_rand_answer is wrong (mutual authentication)', async () => {
    fake.impostor = true;
    try {
      await expect(connector().getPositions(creds)).rejects.toThrow(/mutual authentication/);
    } finally {
      fake.impostor = false;
    }
  });

  it('times out with a retryable error when the server does not answer', async () => {
    const c = connector({ timeoutMs: 150 });
    await c.getPositions(creds);
    fake.delay(/position\/get_total/, 600, 1);
    await expect(c.getPositions(creds)).rejects.toMatchObject({ code: 'timeout', retryable: true });
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

  describe('documented shapes and the account’s own figures', () => {
    it('refuses a count it cannot read as bad data, never as zero rows', async () => {
      fake.answerWith(/^\/api\/deal\/get_total$/, { total: '254' }, 10);
      await expect(connector().fetchHistory(creds)).rejects.toMatchObject({
        code: 'bad_data',
        retryable: false,
        message: expect.stringMatching(
          /deal\/get_total answered no readable count \(expected \{"Total":"<number>"\}, got \{"total":"254"\}\)/,
        ),
      });
      // Every try gets the bad count, should a loaded machine send a request again.
      fake.answerWith(/^\/api\/position\/get_total$/, { Total: 'ten' }, 10);
      await expect(connector().getPositions(creds)).rejects.toMatchObject({
        code: 'bad_data',
        message: expect.stringMatching(/position\/get_total answered no readable count/),
      });
      fake.resetAnswers();
    });

    it('ends as bad_data when the pages deliver fewer deals than the announced Total', async () => {
      // The first page comes back empty; the account has not moved, so this is not a race.
      fake.answerWith(/^\/api\/deal\/get_page$/, [], 1);
      await expect(connector().fetchHistory(creds)).rejects.toMatchObject({
        code: 'bad_data',
        retryable: false,
        message: expect.stringContaining('the source announced 254 deals but delivered 0'),
      });
    });

    it('ends as bad_data when the server’s balance is not what its deals add up to (a deal missing)', async () => {
      const err = await connector()
        .fetchHistory({ ...creds, login: '70004' })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectorError);
      expect(err).toMatchObject({ code: 'bad_data', retryable: false });
      expect((err as Error).message).toBe(
        "The history of account 70004 from the MT5 Web API is inconsistent, so no verdict was given: the account's balance is 10,150.00 but its history adds up to 10,100.00 (initial 10,000.00 + 100.00 from 4 deals): 50.00 unaccounted for; the balance read at 2026-01-13T12:00:00.000Z is 10,150.00 but the deals up to then add up to 10,100.00",
      );
    });

    it('ends as bad_data when the trade state has an open position the deal history does not know', async () => {
      await expect(connector().fetchHistory({ ...creds, login: '70005' })).rejects.toMatchObject({
        code: 'bad_data',
        message: expect.stringContaining(
          'position 8888 (EURUSD, opened 2026-01-12T07:00:00.000Z) is open but the history has no deal opening it',
        ),
      });
    });

    it('reads an account again when it traded while being read, and returns the settled history', async () => {
      const before = fake.requests.length;
      let traded = false;
      // Right after the balance was read, a 5-minute trade closes +50.00 and the balance moves with it.
      fake.afterCommand = (path) => {
        if (traded || path !== '/api/user/account/get') return;
        traded = true;
        moving.deals.push(...trip(0, sec('2026-01-12 10:00:00')));
        moving.balance = '10050.00';
        moving.trade = { ...moving.trade!, Balance: '10050.00', Equity: '10050.00', MarginFree: '10050.00' };
      };
      try {
        const h = await connector().fetchHistory({ ...creds, login: '70006' });
        expect(h.deals.map((d) => d.profit)).toEqual([0, 50]);
        expect(h.account.initial_balance).toBe(10_000);
        expect(h.equity!.at(-1)).toMatchObject({ balance: 10_050 });
        expect(fake.requests.slice(before).filter((r) => r.path === '/api/deal/get_page')).toHaveLength(2);
      } finally {
        fake.afterCommand = null;
      }
    });

    it('takes the currency from the account’s group, reads a group once per connector, and refuses an account whose group is missing', async () => {
      const c = connector();
      const before = fake.requests.length;
      expect(await c.getAccountInfo(creds)).toMatchObject({ currency: 'USD' });
      expect((await c.getAccountInfo({ ...creds, login: '70002' })).currency).toBe('USD');
      expect(fake.requests.slice(before).filter((r) => r.path === '/api/group/get')).toHaveLength(1);
      await expect(c.getAccountInfo({ ...creds, login: '70007' })).rejects.toMatchObject({
        code: 'bad_data',
        message: 'MT5 Web API has no group "demo\\\\no-such-group", the group of the account',
      });
    });

    it('reads the docs’ daily reports: Timestamp as FILETIME in UTC, DatetimePrev on the server clock', async () => {
      expect(fileTime(Date.parse('2020-04-01T21:59:59.246Z'))).toBe('132302519992460000');
      const h = await connector().fetchHistory({ ...creds, login: '765114' });
      expect(h.account).toMatchObject({ currency: 'USD', initial_balance: 10_010.31, margin_mode: 'hedging' });
      expect(h.equity!.slice(0, 3)).toEqual([
        { time: '2020-03-31T21:59:59.000Z', balance: 10_010.31, equity: 10_010.31 },
        { time: '2020-04-01T21:59:59.246Z', balance: 10_010.31, equity: 10_010.31 },
        { time: '2020-04-02T21:59:59.217Z', balance: 10_010.31, equity: 10_010.31 },
      ]);
      expect(h.equity).toHaveLength(4);
    });

    it('gives the daily-loss rule the server’s own end-of-day equity as the next day’s start', async () => {
      const h = await connector().fetchHistory({ ...creds, login: '70008' });
      expect(h.equity!.find((s) => s.time === '2026-01-12T21:59:59.246Z')).toEqual({
        time: '2026-01-12T21:59:59.246Z',
        balance: 10_000,
        equity: 9_900,
      });
      // Server midnight (UTC+2) resets the day; the floating loss carried over it counts from 9,900, not 10,000.
      const rules = resolveRuleSet([
        { type: 'daily_loss', pct: 1, anchor: 'day_start_equity', reset_tz: 'Etc/GMT-2', reset_time: '00:00' },
      ]);
      const e = evaluate(h, rules, { initialBalance: 10_000 });
      expect(e.violations).toHaveLength(1);
      expect(e.violations[0]).toMatchObject({
        rule: 'maximum_daily_loss',
        day: '2026-01-13',
        day_start_balance: 10_000,
        day_start_equity: 9_900,
        equity: 9_700,
        loss: 200,
      });
    });

    it('refuses a configured clock that the server’s own daily reports contradict', async () => {
      await expect(
        connector({ clock: { utc_offset_minutes: 180 } }).fetchHistory({ ...creds, login: '765114' }),
      ).rejects.toMatchObject({
        code: 'bad_data',
        retryable: false,
        message:
          "The server's daily reports show its clock at UTC+02:00 on 2020-04-01, but this server is configured as UTC+03:00 (UTC+03:00 then): fix its clock (utc_offset_minutes, dst or time_zone) in MT5_SERVERS_FILE",
      });
    });
  });

  it('does not stand in the user record’s balance when the trade state fails for a reason other than Not found', async () => {
    const c = connector();
    fake.failWith('8 Not enough permissions', 1, /^\/api\/user\/account\/get$/);
    const err = await c.getAccountInfo(creds).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as Error).message).toContain('8 Not enough permissions');
    await expect(c.getAccountInfo(creds)).resolves.toMatchObject({ margin: 220 });
  });
});

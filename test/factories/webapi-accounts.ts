/**
 * Accounts for the MT5 Manager Web API connector tests, in the access server's own field names
 * (every value a string, as in the docs' examples), and the connector those tests use.
 */
import { type BrokerClock, serverToUtc } from '../../src/mt5/broker-clock.ts';
import { type WebApiConfig, WebApiConnector } from '../../src/mt5/webapi/connector.ts';
import { dailyReport, type FakeWebApiUser } from '../fakes/webapi.ts';

export const MANAGER = { managerLogin: '1005', managerPassword: 'Manager-Pa55' };
/** The fake server's clock: UTC+2 without DST. `sec('2026-01-12 10:00:00')` is that wall time as the server writes it. */
export const UTC2: BrokerClock = { utc_offset_minutes: 120 };
export const sec = (wall: string) => Date.parse(`${wall.replace(' ', 'T')}Z`) / 1000;
export const creds = { login: '70001', password: 'ignored-by-manager-api', server: 'Broker-Live' };
/** Groups / Data Structure (webapi_group_data_format): the deposit currency is the group's. */
export const GROUPS = [
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
export const ROUND_TRIPS = 125; // 254 deals with a deposit, a credit, a state record and an open position's entry: three pages

/**
 * Login 70001: 100,000 deposited and 500 credit, 125 ten-minute round trips from 10:00 on 12 January
 * (three pages of deals), one open GBPUSD sell, and the server's daily reports for 9–12 January.
 */
export function tradedUser(): FakeWebApiUser {
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

/** Login 70002: 5,000 on the user record and no trade state (idle since the server restarted). */
export function idleUser(): FakeWebApiUser {
  return {
    ...tradedUser(),
    login: '70002',
    trade: null,
    deals: [],
    positions: [],
    daily: [],
    balance: '5000.00',
    credit: '0.00',
  };
}

/** A small account: funded with 10,000, then `trips` round trips of +50.00 on 2026-01-12. */
export function small(login: string, trips: number, over: Partial<FakeWebApiUser> = {}): FakeWebApiUser {
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
export function trip(i: number, open: number): Array<Record<string, string>> {
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

/** A connector to the fake server at `url` as the manager, on its clock, at noon UTC on 13 January. */
export function managerConnector(url: string, over: Partial<WebApiConfig> = {}): WebApiConnector {
  // A generous time limit: a request that times out is sent again, and on a loaded machine a late
  // duplicate would take the fault a later test sets up for its own request.
  return new WebApiConnector({
    url,
    ...MANAGER,
    clock: UTC2,
    timeoutMs: 15_000,
    now: () => Date.parse('2026-01-13T12:00:00.000Z'),
    ...over,
  });
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creds, GROUPS, MANAGER, managerConnector, sec, small, UTC2 } from '../../../test/factories/webapi-accounts.ts';
import {
  dailyReport,
  type FakeWebApi,
  type FakeWebApiUser,
  fileTime,
  startFakeWebApi,
} from '../../../test/fakes/webapi.ts';
import { evaluate } from '../../rules/index.ts';
import { resolveRuleSet } from '../../rules/ruleset.ts';
import { serverToUtc } from '../broker-clock.ts';
import type { WebApiConfig, WebApiConnector } from './connector.ts';

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

/** Login 765114 of the docs' example: 10,010.31 deposited on 30 March 2020, no trade state. */
function docsUser(): FakeWebApiUser {
  return {
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
  };
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
const connectors: WebApiConnector[] = [];
function connector(over: Partial<WebApiConfig> = {}): WebApiConnector {
  const c = managerConnector(fake.url, over);
  connectors.push(c);
  return c;
}

beforeAll(async () => {
  fake = await startFakeWebApi({ ...MANAGER, users: [docsUser(), carried()], groups: GROUPS, clock: UTC2 });
});
afterAll(async () => {
  await Promise.all(connectors.map((c) => c.close()));
  await fake.close();
});

describe('MT5 Manager Web API connector against a fake access server: daily reports', () => {
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

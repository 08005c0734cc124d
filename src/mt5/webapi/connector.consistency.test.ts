import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  creds,
  GROUPS,
  MANAGER,
  managerConnector,
  sec,
  small,
  tradedUser,
  trip,
  UTC2,
} from '../../../test/factories/webapi-accounts.ts';
import { type FakeWebApi, type FakeWebApiUser, startFakeWebApi } from '../../../test/fakes/webapi.ts';
import { ConnectorError } from '../connector.ts';
import type { WebApiConfig, WebApiConnector } from './connector.ts';

let moving: FakeWebApiUser;
function users(): FakeWebApiUser[] {
  moving = small('70006', 0);
  return [
    tradedUser(),
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
  ];
}

let fake: FakeWebApi;
const connectors: WebApiConnector[] = [];
function connector(over: Partial<WebApiConfig> = {}): WebApiConnector {
  const c = managerConnector(fake.url, over);
  connectors.push(c);
  return c;
}

beforeAll(async () => {
  fake = await startFakeWebApi({ ...MANAGER, users: users(), groups: GROUPS, clock: UTC2 });
});
afterAll(async () => {
  await Promise.all(connectors.map((c) => c.close()));
  await fake.close();
});

describe('MT5 Manager Web API connector against a fake access server: the account’s own figures', () => {
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
});

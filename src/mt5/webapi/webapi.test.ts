import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeWebApi, type FakeWebApi, type FakeWebApiUser } from '../../../test/fakes/webapi.ts';
import { ConnectorError } from '../connector.ts';
import { accountHistorySchema } from '../history.schema.ts';
import { managerDealReason, WebApiConnector, type WebApiConfig } from './index.ts';

const MANAGER = { managerLogin: '1005', managerPassword: 'Manager-Pa55' };
/** Server clock = UTC+2 (EET); `sec('2026-01-12 10:00:00')` is that wall time as the server writes it. */
const sec = (wall: string) => Date.parse(`${wall.replace(' ', 'T')}Z`) / 1000;
const ROUND_TRIPS = 125; // 253 deals with a deposit, a credit and a state record: three pages

function user(): FakeWebApiUser {
  const deals: Array<Record<string, string>> = [
    { Deal: '1', Order: '0', Action: '2', Entry: '0', Time: String(sec('2026-01-09 09:00:00')), Symbol: '', Volume: '0', Price: '0.00', Profit: '100000.00', Storage: '0.00', Commission: '0.00', Fee: '0.00', PositionID: '0', Comment: 'Deposit', Reason: '0' },
    { Deal: '2', Order: '0', Action: '3', Entry: '0', Time: String(sec('2026-01-09 09:05:00')), Symbol: '', Volume: '0', Price: '0.00', Profit: '500.00', Storage: '0.00', Commission: '0.00', Fee: '0.00', PositionID: '0', Comment: 'Credit', Reason: '0' },
  ];
  let balance = 100_000;
  for (let i = 0; i < ROUND_TRIPS; i++) {
    const open = sec('2026-01-12 10:00:00') + i * 600;
    const pos = String(5000 + i);
    const profit = i % 2 ? '12.50' : '-7.25';
    balance += Number(profit) - 1.4;
    deals.push({ Deal: String(100 + 2 * i), Order: pos, Action: '0', Entry: '0', Time: String(open), TimeMsc: String(open * 1000 + 250), Symbol: 'EURUSD', Volume: '1000', VolumeExt: '10000000', Price: '1.10000', Profit: '0.00', Storage: '0.00', Commission: '-0.70', Fee: '0.00', PositionID: pos, PriceSL: '1.09000', PriceTP: '0.00000', Comment: '', Reason: '0' });
    deals.push({ Deal: String(101 + 2 * i), Order: String(9000 + i), Action: '1', Entry: '1', Time: String(open + 300), Symbol: 'EURUSD', Volume: '1000', Price: '1.10100', Profit: profit, Storage: '0.00', Commission: '-0.70', Fee: '0.00', PositionID: pos, Comment: i % 2 ? '[tp 1.10100]' : '[sl 1.09000]', Reason: i % 2 ? '4' : '3' });
  }
  deals.push({ Deal: '9999', Order: '0', Action: '0', Entry: '255', Time: String(sec('2026-01-13 00:00:00')), Symbol: 'EURUSD', Volume: '0', Price: '0', Profit: '0', PositionID: '0' });
  return {
    login: '70001',
    currency: 'USD',
    balance: balance.toFixed(2),
    credit: '500.00',
    deals,
    trade: { Balance: balance.toFixed(2), Credit: '500.00', Equity: (balance + 500 - 20).toFixed(2), Margin: '220.00', MarginFree: (balance + 500 - 240).toFixed(2), MarginLevel: '45000.00', MarginLeverage: '100', Profit: '-20.00', Storage: '0.00', Floating: '-20.00' },
    positions: [{ Position: '7777', Login: '70001', Symbol: 'GBPUSD', Action: '1', Volume: '25000', PriceOpen: '1.27000', PriceCurrent: '1.27080', PriceSL: '1.28000', PriceTP: '0', Storage: '-0.40', Profit: '-20.00', TimeCreate: String(sec('2026-01-13 09:00:00')), TimeCreateMsc: String(sec('2026-01-13 09:00:00') * 1000 + 5) }],
    daily: [
      { Datetime: String(sec('2026-01-12 23:59:59')), BalancePrevDay: '100000.00', EquityPrevDay: '100000.00', DailyProfit: '10.00' },
      { Datetime: String(sec('2026-01-13 23:59:59')), BalancePrevDay: '100322.50', EquityPrevDay: '100322.50', DailyProfit: '0.00' },
    ],
  };
}

/**
 * A broker on Europe/Athens time (EET, UTC+2 in winter; EEST, UTC+3 in summer) with 230 open
 * positions: one round trip in January and one in July, both opened at 10:00 server time.
 */
function athensUser(): FakeWebApiUser {
  const wall = (w: string) => Date.parse(`${w.replace(' ', 'T')}Z`) / 1000;
  const trip = (i: number, open: number) => [
    { Deal: String(200 + 2 * i), Order: String(800 + i), Action: '0', Entry: '0', Time: String(open), Symbol: 'EURUSD', Volume: '10000', Price: '1.10000', Profit: '0.00', Storage: '0.00', Commission: '0.00', Fee: '0.00', PositionID: String(800 + i), Comment: '', Reason: '0' },
    { Deal: String(201 + 2 * i), Order: String(900 + i), Action: '1', Entry: '1', Time: String(open + 600), Symbol: 'EURUSD', Volume: '10000', Price: '1.10100', Profit: '100.00', Storage: '0.00', Commission: '0.00', Fee: '0.00', PositionID: String(800 + i), Comment: '', Reason: '0' },
  ];
  const deals = [
    { Deal: '1', Order: '0', Action: '2', Entry: '0', Time: String(wall('2026-01-02 09:00:00')), Symbol: '', Volume: '0', Price: '0.00', Profit: '10000.00', Storage: '0.00', Commission: '0.00', Fee: '0.00', PositionID: '0', Comment: 'Deposit', Reason: '0' },
    ...trip(0, wall('2026-01-15 10:00:00')),
    ...trip(1, wall('2026-07-15 10:00:00')),
  ];
  const positions = Array.from({ length: 230 }, (_, i) => ({ Position: String(10_000 + i), Login: '70003', Symbol: 'EURUSD', Action: '0', Volume: '100', PriceOpen: '1.10000', PriceCurrent: '1.10000', PriceSL: '0', PriceTP: '0', Storage: '0.00', Profit: '0.00', TimeCreate: String(wall('2026-07-20 09:00:00') + i) }));
  return { login: '70003', currency: 'EUR', balance: '10200.00', credit: '0.00', trade: null, deals, positions, daily: [] };
}

let fake: FakeWebApi;
const creds = { login: '70001', password: 'ignored-by-manager-api', server: 'Broker-Live' };
const connectors: WebApiConnector[] = [];
function connector(over: Partial<WebApiConfig> = {}): WebApiConnector {
  const c = new WebApiConnector({ url: fake.url, ...MANAGER, utcOffsetMinutes: 120, timeoutMs: 2000, now: () => Date.parse('2026-01-13T12:00:00.000Z'), ...over });
  connectors.push(c);
  return c;
}

beforeAll(async () => {
  const idle: FakeWebApiUser = { ...user(), login: '70002', trade: null, deals: [], positions: [], daily: [], balance: '5000.00', credit: '0.00' };
  fake = await startFakeWebApi({ ...MANAGER, users: [user(), idle, athensUser()] });
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
    expect(mine.filter((r) => r.path.startsWith('/api/auth/')).map((r) => r.path)).toEqual(['/api/auth/start', '/api/auth/answer']);
    const pages = mine.filter((r) => r.path === '/api/deal/get_page');
    expect(pages.map((r) => [r.query.get('offset'), r.query.get('total')])).toEqual([['0', '100'], ['100', '100'], ['200', '53']]);

    // funding deposit folded into the initial balance; credit kept; the ENTRY_STATE record dropped
    expect(h.account).toMatchObject({ login: '70001', server: 'Broker-Live', currency: 'USD', initial_balance: 100_000, server_utc_offset_minutes: 120 });
    expect(h.deals).toHaveLength(1 + 2 * ROUND_TRIPS);
    expect(h.deals[0]).toMatchObject({ type: 'credit', profit: 500, time: '2026-01-09T07:05:00.000Z' });
    // strings → numbers, Volume ÷ 10 000, server clock → UTC, TimeMsc kept
    expect(h.deals[1]).toEqual({ ticket: 100, order: 5000, time: '2026-01-12T08:00:00.250Z', type: 'buy', entry: 'in', position_id: 5000, symbol: 'EURUSD', volume: 0.1, price: 1.1, profit: 0, commission: -0.7, swap: 0, fee: 0, comment: '', sl: 1.09 });
    expect(h.deals[2]).toMatchObject({ type: 'sell', entry: 'out', volume: 0.1, profit: -7.25, position_id: 5000, time: '2026-01-12T08:05:00.000Z' });
    expect(h.positions).toEqual([{ ticket: 7777, symbol: 'GBPUSD', type: 'sell', volume: 2.5, open_price: 1.27, current_price: 1.2708, sl: 1.28, tp: null, swap: -0.4, profit: -20, open_time: '2026-01-13T07:00:00.005Z' }]);
    // daily reports → start-of-day anchors (server midnight in UTC), then the current state
    expect(h.equity!.slice(0, 2)).toEqual([
      { time: '2026-01-11T22:00:00.000Z', balance: 100_000, equity: 100_000 },
      { time: '2026-01-12T22:00:00.000Z', balance: 100_322.5, equity: 100_322.5 },
    ]);
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
    await expect(connector().fetchHistory({ ...creds, login: '123' })).rejects.toMatchObject({ code: 'invalid_credentials', retryable: false });
  });

  it('fails without retry when the manager password is wrong, and never puts it in the message', async () => {
    const err = await connector({ managerPassword: 'Wrong-Pa55' }).getPositions(creds).catch((e: unknown) => e);
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

  it('re-authenticates once when the server has forgotten the session', async () => {
    const c = connector();
    await c.getPositions(creds);
    const before = fake.requests.length;
    fake.dropSessions();
    await expect(c.getPositions(creds)).resolves.toHaveLength(1);
    expect(fake.requests.slice(before).filter((r) => r.path === '/api/auth/start')).toHaveLength(1);
  });

  it('times out with a retryable error when the server does not answer', async () => {
    const c = connector({ timeoutMs: 150 });
    await c.getPositions(creds);
    fake.delay(/position\/get_total/, 600, 1);
    await expect(c.getPositions(creds)).rejects.toMatchObject({ code: 'timeout', retryable: true });
  });

  it('decodes deal reasons with the Manager numbering, not the MQL5 one', () => {
    expect([0, 1, 3, 4, 5, 16, 17, 18].map(managerDealReason)).toEqual(['client', 'expert', 'sl', 'tp', 'so', 'mobile', 'web', 'split']);
    expect(managerDealReason(99)).toBe('unknown');
  });

  it('converts server wall time with the broker’s zone across DST and pages open positions 100 at a time', async () => {
    const before = fake.requests.length;
    const h = await connector({ timeZone: 'Europe/Athens', now: () => Date.parse('2026-07-20T12:00:00.000Z') }).fetchHistory({ ...creds, login: '70003' });
    expect(accountHistorySchema.safeParse(h).success).toBe(true);
    const pages = fake.requests.slice(before).filter((r) => r.path === '/api/position/get_page');
    expect(pages.map((r) => [r.query.get('offset'), r.query.get('total')])).toEqual([['0', '100'], ['100', '100'], ['200', '30']]);
    expect(h.positions).toHaveLength(230);
    expect(new Set(h.positions!.map((p) => p.ticket)).size).toBe(230);
    expect(h.positions![0]).toMatchObject({ ticket: 10_000, volume: 0.01, open_time: '2026-07-20T06:00:00.000Z' });
    // 10:00 on the server is 08:00 UTC in January (EET) and 07:00 UTC in July (EEST)
    expect(h.deals.filter((d) => d.entry === 'in').map((d) => d.time)).toEqual(['2026-01-15T08:00:00.000Z', '2026-07-15T07:00:00.000Z']);
    expect(h.account).toMatchObject({ initial_balance: 10_000, server_utc_offset_minutes: 180, currency: 'EUR' });
  });

  describe('rate limits and transient failures', () => {
    /** Records the waits the connector asks for and takes them at 1/100 of their length. */
    function recorder() {
      const waits: number[] = [];
      return { waits, sleep: (ms: number) => (waits.push(ms), new Promise<void>((r) => setTimeout(r, ms / 100))) };
    }

    it('waits out "12 Too frequent requests" with exponential backoff, then succeeds on the same session', async () => {
      const rec = recorder();
      const c = connector({ retryBaseMs: 400, sleep: rec.sleep });
      await c.getPositions(creds);
      const before = fake.requests.length;
      fake.rateLimit(3);
      await expect(c.getPositions(creds)).resolves.toHaveLength(1);
      expect(rec.waits).toEqual([400, 800, 1600]);
      expect(fake.requests.slice(before).filter((r) => r.path.startsWith('/api/auth/'))).toHaveLength(0);
    });

    it('honours Retry-After of a 429 from a proxy in front of the access server', async () => {
      const rec = recorder();
      const c = connector({ retryBaseMs: 400, sleep: rec.sleep });
      await c.getPositions(creds);
      fake.rateLimit(2, { mode: 'http429', retryAfterSeconds: 3 });
      await expect(c.getPositions(creds)).resolves.toHaveLength(1);
      expect(rec.waits).toEqual([3000, 3000]);
    });

    it('gives up with a retryable error when the limit outlasts its retries or asks for too long a wait', async () => {
      const rec = recorder();
      const c = connector({ retryBaseMs: 100, maxRetries: 2, maxRateLimitWaitMs: 10_000, sleep: rec.sleep });
      await c.getPositions(creds);
      try {
        fake.rateLimit(5);
        await expect(c.getPositions(creds)).rejects.toMatchObject({ code: 'unreachable', retryable: true, message: expect.stringMatching(/rate limit/) });
        expect(rec.waits).toEqual([100, 200]);
        fake.rateLimit(1, { mode: 'http429', retryAfterSeconds: 60 });
        await expect(c.getPositions(creds)).rejects.toMatchObject({ code: 'unreachable', retryable: true });
        expect(rec.waits).toHaveLength(2); // a 60 s wait is left to the job queue, not slept here
      } finally {
        fake.rateLimit(0);
      }
    });

    it.each([
      ['10 No connection', 'unreachable'],
      ['9 Timeout', 'timeout'],
      ['15 Server shutdown in progress', 'unreachable'],
    ])('ends a read with a retryable error on the transient retcode "%s", not as bad data', async (retcode, code) => {
      const c = connector();
      await c.getPositions(creds);
      fake.failWith(retcode);
      await expect(c.getPositions(creds)).rejects.toMatchObject({ code, retryable: true });
      await expect(c.getPositions(creds)).resolves.toHaveLength(1);
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
});

/**
 * Inconsistent upstream data ends a check as `error` with code `bad_data`, never as a verdict —
 * end to end through the checker API: the fake Manager Web API (reached through the servers file,
 * on a "New York close" clock) serving an account whose deals do not add up to its balance, and
 * any other connector whose history disagrees with its own balance reading or open positions.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeWebApi, startFakeWebApi } from '../../../test/fakes/webapi.ts';
import { type Receiver, startReceiver, startStack, type TestStack, waitForJob } from '../../../test/harness.ts';
import type { Mt5Connector } from '../../mt5/connector.ts';
import type { AccountHistory } from '../../mt5/history.ts';
import { createConnectorRouter } from '../../mt5/router.ts';

const MANAGER = { managerLogin: '1005', managerPassword: 'Manager-Pa55' };
const NY_CLOSE = { utc_offset_minutes: 120, dst: 'us' } as const;
const wall = (s: string) => String(Date.parse(`${s.replace(' ', 'T')}Z`) / 1000); // server wall time, as the server writes `Time`

/** Funded with 100,000, then two round trips of +250.00 — while the server's balance counts three. */
function deals(trips: number): Array<Record<string, string>> {
  const out = [
    {
      Deal: '1',
      Order: '0',
      Action: '2',
      Entry: '0',
      Time: wall('2026-03-09 09:00:00'),
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
  ];
  for (let i = 0; i < trips; i++) {
    const pos = String(6100 + i);
    out.push({
      Deal: String(200 + 2 * i),
      Order: pos,
      Action: '0',
      Entry: '0',
      Time: wall(`2026-03-16 1${i}:00:00`),
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
    });
    out.push({
      Deal: String(201 + 2 * i),
      Order: String(9100 + i),
      Action: '1',
      Entry: '1',
      Time: wall(`2026-03-16 1${i}:05:00`),
      Symbol: 'EURUSD',
      Volume: '10000',
      Price: '1.10250',
      Profit: '250.00',
      Storage: '0.00',
      Commission: '0.00',
      Fee: '0.00',
      PositionID: pos,
      Comment: '',
      Reason: '0',
    });
  }
  return out;
}
const trade = (balance: string) => ({
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
});

let webApi: FakeWebApi;
let stack: TestStack;
let key: string;
let receiver: Receiver;

beforeAll(async () => {
  webApi = await startFakeWebApi({
    ...MANAGER,
    clock: NY_CLOSE,
    // Groups / Data Structure (webapi_group_data_format): the account's currency is its group's.
    groups: [{ Group: 'real\\prop-usd', Currency: 'USD', CurrencyDigits: '2', MarginMode: '2' }],
    users: [
      {
        login: '72001',
        group: 'real\\prop-usd',
        balance: '100750.00',
        credit: '0.00',
        trade: trade('100750.00'),
        deals: deals(2),
        positions: [],
        daily: [],
      },
      {
        login: '72002',
        group: 'real\\prop-usd',
        balance: '100500.00',
        credit: '0.00',
        trade: trade('100500.00'),
        deals: deals(2),
        positions: [],
        daily: [],
      },
    ],
  });
  const serversFile = join(mkdtempSync(join(tmpdir(), 'brymix-servers-')), 'servers.json');
  writeFileSync(
    serversFile,
    JSON.stringify({
      servers: {
        'NYBroker-Live': {
          connector: 'webapi',
          url: webApi.url,
          manager_login: MANAGER.managerLogin,
          manager_password_env: 'MT5_NYBROKER_MANAGER_PASSWORD',
          ...NY_CLOSE,
        },
      },
    }),
  );
  stack = await startStack({
    env: { MT5_SERVERS_FILE: serversFile, MT5_NYBROKER_MANAGER_PASSWORD: MANAGER.managerPassword },
  });
  key = (await stack.createKey('Consistency Firm')).key;
  receiver = await startReceiver();
});

afterAll(async () => {
  await receiver.close();
  await stack.close();
  await webApi.close();
});

const body = (login: string, server: string) => ({
  user_id: 'user_c1',
  challenge_id: 'ch_c1',
  mt5_login: login,
  mt5_password: 'investor-pass',
  mt5_server: server,
  initial_balance: 100_000,
  rules: { max_drawdown_percent: 10, profit_target_percent: 10 },
  callback_url: receiver.url,
});

async function check(app: TestStack, apiKey: string, payload: unknown) {
  const res = await app.app.inject({
    method: 'POST',
    url: '/api/v1/check',
    headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
    payload: JSON.stringify(payload),
  });
  expect(res.statusCode).toBe(200);
  const jobId = res.json().job_id as string;
  return { jobId, job: await waitForJob(app.app, apiKey, jobId) };
}

async function webhookFor(jobId: string) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const hook = receiver.received.find((h) => h.json.job_id === jobId);
    if (hook) return hook;
    if (Date.now() > deadline) throw new Error(`no webhook for ${jobId}`);
    await new Promise((r) => setTimeout(r, 30));
  }
}

describe('a Manager Web API account whose history does not add up', () => {
  it('ends as error bad_data, not a verdict, and the webhook says so', async () => {
    const { jobId, job } = await check(stack, key, body('72001', 'NYBroker-Live'));
    expect(job).toMatchObject({ status: 'error', error: { code: 'bad_data' } });
    expect((job.error as { message: string }).message).toContain(
      "the account's balance is 100,750.00 but its history adds up to 100,500.00",
    );
    expect(job).not.toHaveProperty('outcome');
    const hook = await webhookFor(jobId);
    expect(hook.headers['x-signature']).toMatch(/^[0-9a-f]{64}$/);
    expect(hook.json).toMatchObject({ job_id: jobId, status: 'error', error: { code: 'bad_data' } });
    // read once (nothing moved), and the documented count was read
    expect(
      webApi.requests.filter((r) => r.path === '/api/deal/get_total' && r.query.get('login') === '72001').length,
    ).toBeGreaterThan(0);
  });

  it('gives a verdict for the same account once its deals and balance agree', async () => {
    const { job } = await check(stack, key, body('72002', 'NYBroker-Live'));
    expect(job).toMatchObject({ status: 'failed', outcome: 'objectives_not_met', violations: [] });
    expect(job.metrics).toMatchObject({ initial_balance: 100_000, current_balance: 100_500, total_trades: 2 });
  });
});

describe('any connector: the history is checked where every history passes', () => {
  /** An MT5 source serving a history cut short: its own balance reading and open position disagree with its deals. */
  const truncated: Mt5Connector = {
    kind: 'metaapi',
    fetchHistory: async (creds): Promise<AccountHistory> => ({
      account: {
        login: creds.login,
        server: creds.server,
        currency: 'USD',
        initial_balance: 100_000,
        server_utc_offset_minutes: 120,
        margin_mode: 'hedging',
      },
      deals: [],
      equity: [{ time: '2026-03-16T12:00:00.000Z', balance: 103_250, equity: 103_100 }],
      positions: [
        {
          ticket: 555,
          symbol: 'XAUUSD',
          type: 'buy',
          volume: 1,
          open_price: 2000,
          current_price: 1999.85,
          sl: null,
          tp: null,
          swap: 0,
          profit: -150,
          open_time: '2026-03-16T09:00:00.000Z',
        },
      ],
    }),
    getAccountInfo: () => Promise.reject(new Error('not used')),
    getPositions: () => Promise.reject(new Error('not used')),
  };
  let other: TestStack;
  let otherKey: string;
  beforeAll(async () => {
    other = await startStack({ connectors: createConnectorRouter({ 'Truncated-Live': truncated }) });
    otherKey = (await other.createKey('Other Firm')).key;
  });
  afterAll(async () => {
    await other.close();
  });

  it('ends as error bad_data naming the balance reading and the position without deals', async () => {
    const { jobId, job } = await check(other, otherKey, body('73001', 'Truncated-Live'));
    expect(job).toMatchObject({ status: 'error', error: { code: 'bad_data' } });
    const message = (job.error as { message: string }).message;
    expect(message).toMatch(
      /^The history of account 73001 from MT5 server Truncated-Live is inconsistent, so no verdict was given: /,
    );
    expect(message).toContain(
      'the balance read at 2026-03-16T12:00:00.000Z is 103,250.00 but the deals up to then add up to 100,000.00',
    );
    expect(message).toContain(
      'position 555 (XAUUSD, opened 2026-03-16T09:00:00.000Z) is open but the history has no deal opening it',
    );
    expect((await webhookFor(jobId)).json).toMatchObject({ status: 'error', error: { code: 'bad_data' } });
  });
});

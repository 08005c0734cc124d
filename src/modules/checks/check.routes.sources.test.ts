/**
 * End to end through the API: a terminal report instead of credentials (JSON base64 and
 * multipart), and a MetaApi-served server reached through the servers file, each ending in a
 * signed webhook. Only the outside world is faked (MetaApi, the webhook receiver).
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGLISH, MODEL, reportHtml, reportXlsx, utf16leWithBom } from '../../../test/factories/mt5-report.ts';
import { type FakeMetaApi, metaApiDeals, startFakeMetaApi } from '../../../test/fakes/metaapi.ts';
import { type FakeWebApi, type FakeWebApiUser, startFakeWebApi } from '../../../test/fakes/webapi.ts';
import { type Receiver, startReceiver, startStack, type TestStack, waitForJob } from '../../../test/harness.ts';

const FIXTURE = resolve(import.meta.dirname, '../../../../shared/fixtures/mt5-reports/ReportHistory-70358000.html');
const REPORT = utf16leWithBom(reportHtml(ENGLISH), true);
const META_TOKEN = 'fake-metaapi-token';
const TRADER_PASSWORD = 'Tr4der-Investor!';

let stack: TestStack;
let key: string;
let receiver: Receiver;
let metaApi: FakeMetaApi;
let webApi: FakeWebApi;
const MANAGER = { managerLogin: '1005', managerPassword: 'Manager-Pa55' };

/** A broker account on a UTC+2 server: funded, then three 5-minute round trips (+250 each, 1.40 commission). */
function webApiUser(): FakeWebApiUser {
  const sec = (wall: string) => Date.parse(`${wall.replace(' ', 'T')}Z`) / 1000; // server wall time, as the server writes it
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
  ];
  for (let i = 0; i < 3; i++) {
    const open = sec('2026-01-12 10:00:00') + i * 3600;
    const pos = String(6000 + i);
    deals.push({
      Deal: String(100 + 2 * i),
      Order: pos,
      Action: '0',
      Entry: '0',
      Time: String(open),
      Symbol: 'EURUSD',
      Volume: '10000',
      Price: '1.10000',
      Profit: '0.00',
      Storage: '0.00',
      Commission: '-0.70',
      Fee: '0.00',
      PositionID: pos,
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
      Volume: '10000',
      Price: '1.10250',
      Profit: '250.00',
      Storage: '0.00',
      Commission: '-0.70',
      Fee: '0.00',
      PositionID: pos,
      Comment: '',
      Reason: '0',
    });
  }
  const balance = (100_000 + 3 * (250 - 1.4)).toFixed(2);
  return {
    login: '70009',
    group: 'real\\prop-usd',
    balance,
    credit: '0.00',
    deals,
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
    positions: [],
    daily: [],
  };
}

beforeAll(async () => {
  const deals = metaApiDeals(40, '2026-11-02T08:00:00.000Z');
  const balance =
    deals.reduce(
      (s, d) => s + Math.round(Number(d.profit ?? 0) * 100) + Math.round(Number(d.commission ?? 0) * 100),
      0,
    ) / 100;
  metaApi = await startFakeMetaApi({
    token: META_TOKEN,
    brokers: [
      {
        login: '50194988',
        password: TRADER_PASSWORD,
        server: 'FakeBroker-Demo',
        region: 'london',
        currency: 'USD',
        balance,
        equity: balance,
        deals,
        positions: [],
      },
    ],
  });
  // Groups / Data Structure (webapi_group_data_format): the account's currency is its group's.
  webApi = await startFakeWebApi({
    ...MANAGER,
    users: [webApiUser()],
    groups: [{ Group: 'real\\prop-usd', Currency: 'USD', CurrencyDigits: '2', MarginMode: '2' }],
    clock: { utc_offset_minutes: 120 },
  });
  const dir = mkdtempSync(join(tmpdir(), 'brymix-servers-'));
  const serversFile = join(dir, 'servers.json');
  writeFileSync(
    serversFile,
    JSON.stringify({
      servers: {
        'FakeBroker-Demo': { connector: 'metaapi' },
        'FakeBroker-Live': {
          connector: 'webapi',
          url: webApi.url,
          manager_login: MANAGER.managerLogin,
          manager_password_env: 'MT5_FAKEBROKER_MANAGER_PASSWORD',
          utc_offset_minutes: 120,
        },
      },
    }),
  );
  stack = await startStack({
    env: {
      MT5_FAKEBROKER_MANAGER_PASSWORD: MANAGER.managerPassword,
      MT5_SERVERS_FILE: serversFile,
      METAAPI_TOKEN: META_TOKEN,
      METAAPI_PROVISIONING_URL: metaApi.provisioningUrl,
      METAAPI_CLIENT_URL: metaApi.clientUrl,
      METAAPI_MARKET_DATA_URL: metaApi.marketDataUrl,
      METAAPI_TIMEOUT_MS: '5000',
    },
  });
  key = (await stack.createKey('Report Firm')).key;
  receiver = await startReceiver();
});

afterAll(async () => {
  await receiver.close();
  await stack.close();
  await metaApi.close();
  await webApi.close();
});

const base = {
  user_id: 'user_r1',
  challenge_id: 'ch_r1',
  initial_balance: 10_000,
  rules: { max_drawdown_percent: 10, profit_target_percent: 10 },
};

function postJson(body: unknown) {
  return stack.app.inject({
    method: 'POST',
    url: '/api/v1/check',
    headers: { 'x-api-key': key, 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
}

function multipart(fields: Record<string, string>, file: { name: string; bytes: Buffer | Uint8Array }) {
  const boundary = `----brymix${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const [k, v] of Object.entries(fields))
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  chunks.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="report"; filename="${file.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    ),
    Buffer.from(file.bytes),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return stack.app.inject({
    method: 'POST',
    url: '/api/v1/check',
    headers: { 'x-api-key': key, 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: Buffer.concat(chunks),
  });
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

async function jobRow(jobId: string) {
  return stack.deps.dbHandle.db.selectFrom('check_jobs').selectAll().where('id', '=', jobId).executeTakeFirstOrThrow();
}

describe('POST /api/v1/check with a terminal report', () => {
  it('evaluates a JSON report_base64 upload, sends the signed webhook and erases the report', async () => {
    const res = await postJson({
      ...base,
      report_base64: REPORT.toString('base64'),
      report_filename: 'ReportHistory-5550123.html',
      server_time_zone: 'Europe/Athens',
      callback_url: receiver.url,
    });
    expect(res.statusCode).toBe(200);
    const jobId = res.json().job_id as string;
    const job = await waitForJob(stack.app, key, jobId);
    expect(job).toMatchObject({ job_id: jobId, mt5_login: '5550123', mt5_server: 'Brymix-Live' });
    expect(['passed', 'failed']).toContain(job.status);
    expect(job.metrics).toMatchObject({ initial_balance: 10_000, total_trades: 2, profit: -982.2 }); // the engine counts closed positions
    const hook = await webhookFor(jobId);
    expect(hook.headers['x-signature']).toMatch(/^[0-9a-f]{64}$/);
    expect((await jobRow(jobId)).credentials_enc).toBeNull();
  });

  it.each(['terminal', 'compact'] as const)(
    'accepts a multipart upload of an xlsx export (%s shape) with form fields',
    async (shape) => {
      const res = await multipart(
        {
          user_id: 'user_r2',
          challenge_id: 'ch_r2',
          initial_balance: '10000',
          rules: JSON.stringify({ preset: 'ftmo-2step' }),
        },
        { name: 'ReportHistory-5550123.xlsx', bytes: reportXlsx(ENGLISH, MODEL, { shape }) },
      );
      expect(res.statusCode).toBe(200);
      const job = await waitForJob(stack.app, key, res.json().job_id);
      expect(job).toMatchObject({ user_id: 'user_r2', mt5_login: '5550123' });
      expect(job.metrics).toMatchObject({ total_trades: 2, profit: -982.2 });
    },
  );

  it.skipIf(!existsSync(FIXTURE))('evaluates the real report uploaded as multipart', async () => {
    const res = await multipart(
      {
        user_id: 'user_r3',
        challenge_id: 'ch_r3',
        initial_balance: '10000',
        rules: JSON.stringify({ max_drawdown_percent: 10, profit_target_percent: 10 }),
      },
      { name: 'ReportHistory-70358000.html', bytes: readFileSync(FIXTURE) },
    );
    expect(res.statusCode).toBe(200);
    const job = await waitForJob(stack.app, key, res.json().job_id);
    expect(job).toMatchObject({ mt5_login: '70358000', mt5_server: 'MetaQuotes-Demo' });
    expect(job.metrics).toMatchObject({ total_trades: 658, current_balance: 9949.16, profit: -50.84 });
  });

  it.each([
    ['report_base64', { report_base64: Buffer.from('not a report').toString('base64'), report_filename: 'x.html' }],
    ['report_filename', { report_base64: REPORT.toString('base64') }],
    ['report_filename', { report_base64: REPORT.toString('base64'), report_filename: 'x.pdf' }],
    ['mt5_password', { report_base64: REPORT.toString('base64'), report_filename: 'x.html', mt5_password: 'secret' }],
    ['mt5_login', {}],
    [
      'server_time_zone',
      { report_base64: REPORT.toString('base64'), report_filename: 'x.html', server_time_zone: 'Mars/Olympus_Mons' },
    ],
  ])('answers 400 naming %s for a bad report request', async (field, patch) => {
    const res = await postJson({ ...base, ...patch });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
    expect(res.body).not.toContain('secret');
  });
});

describe('POST /api/v1/check against a MetaApi-served server (servers file)', () => {
  it('provisions the trader through the fake MetaApi, evaluates and sends the webhook', async () => {
    const res = await postJson({
      ...base,
      initial_balance: 100_000,
      mt5_login: '50194988',
      mt5_password: TRADER_PASSWORD,
      mt5_server: 'FakeBroker-Demo',
      callback_url: receiver.url,
    });
    expect(res.statusCode).toBe(200);
    const jobId = res.json().job_id as string;
    const job = await waitForJob(stack.app, key, jobId);
    expect(['passed', 'failed']).toContain(job.status);
    expect(job.metrics).toMatchObject({ initial_balance: 100_000, total_trades: 40 });
    expect((await webhookFor(jobId)).headers['x-signature']).toMatch(/^[0-9a-f]{64}$/);
    expect(metaApi.requests.some((r) => r.method === 'POST' && r.body.includes('50194988'))).toBe(true);
    expect((await jobRow(jobId)).credentials_enc).toBeNull();
  });

  it('ends with error invalid_credentials for a wrong password, and unknown_server for a server nobody serves', async () => {
    const bad = await postJson({ ...base, mt5_login: '777', mt5_password: 'nope-nope', mt5_server: 'FakeBroker-Demo' });
    expect(await waitForJob(stack.app, key, bad.json().job_id)).toMatchObject({
      status: 'error',
      error: { code: 'invalid_credentials' },
    });
    const unknown = await postJson({
      ...base,
      mt5_login: '777',
      mt5_password: 'nope-nope',
      mt5_server: 'Nowhere-Live',
    });
    const job = await waitForJob(stack.app, key, unknown.json().job_id);
    expect(job).toMatchObject({ status: 'error', error: { code: 'unknown_server' } });
    expect(JSON.stringify(job)).not.toContain('nope-nope');
  });
});

describe('POST /api/v1/check against a Manager Web API server (servers file)', () => {
  it('reads the account with the manager login, evaluates in UTC and sends the webhook', async () => {
    const res = await postJson({
      ...base,
      initial_balance: 100_000,
      mt5_login: '70009',
      mt5_password: TRADER_PASSWORD,
      mt5_server: 'FakeBroker-Live',
      callback_url: receiver.url,
    });
    expect(res.statusCode).toBe(200);
    const jobId = res.json().job_id as string;
    const job = await waitForJob(stack.app, key, jobId);
    // Three 5-minute winners of 248.60 net: nothing breached, the 10 % target not reached.
    expect(job).toMatchObject({ status: 'failed', outcome: 'objectives_not_met', violations: [] });
    expect(job.metrics).toMatchObject({
      initial_balance: 100_000,
      current_balance: 100_745.8,
      total_trades: 3,
      trades_under_4min: 0,
    });
    const hook = await webhookFor(jobId);
    expect(hook.headers['x-signature']).toMatch(/^[0-9a-f]{64}$/);
    expect(hook.json.job_id).toBe(jobId);
    expect(
      webApi.requests.some((r) => r.path === '/api/auth/start' && r.query.get('login') === MANAGER.managerLogin),
    ).toBe(true);
    expect(JSON.stringify(webApi.requests.map((r) => [...r.query.values()]))).not.toContain(TRADER_PASSWORD);
    expect((await jobRow(jobId)).credentials_enc).toBeNull();
  });
});

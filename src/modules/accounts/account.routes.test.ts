import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLiveConnector, liveRouter } from '../../../test/factories/live-connector.ts';
import { startStack, type TestStack } from '../../../test/harness.ts';
import { FakeClock } from '../../infra/clock.ts';
import { createLogger } from '../../infra/logger.ts';

const clock = new FakeClock(Date.parse('2026-03-02T10:00:00Z'));
const upstream = createLiveConnector();
const logLines: string[] = [];
const logSink = new Writable({
  write: (chunk, _encoding, callback) => {
    logLines.push(String(chunk));
    callback();
  },
});
const logger = createLogger('trace', logSink);
let stack: TestStack;
let keyA: { id: string; key: string };
let keyB: { id: string; key: string };
let acc1: string;
let acc2: string;
let accB: string;

beforeAll(async () => {
  stack = await startStack({
    clock,
    connectors: liveRouter(upstream),
    logger,
    workers: false,
    env: { LOG_LEVEL: 'trace' },
  });
  keyA = await stack.createKey('Firm A');
  keyB = await stack.createKey('Firm B');
  const accounts = stack.deps.accounts;
  acc1 = (
    await accounts.add({ login: '1001', server: 'Brymix-Demo', password: 'demo', name: 'Trader One', key_id: keyA.id })
  ).id;
  acc2 = (
    await accounts.add({
      login: '1002',
      server: 'Brymix-Demo',
      password: 'demo',
      key_id: keyA.id,
      initial_balance: 100_000,
      rules: { max_drawdown_percent: 10, max_daily_loss_percent: 5 },
    })
  ).id;
  accB = (await accounts.add({ login: '1003', server: 'Brymix-Demo', password: 'demo', key_id: keyB.id })).id;
});
afterAll(() => stack.close());

const get = (url: string, key: string, extra: Record<string, unknown> = {}) =>
  stack.app.inject({ url, headers: { 'x-api-key': key }, ...extra });
/** Lets a new polling interval and rate-limit window begin. */
const nextInterval = () => clock.advance(5_001);

describe('account API', () => {
  it('answers info with the seed fields, by account id and by MT5 login', async () => {
    const res = await get(`/api/account/${acc1}/info`, keyA.key);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Object.keys(body)).toEqual(
      expect.arrayContaining([
        'balance',
        'equity',
        'margin',
        'free_margin',
        'margin_level',
        'currency',
        'leverage',
        'as_of',
        'stale',
        'age_seconds',
      ]),
    );
    expect(body).toMatchObject({
      account_id: acc1,
      login: '1001',
      currency: 'USD',
      leverage: 100,
      balance: 110_452.4,
      stale: false,
    });
    nextInterval();
    const byLogin = await get('/api/account/1001/info', keyA.key);
    expect(byLogin.statusCode).toBe(200);
    expect(byLogin.json().account_id).toBe(acc1);
  });

  it('answers positions with ticket, symbol, type, volume, prices, sl, tp, swap, profit, open time', async () => {
    nextInterval();
    const res = await get(`/api/account/${acc1}/positions`, keyA.key);
    expect(res.statusCode).toBe(200);
    const p = res.json().positions[0];
    expect(Object.keys(p).sort()).toEqual([
      'current_price',
      'open_price',
      'open_time',
      'profit',
      'sl',
      'swap',
      'symbol',
      'ticket',
      'tp',
      'type',
      'volume',
    ]);
    expect(res.json().count).toBe(res.json().positions.length);
  });

  it('answers a summary with P/L, gain, drawdown, MetaStats statistics and the challenge floors', async () => {
    nextInterval();
    const res = await get(`/api/account/${acc2}/summary`, keyA.key);
    expect(res.statusCode).toBe(200);
    const s = res.json();
    expect(s).toMatchObject({ account_id: acc2, open_positions: 1, currency: 'USD' });
    for (const k of ['balance', 'equity', 'floating_pnl', 'today_pnl', 'gain', 'drawdown', 'current_drawdown'])
      expect(typeof s[k]).toBe('number');
    for (const k of [
      'absoluteGain',
      'equityPercent',
      'profitFactor',
      'expectancy',
      'wonTradesPercent',
      'maxDrawdown',
      'trades',
      'highestBalance',
    ])
      expect(s.statistics).toHaveProperty(k);
    expect(s.floating_pnl).toBeCloseTo(s.equity - s.balance, 2);
    expect(s.challenge).toMatchObject({ max_loss_floor: 90_000, initial_balance: 100_000 });
    expect(s.challenge.daily_loss_floor).toBeCloseTo(s.balance - 5_000, 2);
  });

  it('answers 404 for an account of another key, an unknown id and an unknown login, alike', async () => {
    nextInterval();
    const foreign = await get(`/api/account/${accB}/info`, keyA.key);
    const foreignLogin = await get('/api/account/1003/info', keyA.key);
    const unknown = await get('/api/account/acc_doesnotexist/info', keyA.key);
    for (const r of [foreign, foreignLogin, unknown]) {
      expect(r.statusCode).toBe(404);
      expect(r.headers['content-type']).toContain('application/problem+json');
      expect(r.json().detail).toBe('No such account');
    }
    expect((await get(`/api/account/${acc1}/info`, keyB.key)).statusCode).toBe(404);
    expect((await get(`/api/account/${accB}/info`, keyB.key)).statusCode).toBe(200);
  });

  it('answers one uniform 401 for a missing, malformed, unknown, revoked or expired key', async () => {
    nextInterval();
    const revoked = await stack.createKey('Revoked Firm');
    await stack.deps.accounts.link(acc1, revoked.id);
    await stack.deps.keys.revoke(revoked.id);
    const expiring = await stack.createKey('Expiring Firm');
    await stack.deps.accounts.link(acc1, expiring.id);
    await stack.deps.keys.rotate(expiring.id, 60_000);
    clock.advance(60_001);
    const answers = [
      await stack.app.inject({ url: `/api/account/${acc1}/info` }),
      await get(`/api/account/${acc1}/info`, 'not-a-key'),
      await get(`/api/account/${acc1}/info`, `bmx_AAAAAAAAAAAA_${'a'.repeat(43)}`),
      await get(`/api/account/${acc1}/info`, revoked.key),
      await get(`/api/account/${acc1}/info`, expiring.key),
    ];
    for (const r of answers) {
      expect(r.statusCode).toBe(401);
      expect(r.json().detail).toBe('Missing or invalid X-API-Key');
    }
  });

  it('keeps the old key working through a rotation overlap, and the new key reaches the same accounts', async () => {
    nextInterval();
    const k = await stack.createKey('Rotating Firm');
    await stack.deps.accounts.link(acc1, k.id);
    const { created } = await stack.deps.keys.rotate(k.id, 3_600_000);
    expect((await get(`/api/account/${acc1}/info`, k.key)).statusCode).toBe(200);
    expect((await get(`/api/account/${acc1}/info`, created.key)).statusCode).toBe(200);
    clock.advance(3_600_001);
    expect((await get(`/api/account/${acc1}/info`, k.key)).statusCode).toBe(401);
    expect((await get(`/api/account/${acc1}/info`, created.key)).statusCode).toBe(200);
  });

  it('has no route that writes: POST, PUT and DELETE on account routes are not found', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH'] as const) {
      expect(
        (await stack.app.inject({ method, url: `/api/account/${acc1}/info`, headers: { 'x-api-key': keyA.key } }))
          .statusCode,
      ).toBe(404);
    }
  });
});

describe('one upstream read per account per interval', () => {
  it('serves 50 concurrent clients of three keys from one upstream read', async () => {
    nextInterval();
    const keys = [keyA, await stack.createKey('Fan 1'), await stack.createKey('Fan 2')];
    for (const k of keys.slice(1)) await stack.deps.accounts.link(acc1, k.id);
    for (const k of keys.slice(1)) await stack.deps.accounts.setLimits(k.id, { account_burst: 100 });
    await stack.deps.accounts.setLimits(keyA.id, { account_burst: 100 });
    stack.deps.accountAccess.invalidateLimits();
    const before = upstream.reads.info;
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        get(`/api/account/${i % 2 ? acc1 : '1001'}/${['info', 'positions', 'summary'][i % 3]}`, keys[i % 3]!.key),
      ),
    );
    expect(answers.every((r) => r.statusCode === 200)).toBe(true);
    expect(upstream.reads.info - before).toBe(1);
    expect(new Set(answers.map((r) => r.json().fetched_at)).size).toBe(1);
    clock.advance(4_000);
    await get(`/api/account/${acc1}/info`, keyA.key);
    expect(upstream.reads.info - before).toBe(1);
    clock.advance(1_001);
    await get(`/api/account/${acc1}/info`, keyA.key);
    expect(upstream.reads.info - before).toBe(2);
    await stack.deps.accounts.setLimits(keyA.id, { account_burst: null });
    stack.deps.accountAccess.invalidateLimits();
  });

  it('marks data stale with its age while upstream fails, and stops serving it after the cache TTL', async () => {
    nextInterval();
    expect((await get(`/api/account/${acc2}/info`, keyA.key)).json().stale).toBe(false);
    upstream.failing = true;
    try {
      clock.advance(30_000);
      const stale = await get(`/api/account/${acc2}/info`, keyA.key);
      expect(stale.statusCode).toBe(200);
      expect(stale.json()).toMatchObject({ stale: true, age_seconds: 30 });
      clock.advance(300_000);
      const gone = await get(`/api/account/${acc2}/info`, keyA.key);
      expect(gone.statusCode).toBe(503);
      expect(gone.json().detail).toBe('Account data is unavailable: MT5 server did not respond');
    } finally {
      upstream.failing = false;
    }
    nextInterval();
    const back = await get(`/api/account/${acc2}/info`, keyA.key);
    expect(back.json()).toMatchObject({ stale: false, age_seconds: 0 });
  });
});

describe('rate limits', () => {
  it('allows a burst of 3 per account per key, then 429 with Retry-After and RateLimit headers', async () => {
    const k = await stack.createKey('Burst Firm');
    await stack.deps.accounts.link(acc1, k.id);
    await stack.deps.accounts.link(acc2, k.id);
    const responses: Array<Awaited<ReturnType<typeof get>>> = [];
    for (let i = 0; i < 4; i++) responses.push(await get(`/api/account/${acc1}/info`, k.key));
    expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 200, 429]);
    const last = responses.at(-1)!;
    expect(last.headers['retry-after']).toBe('5');
    expect(last.headers['ratelimit-policy']).toBe('"per-key";q=100;w=60, "per-account";q=1;w=5');
    expect(last.headers.ratelimit).toMatch(/^"per-account";r=0;t=5$/);
    expect(last.json().code).toBe('rate_limited');
    // The same account by its login shares the bucket; another account of the key does not.
    expect((await get('/api/account/1001/info', k.key)).statusCode).toBe(429);
    expect((await get(`/api/account/${acc2}/info`, k.key)).statusCode).toBe(200);
    clock.advance(5_000);
    expect((await get(`/api/account/${acc1}/info`, k.key)).statusCode).toBe(200);
  });

  it('a flooding key gets 429s at 100 a minute while another key on the same account is unaffected', async () => {
    nextInterval();
    const flood = await stack.createKey('Flood Firm');
    const calm = await stack.createKey('Calm Firm');
    for (const k of [flood, calm]) await stack.deps.accounts.link(acc1, k.id);
    await stack.deps.accounts.setLimits(flood.id, { account_burst: 1000 });
    const codes: number[] = [];
    for (let i = 0; i < 120; i++) codes.push((await get(`/api/account/${acc1}/info`, flood.key)).statusCode);
    expect(codes.filter((c) => c === 200)).toHaveLength(100);
    expect(codes.slice(100).every((c) => c === 429)).toBe(true);
    const blocked = await get(`/api/account/${acc1}/info`, flood.key);
    expect(blocked.headers.ratelimit).toMatch(/^"per-key";r=0;t=\d+$/);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await get(`/api/account/${acc1}/info`, calm.key)).statusCode).toBe(200);
  });

  it('takes per-key limits from the key configuration', async () => {
    const k = await stack.createKey('Tight Firm');
    await stack.deps.accounts.link(acc1, k.id);
    await stack.deps.accounts.setLimits(k.id, { per_minute: 2, account_burst: 10 });
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await get(`/api/account/${acc1}/info`, k.key)).statusCode);
    expect(codes).toEqual([200, 200, 429]);
  });
});

describe('IP allowlist', () => {
  it('answers 403 outside the allowlist and serves inside it; a spoofed X-Forwarded-For changes nothing', async () => {
    nextInterval();
    const created = await stack.deps.keys.create('Allowlisted Firm', {
      allowedCidrs: ['203.0.113.0/24', '2001:db8::/32'],
    });
    await stack.deps.accounts.link(acc1, created.id);
    const from = (ip: string, xff?: string) =>
      get(`/api/account/${acc1}/info`, created.key, {
        remoteAddress: ip,
        ...(xff ? { headers: { 'x-api-key': created.key, 'x-forwarded-for': xff } } : {}),
      });
    expect((await from('203.0.113.7')).statusCode).toBe(200);
    clock.advance(5_000);
    expect((await from('::ffff:203.0.113.8')).statusCode).toBe(200);
    const outside = await from('198.51.100.1');
    expect(outside.statusCode).toBe(403);
    expect(outside.json().detail).toBe('This API key may not be used from your address');
    expect((await from('198.51.100.1', '203.0.113.7')).statusCode).toBe(403);
    expect((await from('198.51.100.1', '203.0.113.7, 127.0.0.1')).statusCode).toBe(403);
  });
});

describe('access log', () => {
  it('records key, account, route template, status, IP and latency of each request — never the key or the password', async () => {
    nextInterval();
    const k = await stack.createKey('Logged Firm');
    await stack.deps.accounts.link(acc1, k.id);
    await get(`/api/account/${acc1}/info`, k.key, { remoteAddress: '192.0.2.10' });
    await get(`/api/account/${accB}/info`, k.key, { remoteAddress: '192.0.2.10' });
    const { items } = await stack.deps.accessLog.query({ key_id: k.id });
    expect(items.map((i) => i.status).sort()).toEqual([200, 404]);
    const ok = items.find((i) => i.status === 200)!;
    expect(ok).toMatchObject({
      key_id: k.id,
      account_id: acc1,
      route: '/api/account/:account_id/info',
      method: 'GET',
      ip: '192.0.2.10',
      actor: 'api_key',
    });
    expect(ok.latency_ms).toBeGreaterThanOrEqual(0);
    const secret = k.key.split('_')[2]!;
    const rows = await stack.deps.dbHandle.db.selectFrom('api_access_log').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(secret);
    // Failed authentication is logged too (actor anonymous).
    await get(`/api/account/${acc1}/info`, 'bmx_nope');
    expect((await stack.deps.accessLog.query({ status: 401 })).items.length).toBeGreaterThan(0);
  });

  it('never stores or logs the investor password in plain text', async () => {
    await stack.deps.accounts.add({
      login: '5550123',
      server: 'Brymix-Demo',
      password: 'Inv3stor-Canary-Pw',
      key_id: keyA.id,
    });
    const rows = await stack.deps.dbHandle.db.selectFrom('mt5_accounts').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain('Inv3stor-Canary-Pw');
    nextInterval();
    await get('/api/account/5550123/info', keyA.key);
    const list = await stack.deps.accounts.list();
    expect(JSON.stringify(list)).not.toContain('Inv3stor-Canary-Pw');
    expect(logLines.join('')).not.toContain('Inv3stor-Canary-Pw');
    expect(logLines.join('')).not.toContain(keyA.key.split('_')[2]!);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeWebApi, startFakeWebApi } from '../../../test/fakes/webapi.ts';
import type { Sleep } from '../../infra/http/backoff.ts';
import { type CommandRetryOptions, createWebApiCommands } from './commands.ts';
import { WebApiSession } from './session.ts';

const MANAGER = { managerLogin: '1005', managerPassword: 'Manager-Pa55' };
const LOGIN = '70001';
/** Positions / Get Total (webapi_position_get_total) of an account with one open position. */
const TOTAL = '/api/position/get_total';

let fake: FakeWebApi;
const sessions: WebApiSession[] = [];

/** Commands on a new session; the time limit is generous so that a loaded machine does not send a request twice. */
function commands(retry: CommandRetryOptions = {}) {
  const session = new WebApiSession({ url: fake.url, ...MANAGER, timeoutMs: 15_000, now: Date.now });
  sessions.push(session);
  return createWebApiCommands(session, retry);
}

/** Records the waits the commands ask for and takes them at 1/100 of their length. */
function recorder(): { waits: number[]; sleep: Sleep } {
  const waits: number[] = [];
  const sleep: Sleep = (ms: number) => {
    waits.push(ms);
    return new Promise<void>((resolve) => setTimeout(resolve, ms / 100));
  };
  return { waits, sleep };
}

beforeAll(async () => {
  const position = {
    Position: '7777',
    Login: LOGIN,
    Symbol: 'GBPUSD',
    Action: '1',
    Volume: '25000',
    PriceOpen: '1.27000',
    PriceCurrent: '1.27080',
    PriceSL: '1.28000',
    PriceTP: '0',
    Storage: '-0.40',
    Profit: '-20.00',
    TimeCreate: '1768294800',
  };
  const account = { login: LOGIN, group: 'demo\\prop', balance: '10000.00', credit: '0.00', trade: null, daily: [] };
  const user = { ...account, deals: [], positions: [position] };
  fake = await startFakeWebApi({ ...MANAGER, users: [user], groups: [], clock: { utc_offset_minutes: 120 } });
});
afterAll(async () => {
  await Promise.all(sessions.map((s) => s.close()));
  await fake.close();
});

describe('Web API commands: sessions, rate limits and transient failures', () => {
  it('re-authenticates once when the server has forgotten the session', async () => {
    const c = commands();
    await c.count(TOTAL, { login: LOGIN });
    const before = fake.requests.length;
    fake.dropSessions();
    await expect(c.count(TOTAL, { login: LOGIN })).resolves.toBe(1);
    expect(fake.requests.slice(before).filter((r) => r.path === '/api/auth/start')).toHaveLength(1);
  });

  it('waits out "12 Too frequent requests" with exponential backoff, then succeeds on the same session', async () => {
    const rec = recorder();
    const c = commands({ retryBaseMs: 400, sleep: rec.sleep });
    await c.count(TOTAL, { login: LOGIN });
    const before = fake.requests.length;
    fake.rateLimit(3);
    await expect(c.count(TOTAL, { login: LOGIN })).resolves.toBe(1);
    expect(rec.waits).toEqual([400, 800, 1600]);
    expect(fake.requests.slice(before).filter((r) => r.path.startsWith('/api/auth/'))).toHaveLength(0);
  });

  it('honours Retry-After of a 429 from a proxy in front of the access server', async () => {
    const rec = recorder();
    const c = commands({ retryBaseMs: 400, sleep: rec.sleep });
    await c.count(TOTAL, { login: LOGIN });
    fake.rateLimit(2, { mode: 'http429', retryAfterSeconds: 3 });
    await expect(c.count(TOTAL, { login: LOGIN })).resolves.toBe(1);
    expect(rec.waits).toEqual([3000, 3000]);
  });

  it('gives up with a retryable error when the limit outlasts its retries or asks for too long a wait', async () => {
    const rec = recorder();
    const c = commands({ retryBaseMs: 100, maxRetries: 2, maxRateLimitWaitMs: 10_000, sleep: rec.sleep });
    await c.count(TOTAL, { login: LOGIN });
    try {
      fake.rateLimit(5);
      await expect(c.count(TOTAL, { login: LOGIN })).rejects.toMatchObject({
        code: 'unreachable',
        retryable: true,
        message: expect.stringMatching(/rate limit/),
      });
      expect(rec.waits).toEqual([100, 200]);
      fake.rateLimit(1, { mode: 'http429', retryAfterSeconds: 60 });
      await expect(c.count(TOTAL, { login: LOGIN })).rejects.toMatchObject({ code: 'unreachable', retryable: true });
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
    const c = commands();
    await c.count(TOTAL, { login: LOGIN });
    fake.failWith(retcode, 1, /^\/api\/position\/get_total$/);
    await expect(c.count(TOTAL, { login: LOGIN })).rejects.toMatchObject({ code, retryable: true });
    await expect(c.count(TOTAL, { login: LOGIN })).resolves.toBe(1);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { managerConnector, sec, small, trip } from '../../../test/factories/webapi-accounts.ts';
import { type FakeWebApi, type FakeWebApiUser, startFakeWebApi } from '../../../test/fakes/webapi.ts';
import { FakeClock } from '../../infra/clock.ts';
import { abortableSleep } from '../../infra/http/backoff.ts';
import { createConnectorRouter } from '../router.ts';
import type { WebApiConnector } from './connector.ts';

const NOON = Date.parse('2026-01-13T12:00:00.000Z'); // 14:00 on the server's UTC+2 clock
const clock = new FakeClock(NOON);
const at = (login: string) => ({ login, password: 'ignored-by-manager-api', server: 'Broker-Live' });

let fake: FakeWebApi;
let connector: WebApiConnector;
let users: FakeWebApiUser[];

beforeAll(async () => {
  users = [small('80001', 2), small('80002', 1), small('80003', 1, { trade: null })];
  fake = await startFakeWebApi({
    managerLogin: '1005',
    managerPassword: 'Manager-Pa55',
    users,
    groups: [{ Group: 'demo\\prop', Currency: 'USD', CurrencyDigits: '2', MarginMode: '2' }],
    clock: { utc_offset_minutes: 120 },
  });
  connector = managerConnector(fake.url, {
    now: () => clock.now(),
    retryBaseMs: 1,
    maxRetries: 3,
    sleep: (ms: number) => abortableSleep(Math.min(ms, 5)),
  });
});
afterAll(async () => {
  await connector.close();
  await fake.close();
});

/** A round trip closed on the fake server: the balance (user record and trade state) moves with it. */
function trade(user: FakeWebApiUser, i: number, openServerSecs: number): void {
  user.deals.push(...trip(i, openServerSecs));
  user.balance = (Number(user.balance) + 50).toFixed(2);
  if (user.trade) user.trade = { ...user.trade, Balance: user.balance, Equity: user.balance };
}

const cursors = new Map<string, string>();
const commands = () => fake.requests.filter((r) => r.path.endsWith('get_batch')).map((r) => r.path);

describe('Manager Web API live reader against a fake access server', () => {
  it('is the router live reader of a Web API server, and starts from the checked history', async () => {
    const reader = createConnectorRouter({ 'Broker-Live': connector }).live('Broker-Live');
    expect(reader.kind).toBe('webapi');
    for (const login of ['80001', '80002', '80003']) {
      const { history, cursor } = await reader.start(at(login));
      expect(history.account.initial_balance).toBe(10_000);
      cursors.set(login, cursor);
    }
  });

  it('answers every account read in one window with four batched commands', async () => {
    const reader = connector.live();
    fake.requests.length = 0;
    clock.set(NOON + 1_000);
    const logins = ['80001', '80002', '80003', '80001'];
    const readings = await Promise.all(logins.map((l) => reader.read(at(l), cursors.get(l)!)));
    expect(commands()).toEqual([
      '/api/user/account/get_batch',
      '/api/user/get_batch',
      '/api/position/get_batch',
      '/api/deal/get_batch',
    ]);
    expect(fake.requests[0]!.query.get('login')).toBe('80001,80002,80003');
    // The idle account (no trade state) is read from its user record.
    expect(fake.requests[1]!.query.get('login')).toBe('80003');
    expect(readings.map((r) => [r.balance, r.equity, r.deals.length])).toEqual([
      [10_100, 10_100, 0],
      [10_050, 10_050, 0],
      [10_050, 10_050, 0],
      [10_100, 10_100, 0],
    ]);
    expect(readings[0]!.time).toBe('2026-01-13T12:00:01.000Z');
    for (const [i, l] of logins.entries()) cursors.set(l, readings[i]!.cursor);
  });

  it('hands out each new deal once, oldest first, with server times converted to UTC', async () => {
    const reader = connector.live();
    const u = users[0]!;
    // Opened 30 s before the last read but listed only now (within the lookback), closed 5 minutes later.
    trade(u, 7, sec('2026-01-13 13:59:30'));
    clock.set(NOON + 300_000);
    let r = await reader.read(at('80001'), cursors.get('80001')!);
    expect(r.deals.map((d) => [d.ticket, d.time])).toEqual([
      [314, '2026-01-13T11:59:30.000Z'],
      [315, '2026-01-13T12:04:30.000Z'],
    ]);
    expect(r.balance).toBe(10_150);
    clock.set(NOON + 301_000);
    r = await reader.read(at('80001'), r.cursor);
    expect(r.deals).toEqual([]);
    cursors.set('80001', r.cursor);
  });

  it('reads a moving account again, and calls a balance its deals never explain bad data', async () => {
    const reader = connector.live();
    const u = users[1]!;
    u.trade = { ...u.trade!, Balance: '10060.00' };
    const err = await reader.read(at('80002'), cursors.get('80002')!).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'bad_data', retryable: true });
    u.trade = { ...u.trade!, Balance: '10050.00' };
  });

  it('waits out 12 Too frequent requests, and gives up with a retryable error when it lasts', async () => {
    const reader = connector.live();
    fake.rateLimit(2, { mode: 'retcode' });
    await expect(reader.read(at('80002'), cursors.get('80002')!)).resolves.toMatchObject({ balance: 10_050 });
    fake.rateLimit(40, { mode: 'retcode' });
    const lasting = await reader.read(at('80002'), cursors.get('80002')!).catch((e: unknown) => e);
    fake.rateLimit(0);
    expect(lasting).toMatchObject({ code: 'unreachable', retryable: true });
    expect((lasting as Error).message).toContain('12 Too frequent requests');
  });

  it('fails a read of an unknown login alone, and a transient retcode as retryable', async () => {
    const reader = connector.live();
    const [unknown, known] = await Promise.allSettled([
      reader.read(at('89999'), cursors.get('80002')!),
      reader.read(at('80002'), cursors.get('80002')!),
    ]);
    expect(unknown).toMatchObject({ status: 'rejected', reason: { code: 'invalid_credentials', retryable: false } });
    expect(known).toMatchObject({ status: 'fulfilled' });
    fake.failWith('10 No connection', 1, /get_batch/);
    await expect(reader.read(at('80002'), cursors.get('80002')!)).rejects.toMatchObject({
      code: 'unreachable',
      retryable: true,
    });
  });
});

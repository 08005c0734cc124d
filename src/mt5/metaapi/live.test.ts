import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extraBroker, metaApiTestConnector, TOKEN, tradeDeal } from '../../../test/factories/metaapi-accounts.ts';
import { type FakeMetaApi, startFakeMetaApi } from '../../../test/fakes/metaapi.ts';
import type { FakeBrokerAccount } from '../../../test/fakes/metaapi-broker.ts';
import { FakeClock } from '../../infra/clock.ts';
import { createConnectorRouter } from '../router.ts';
import type { MetaApiConnector } from './connector.ts';

// Near the real clock: the fake's recommendedRetryTime is written from it.
const T0 = Math.floor(Date.now() / 1000) * 1000;
const iso = (ms: number) => new Date(ms).toISOString();
const creds = { login: '60001', password: 'Secret-9', server: 'FakeBroker-Demo' };

let fake: FakeMetaApi;
let account: FakeBrokerAccount;
const clock = new FakeClock(T0);
let connector: MetaApiConnector;

beforeAll(async () => {
  account = extraBroker('60001', {
    deals: [
      { id: '500', type: 'DEAL_TYPE_BALANCE', time: iso(T0 - 86_400_000), profit: 100_000, comment: 'Deposit' },
      tradeDeal('501', { time: iso(T0 - 3_600_000) }),
      tradeDeal('502', { type: 'DEAL_TYPE_SELL', entryType: 'DEAL_ENTRY_OUT', time: iso(T0 - 3_000_000), profit: 40 }),
    ],
    balance: 100_040,
    equity: 100_040,
  });
  fake = await startFakeMetaApi({ token: TOKEN, brokers: [account, extraBroker('60002')], now: () => clock.now() });
  connector = metaApiTestConnector(fake, { includeBars: false, now: () => clock.now() });
});
afterAll(() => fake.close());

/** A deal booked on the fake broker: it moves the balance by its profit, as the broker books it. */
function book(deal: Record<string, unknown>): void {
  account.deals.push(deal);
  account.balance = Math.round((account.balance + Number(deal.profit ?? 0) + Number(deal.commission ?? 0)) * 100) / 100;
  account.equity = account.balance;
}

describe('MetaApi live reader against a fake MetaApi', () => {
  let cursor = '';

  it('is the router live reader of a MetaApi server and starts from the whole history', async () => {
    const reader = createConnectorRouter({}, connector).live('FakeBroker-Demo');
    expect(reader.kind).toBe('metaapi');
    const started = await reader.start(creds);
    // The funding deposit is folded into the initial balance, as fetchHistory does.
    expect(started.history.account.initial_balance).toBe(100_000);
    expect(started.history.deals.map((d) => d.ticket)).toEqual([501, 502]);
    cursor = started.cursor;
  });

  it('hands out each new deal once, oldest first, with the balance they add up to', async () => {
    const reader = connector.live();
    clock.set(T0 + 1_000);
    let r = await reader.read(creds, cursor);
    expect(r).toMatchObject({ time: iso(T0 + 1_000), balance: 100_040, deals: [] });
    book(tradeDeal('503', { time: iso(T0 + 1_500), commission: -0.35 }));
    book(tradeDeal('504', { time: iso(T0 + 1_500), symbol: 'GBPUSD', positionId: '504' }));
    clock.set(T0 + 2_000);
    r = await reader.read(creds, r.cursor);
    expect(r.deals.map((d) => d.ticket)).toEqual([503, 504]);
    expect(r.balance).toBe(100_039.65);
    clock.set(T0 + 3_000);
    r = await reader.read(creds, r.cursor);
    expect(r.deals).toEqual([]);
    // A deal that surfaces late (its time before the last read, within the lookback) is not missed.
    book(tradeDeal('505', { type: 'DEAL_TYPE_SELL', entryType: 'DEAL_ENTRY_OUT', time: iso(T0 + 2_500), profit: -9 }));
    clock.set(T0 + 4_000);
    r = await reader.read(creds, r.cursor);
    expect(r.deals.map((d) => d.ticket)).toEqual([505]);
    expect(r.balance).toBe(100_030.65);
    cursor = r.cursor;
    // Reading again from an older cursor repeats nothing the newer one has.
    clock.set(T0 + 5_000);
    expect((await reader.read(creds, cursor)).deals).toEqual([]);
  });

  it('reads a moving account again, and calls a balance its deals never explain bad data', async () => {
    const reader = connector.live();
    account.balance += 25; // a balance change whose deal MetaApi has not listed
    clock.set(T0 + 6_000);
    const err = await reader.read(creds, cursor).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'bad_data', retryable: true });
    expect((err as Error).message).toContain('100055.65');
    book({ id: '506', type: 'DEAL_TYPE_BALANCE', time: iso(T0 + 5_500), profit: 0, comment: 'late listing' });
    account.deals[account.deals.length - 1]!.profit = 25;
    const r = await reader.read(creds, cursor);
    expect(r.deals.map((d) => d.ticket)).toEqual([506]);
    cursor = r.cursor;
  });

  it('shares one upstream read between overlapping reads of the same account and cursor', async () => {
    const reader = connector.live();
    const before = fake.requests.filter((q) => q.path.endsWith('/account-information')).length;
    const [a, b] = await Promise.all([reader.read(creds, cursor), reader.read(creds, cursor)]);
    expect(a).toBe(b);
    expect(fake.requests.filter((q) => q.path.endsWith('/account-information')).length).toBe(before + 1);
  });

  it('waits out a 429 (recommendedRetryTime), and gives up with a retryable error when it lasts', async () => {
    const reader = connector.live();
    fake.rateLimit(2, { recommendedInMs: 20 });
    await expect(reader.read(creds, cursor)).resolves.toMatchObject({ deals: [] });
    fake.rateLimit(50, { retryAfterSeconds: 1 });
    const lasting = await reader.read(creds, cursor).catch((e: unknown) => e);
    fake.rateLimit(0);
    expect(lasting).toMatchObject({ code: 'unreachable', retryable: true });
  });

  it('refuses a wrong password and a cursor it did not issue', async () => {
    const reader = connector.live();
    const wrong = { login: '60002', password: 'nope', server: 'FakeBroker-Demo' };
    await expect(reader.start(wrong)).rejects.toMatchObject({ code: 'invalid_credentials', retryable: false });
    await expect(reader.read(creds, 'sim2:1:0')).rejects.toMatchObject({ code: 'bad_data', retryable: false });
  });
});

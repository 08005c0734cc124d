import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extraBroker, metaApiTestConnector, TOKEN } from '../../../test/factories/metaapi-accounts.ts';
import { type FakeMetaApi, startFakeMetaApi } from '../../../test/fakes/metaapi.ts';
import { abortableSleep } from '../../infra/http/backoff.ts';
import type { MetaApiConfig, MetaApiConnector } from './connector.ts';

let fake: FakeMetaApi;
/** Waits the connector asked for, in ms; the test does not sit through them. */
let waits: number[] = [];
const recordingSleep = async (ms: number) => {
  waits.push(ms);
  await abortableSleep(Math.min(ms, 5));
};
function connector(over: Partial<MetaApiConfig> = {}): MetaApiConnector {
  return metaApiTestConnector(fake, { sleep: recordingSleep, ...over });
}

beforeAll(async () => {
  fake = await startFakeMetaApi({
    token: TOKEN,
    brokers: ['7001', '7002', '7003', '7004', '7005', '7006'].map((login) => extraBroker(login)),
    deployPolls: 2,
  });
});
afterAll(() => fake.close());

/** The POST /users/current/accounts requests among `since`. */
function creates(since: number) {
  return fake.requests.slice(since).filter((r) => r.method === 'POST' && r.path === '/prov/users/current/accounts');
}

/** Calls a provisioning route of the fake as a MetaApi user would (undeploy, delete). */
async function provisioning(method: 'POST' | 'DELETE', path: string): Promise<number> {
  const res = await fetch(`${fake.provisioningUrl}/users/current/accounts/${path}`, {
    method,
    headers: { 'auth-token': TOKEN },
  });
  return res.status;
}

describe('MetaApi account creation (createAccount: transaction-id, 202 polling)', () => {
  it('MetaApi refuses a create without a 32-character transaction-id', async () => {
    const body = JSON.stringify({
      login: '7001',
      password: 'Secret-9',
      server: 'FakeBroker-Demo',
      platform: 'mt5',
      name: 'x',
      magic: 0,
    });
    for (const headers of [{}, { 'transaction-id': 'short' }] as Array<Record<string, string>>) {
      const res = await fetch(`${fake.provisioningUrl}/users/current/accounts`, {
        method: 'POST',
        headers: { 'auth-token': TOKEN, 'content-type': 'application/json', ...headers },
        body,
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'ValidationError', details: [{ parameter: 'transaction-id' }] });
    }
  });

  it('sends a random 32-character transaction-id and reuses it, unchanged, while the create answers 202 (Retry-After seconds)', async () => {
    fake.createAccepted(3, { retryAfter: '7' });
    const before = fake.requests.length;
    waits = [];
    const info = await connector({ includeBars: false }).getAccountInfo({
      login: '7001',
      password: 'Secret-9',
      server: 'FakeBroker-Demo',
    });
    expect(info).toMatchObject({ login: '7001', balance: 100_000 });
    const posts = creates(before);
    expect(posts.map((r) => r.status)).toEqual([202, 202, 202, 201]);
    const ids = posts.map((r) => r.headers['transaction-id']);
    expect(ids[0]).toMatch(/^[0-9A-Za-z]{32}$/);
    expect(new Set(ids).size).toBe(1);
    expect(waits.filter((w) => w === 7000)).toHaveLength(3);
    expect([...fake.accounts.values()].filter((a) => a.login === '7001')).toHaveLength(1);
  });

  it('waits until the HTTP-date of Retry-After on a 202', async () => {
    const at = Date.now() + 30_000;
    fake.createAccepted(1, { retryAfter: new Date(at).toUTCString() });
    waits = [];
    await connector({ includeBars: false, now: Date.now }).getPositions({
      login: '7002',
      password: 'Secret-9',
      server: 'FakeBroker-Demo',
    });
    const w = waits[0]!;
    expect(w).toBeGreaterThan(27_000);
    expect(w).toBeLessThanOrEqual(30_000);
  });

  it('waits for metadata.recommendedRetryTime when a 202 has no Retry-After', async () => {
    fake.createAccepted(1, { recommendedInMs: 45_000 });
    waits = [];
    await connector({ includeBars: false, now: Date.now }).getPositions({
      login: '7003',
      password: 'Secret-9',
      server: 'FakeBroker-Demo',
    });
    expect(waits[0]).toBeGreaterThan(42_000);
    expect(waits[0]).toBeLessThanOrEqual(45_000);
  });

  it('keeps polling a slow create longer than the retry count allows, and gives each new create its own transaction-id', async () => {
    fake.createAccepted(8, { retryAfter: '60' });
    const before = fake.requests.length;
    await connector({ includeBars: false, maxRetries: 2 }).getPositions({
      login: '7004',
      password: 'Secret-9',
      server: 'FakeBroker-Demo',
    });
    await connector({ includeBars: false }).getPositions({
      login: '7005',
      password: 'Secret-9',
      server: 'FakeBroker-Demo',
    });
    const posts = creates(before);
    expect(posts.filter((r) => r.status === 201)).toHaveLength(2);
    expect(new Set(posts.map((r) => r.headers['transaction-id'])).size).toBe(2);
    fake.createAccepted(1, { retryAfter: '1' });
  });
});

describe('MetaApi account cache (readAccount state, 404 NotFoundError)', () => {
  const trader = { login: '7006', password: 'Secret-9', server: 'FakeBroker-Demo' };

  it('re-creates the account when it was removed from MetaApi between two checks', async () => {
    const c = connector({ includeBars: false });
    const before = fake.requests.length;
    await c.fetchHistory(trader);
    const first = [...fake.accounts.values()].find((a) => a.login === trader.login)!;
    expect(await provisioning('DELETE', first.id)).toBe(204);
    const h = await c.fetchHistory(trader);
    expect(h.account).toMatchObject({ login: '7006', initial_balance: 100_000 });
    const now = [...fake.accounts.values()].filter((a) => a.login === trader.login);
    expect(now).toHaveLength(1);
    expect(now[0]!.id).not.toBe(first.id);
    expect(creates(before).filter((r) => r.status === 201)).toHaveLength(2);
  });

  it('redeploys the account when it was undeployed between two checks, and waits until it is connected', async () => {
    const c = connector({ includeBars: false });
    await c.getPositions(trader);
    const account = [...fake.accounts.values()].find((a) => a.login === trader.login)!;
    expect(await provisioning('POST', `${account.id}/undeploy`)).toBe(204);
    const before = fake.requests.length;
    await expect(c.getPositions(trader)).resolves.toEqual([]);
    const mine = fake.requests.slice(before);
    expect(mine.filter((r) => r.path.endsWith(`/${account.id}/deploy`))).toHaveLength(1);
    expect(creates(before)).toHaveLength(0);
    expect(account).toMatchObject({ state: 'DEPLOYED', connectionStatus: 'CONNECTED' });
    // the client call that found the account gone, then the same call again once connected
    expect(mine.filter((r) => r.path.endsWith('/positions')).map((r) => r.status)).toEqual([404, 200]);
  });

  it('re-reads the account state once the cached check is older than accountRecheckMs, deploying before any client call fails', async () => {
    const c = connector({ includeBars: false, accountRecheckMs: 0 });
    await c.getAccountInfo(trader);
    const account = [...fake.accounts.values()].find((a) => a.login === trader.login)!;
    await provisioning('POST', `${account.id}/undeploy`);
    const before = fake.requests.length;
    await c.getAccountInfo(trader);
    const mine = fake.requests.slice(before);
    expect(mine.filter((r) => r.path.endsWith('/deploy'))).toHaveLength(1);
    expect(mine.filter((r) => r.path.startsWith('/client/')).map((r) => r.status)).toEqual([200]);
  });
});

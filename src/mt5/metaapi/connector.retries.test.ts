import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { broker, creds, metaApiTestConnector, TOKEN } from '../../../test/factories/metaapi-accounts.ts';
import { type FakeMetaApi, startFakeMetaApi } from '../../../test/fakes/metaapi.ts';
import { abortableSleep } from '../../infra/http/backoff.ts';
import type { MetaApiConfig, MetaApiConnector } from './connector.ts';

let fake: FakeMetaApi;
/** Waits the connector asked for, in ms; the test does not sit through them. */
const waits: number[] = [];
const recordingSleep = async (ms: number) => {
  waits.push(ms);
  await abortableSleep(Math.min(ms, 5));
};
function connector(over: Partial<MetaApiConfig> = {}): MetaApiConnector {
  return metaApiTestConnector(fake, { sleep: recordingSleep, ...over });
}

beforeAll(async () => {
  fake = await startFakeMetaApi({ token: TOKEN, brokers: [broker()], deployPolls: 2 });
  // The trader's MetaApi account exists and is connected, as after a first check.
  await connector({ includeBars: false }).getAccountInfo(creds);
});
afterAll(() => fake.close());

describe('MetaApi connector against a fake MetaApi: rate limits, retries and timeouts', () => {
  it('answers a non-retryable error when MetaApi rejects our token', async () => {
    const err = await connector({ token: 'wrong' })
      .getPositions(creds)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'unreachable', retryable: false });
    expect((err as Error).message).toContain('METAAPI_TOKEN');
  });

  it('waits for recommendedRetryTime after a 429 and then succeeds', async () => {
    const c = connector({ includeBars: false, now: Date.now, sleep: abortableSleep });
    await c.getPositions(creds); // account known
    fake.rateLimit(2, { recommendedInMs: 150, retryAfterSeconds: 30 });
    const t0 = Date.now();
    const positions = await c.getPositions(creds);
    expect(positions).toHaveLength(1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(Date.now() - t0).toBeLessThan(5000); // not the 30 s of Retry-After
  });

  it('honours Retry-After when the 429 has no recommendedRetryTime', async () => {
    const c = connector({ includeBars: false, now: Date.now, sleep: abortableSleep });
    await c.getPositions(creds);
    fake.rateLimit(1, { retryAfterSeconds: 1 });
    const t0 = Date.now();
    await c.getPositions(creds);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
  });

  it('comes back after Retry-After when MetaApi answers 202 (still loading) and returns the data', async () => {
    const c = connector({ includeBars: false });
    await c.getPositions(creds);
    waits.length = 0;
    fake.accepted(2, { retryAfterSeconds: 4 });
    await expect(c.getPositions(creds)).resolves.toHaveLength(1);
    expect(waits).toEqual([4000, 4000]);
  });

  it('gives up with a retryable error when the rate limit asks for longer than it may wait', async () => {
    const c = connector({ includeBars: false, maxRateLimitWaitMs: 500 });
    await c.getPositions(creds);
    fake.rateLimit(1, { retryAfterSeconds: 60 });
    await expect(c.getPositions(creds)).rejects.toMatchObject({ code: 'unreachable', retryable: true });
  });

  it('retries a request that timed out, and fails with a retryable timeout when every attempt does', async () => {
    const c = connector({ includeBars: false, requestTimeoutMs: 150, maxRetries: 2, sleep: abortableSleep });
    await c.getPositions(creds);
    fake.delay(/\/positions$/, 400, 1);
    await expect(c.getPositions(creds)).resolves.toHaveLength(1);
    fake.delay(/\/positions$/, 400, 3);
    await expect(c.getPositions(creds)).rejects.toMatchObject({ code: 'timeout', retryable: true });
  });

  it('stops at the caller’s deadline with a timeout', async () => {
    const c = connector({ includeBars: false });
    await c.getPositions(creds);
    fake.delay(/\/positions$/, 500, 1);
    await expect(c.getPositions(creds, { signal: AbortSignal.timeout(100) })).rejects.toMatchObject({
      code: 'timeout',
    });
  });
});

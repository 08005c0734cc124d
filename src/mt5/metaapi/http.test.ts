import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeMetaApi, startFakeMetaApi } from '../../../test/fakes/metaapi.ts';
import { createMetaApiHttp } from './http.ts';

const NOW = Date.parse('2026-03-20T12:00:00.000Z');

describe('MetaApi HTTP on 202 Accepted (SDK httpClient: long-running requests)', () => {
  let fake: FakeMetaApi;
  beforeAll(async () => {
    fake = await startFakeMetaApi({ token: 't', brokers: [] });
  });
  afterAll(() => fake.close());

  function http(waits: number[]) {
    return createMetaApiHttp({
      token: 't',
      timeoutMs: 2000,
      maxRetries: 1,
      retryBaseMs: 10,
      retryMaxMs: 100,
      maxRateLimitWaitMs: 1000,
      longRunningTimeoutMs: 300_000,
      sleep: async (ms) => void waits.push(ms),
      now: () => NOW,
    });
  }

  it('polls a 202 more times than maxRetries, each after its Retry-After, and then returns the final answer', async () => {
    const waits: number[] = [];
    fake.accepted(3, { retryAfterSeconds: 60 });
    const err = await http(waits)
      .request('GET', `${fake.provisioningUrl}/users/current/accounts/none`, { what: 'an account' })
      .catch((e: unknown) => e);
    expect(waits).toEqual([60_000, 60_000, 60_000]);
    expect(err).toMatchObject({ status: 404, body: { error: 'NotFoundError' } });
  });

  it('gives up with a retryable timeout once the polls would pass the long-running deadline', async () => {
    const waits: number[] = [];
    fake.accepted(20, { retryAfterSeconds: 60 });
    await expect(
      http(waits).request('GET', `${fake.provisioningUrl}/users/current/accounts`, { what: 'the account list' }),
    ).rejects.toMatchObject({ code: 'timeout', retryable: true });
    expect(waits).toEqual([60_000, 60_000, 60_000, 60_000, 60_000]);
    fake.accepted(0);
  });
});

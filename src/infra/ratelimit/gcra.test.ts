import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { testRedisUrl } from '../../../test/env.ts';
import { createMemoryRateLimiter, createRedisRateLimiter, type RateLimiter } from './gcra.ts';

const perSecondBurst3 = { intervalMs: 1000, burst: 3 };
const perMinute2 = { intervalMs: 30_000, burst: 2 };
const redis = testRedisUrl ? new Redis(testRedisUrl) : null;
afterAll(async () => {
  await redis?.quit();
});

const stores: [string, () => RateLimiter][] = [['memory', () => createMemoryRateLimiter()]];
if (redis) stores.push(['redis', () => createRedisRateLimiter(redis, `brymix-test-${randomBytes(4).toString('hex')}`)]);

describe.each(stores)('GCRA (%s)', (_name, make) => {
  it('lets a burst through, then one request per interval, with remaining and retry-after', async () => {
    const l = make();
    const t0 = 1_000_000;
    const burst = [
      await l.hit('k', perSecondBurst3, t0),
      await l.hit('k', perSecondBurst3, t0),
      await l.hit('k', perSecondBurst3, t0),
    ];
    expect(burst.map((r) => [r.allowed, r.remaining])).toEqual([
      [true, 2],
      [true, 1],
      [true, 0],
    ]);
    const denied = await l.hit('k', perSecondBurst3, t0 + 400);
    expect(denied).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 600 });
    expect((await l.hit('k', perSecondBurst3, t0 + 1000)).allowed).toBe(true);
    expect((await l.hit('k', perSecondBurst3, t0 + 1001)).allowed).toBe(false);
    expect((await l.hit('other', perSecondBurst3, t0 + 1001)).allowed).toBe(true);
  });

  it('takes two limits in one step and leaves the second untouched when the first refuses', async () => {
    const l = make();
    const t0 = 2_000_000;
    const key = { key: '{k1}:key', policy: perMinute2 };
    const acct = { key: '{k1}:acct:a', policy: perSecondBurst3 };
    const [k1, a1] = await l.hitBoth(key, acct, t0);
    const [k2, a2] = await l.hitBoth(key, acct, t0);
    expect([k1.allowed, a1?.remaining, k2.allowed, a2?.remaining]).toEqual([true, 2, true, 1]);
    const [k3, a3] = await l.hitBoth(key, acct, t0);
    expect(k3.allowed).toBe(false);
    expect(a3).toBeNull();
    // The refused call did not spend the account's last request.
    expect((await l.hit('{k1}:acct:a', perSecondBurst3, t0)).remaining).toBe(0);
  });
});

/** The Redis feed store (REDIS_URL, npm run test:services); the memory store is exercised by the account feed's tests. */
import { describe, expect, it } from 'vitest';
import { newStorage, testConfig } from '../../../test/storage.ts';
import { connectRedis } from '../redis.ts';
import { createRedisFeedStore } from './feed-store.ts';

const redisUrl = testConfig().REDIS_URL;

describe.skipIf(!redisUrl)('Redis feed store', () => {
  it('delivers a published update to a subscriber of another store on the same prefix', async () => {
    const prefix = newStorage().redisPrefix;
    // Two processes: each has its own Redis client.
    const readerRedis = connectRedis(redisUrl!);
    const writerRedis = connectRedis(redisUrl!);
    const reader = createRedisFeedStore(readerRedis, prefix);
    const writer = createRedisFeedStore(writerRedis, prefix);
    try {
      const received: Array<[string, string]> = [];
      reader.onMessage((id, json) => received.push([id, json]));
      const deadline = Date.now() + 5000;
      // The subscription takes a moment to reach Redis: publish until it is heard.
      while (received.length === 0 && Date.now() < deadline) {
        await writer.publish('acc_1', '{"equity":100}');
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(received[0]).toEqual(['acc_1', '{"equity":100}']);
    } finally {
      await reader.close();
      await writer.close();
      await readerRedis.client.quit();
      await writerRedis.client.quit();
    }
  });

  // The account feed subscribes when it is built; a CLI command builds it and closes it again at once.
  it('closes cleanly the moment it has subscribed, before Redis has answered', async () => {
    const rejections: unknown[] = [];
    const onRejection = (err: unknown) => void rejections.push(err);
    process.on('unhandledRejection', onRejection);
    try {
      for (let delayMs = 0; delayMs < 20; delayMs++) {
        const redis = connectRedis(redisUrl!);
        const store = createRedisFeedStore(redis, newStorage().redisPrefix);
        store.onMessage(() => undefined);
        await new Promise((r) => setTimeout(r, delayMs % 5));
        await store.close();
        await redis.client.quit().catch(() => undefined);
      }
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      process.off('unhandledRejection', onRejection);
    }
    expect(rejections.map((e) => String(e))).toEqual([]);
  });
});

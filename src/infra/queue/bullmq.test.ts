/** BullQueue: the JobQueue contract on Redis (REDIS_URL, npm run test:services), and closing while it connects. */
import { afterEach, describe, expect, it } from 'vitest';
import { testRedisUrl } from '../../../test/env.ts';
import { closeQueues, jobQueueContract } from '../../../test/queue-contract.ts';
import { newStorage } from '../../../test/storage.ts';
import { createLogger } from '../logger.ts';
import { connectRedis } from '../redis.ts';
import { BullQueue } from './bullmq.ts';

afterEach(closeQueues);

describe.skipIf(!testRedisUrl)('JobQueue (bullmq)', () => {
  jobQueueContract('bullmq');

  // A CLI command builds the queue with everything else and closes it a few milliseconds later,
  // while the BullMQ connection may still be starting: closing must not leave a rejection behind.
  it('closes cleanly the moment it is made, while its connection is still starting', async () => {
    const rejections: unknown[] = [];
    const onRejection = (err: unknown) => void rejections.push(err);
    process.on('unhandledRejection', onRejection);
    try {
      for (let delayMs = 0; delayMs < 40; delayMs++) {
        const redis = connectRedis(testRedisUrl!);
        const q = new BullQueue({
          redis,
          prefix: newStorage().redisPrefix,
          logger: createLogger('silent'),
          lockMs: 1000,
        });
        await new Promise((r) => setTimeout(r, delayMs));
        await q.close();
        await redis.client.quit().catch(() => undefined);
      }
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      process.off('unhandledRejection', onRejection);
    }
    expect(rejections.map((e) => String(e))).toEqual([]);
  });
});

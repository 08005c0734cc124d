/**
 * Typed jobs through a real queue: the local durable queue (and BullMQ when REDIS_URL is set).
 * A payload is checked by the compiler where it is enqueued and by the job's schema where it runs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { dropStorage, newStorage, type StackStorage, servicesMode, testConfig } from '../../../test/storage.ts';
import { systemClock } from '../clock.ts';
import { type DbHandle, migrate, openDb } from '../db/index.ts';
import { createLogger } from '../logger.ts';
import { connectRedis, type RedisConnections } from '../redis.ts';
import { BullQueue } from './bullmq.ts';
import { defineJob, InvalidJobPayload, jobHandlers } from './job.ts';
import { LocalQueue } from './local.ts';
import type { JobContext, JobQueue } from './types.ts';

interface Seen {
  payloads: Array<{ account_id: string; round: number }>;
  attempts: number[];
}

const followJob = defineJob({
  name: 'test.follow',
  payload: z.object({ account_id: z.string().min(1), round: z.number().int().min(1) }),
  handler: async (payload, ctx: JobContext, seen: Seen) => {
    seen.payloads.push(payload);
    seen.attempts.push(ctx.attempt);
  },
});

const open: Array<{ queue: JobQueue; handle: DbHandle; storage: StackStorage; redis: RedisConnections | null }> = [];

async function makeQueue(backend: 'local' | 'bullmq'): Promise<{ queue: JobQueue; handle: DbHandle }> {
  const storage = newStorage();
  const config = testConfig({ DATA_DIR: storage.dataDir });
  const handle = await openDb({
    databaseUrl: config.DATABASE_URL,
    dataDir: storage.dataDir,
    ...(servicesMode ? { pgSchema: storage.pgSchema } : {}),
  });
  await migrate(handle.db);
  const logger = createLogger('silent');
  const redis = backend === 'bullmq' && config.REDIS_URL ? connectRedis(config.REDIS_URL) : null;
  const queue: JobQueue = redis
    ? new BullQueue({ redis, prefix: storage.redisPrefix, logger, lockMs: 1000 })
    : new LocalQueue({ db: handle.db, clock: systemClock, logger, pollMs: 20, leaseMs: 1000 });
  open.push({ queue, handle, storage, redis });
  return { queue, handle };
}

afterEach(async () => {
  for (const { queue, handle, storage, redis } of open.splice(0)) {
    if (queue instanceof BullQueue) await queue.obliterate().catch(() => undefined);
    await queue.close();
    await redis?.client.quit();
    await handle.close();
    await dropStorage(storage);
  }
});

async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const backends: Array<'local' | 'bullmq'> = testConfig().REDIS_URL ? ['local', 'bullmq'] : ['local'];

describe.each(backends)('typed jobs (%s queue)', (backend) => {
  it('hands the handler the payload it was enqueued with, typed, and the services it was bound to', async () => {
    const { queue } = await makeQueue(backend);
    const seen: Seen = { payloads: [], attempts: [] };
    await queue.start(jobHandlers([followJob], seen), { concurrency: 1 });
    await queue.enqueue(followJob, { account_id: 'acc_1', round: 3 });
    await until(() => seen.payloads.length === 1);
    expect(seen.payloads).toEqual([{ account_id: 'acc_1', round: 3 }]);
    expect(seen.attempts).toEqual([1]);
  });

  it('fails a job whose payload does not match its schema at once, without running the handler or retrying', async () => {
    const { queue } = await makeQueue(backend);
    const seen: Seen = { payloads: [], attempts: [] };
    await queue.start(jobHandlers([followJob], seen), { concurrency: 1 });
    // What an older release or a hand-edited row could hold: the compiler would refuse it here.
    await queue.enqueue(followJob, { account_id: 'acc_1', round: '3' } as never, { maxAttempts: 5 });
    await until(async () => (await queue.stats()).failed === 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(seen.payloads).toEqual([]);
    expect(await queue.stats()).toMatchObject({ failed: 1, waiting: 0, delayed: 0, active: 0 });
  });
});

describe('typed jobs (local queue)', () => {
  it('records why a bad payload failed: the job, the field and what was expected', async () => {
    const { queue, handle } = await makeQueue('local');
    await queue.start(jobHandlers([followJob], { payloads: [], attempts: [] }), { concurrency: 1 });
    await queue.enqueue(followJob, { account_id: '' } as never, { id: 'bad-follow', maxAttempts: 5 });
    await until(
      async () =>
        (await handle.db.selectFrom('queue_jobs').select('status').where('id', '=', 'bad-follow').executeTakeFirst())
          ?.status === 'failed',
    );
    const row = await handle.db
      .selectFrom('queue_jobs')
      .select(['attempts', 'last_error'])
      .where('id', '=', 'bad-follow')
      .executeTakeFirstOrThrow();
    expect(row.attempts).toBe(1);
    expect(row.last_error).toMatch(/^job test\.follow: payload does not match its schema \(/);
    expect(row.last_error).toContain('account_id: ');
    expect(row.last_error).toContain('round: ');
  });
});

describe('jobHandlers', () => {
  it('throws InvalidJobPayload naming the job when a payload is not an object', async () => {
    const handlers = jobHandlers([followJob], { payloads: [], attempts: [] });
    const run = handlers['test.follow']!('acc_1', { attempt: 1, maxAttempts: 1, jobId: 'j' });
    await expect(run).rejects.toBeInstanceOf(InvalidJobPayload);
    await expect(run).rejects.toThrow(/^job test\.follow: payload does not match its schema/);
  });

  it('refuses two definitions with one name', () => {
    expect(() => jobHandlers([followJob, { ...followJob }], { payloads: [], attempts: [] })).toThrow(
      'two job definitions are named test.follow',
    );
  });

  it('types enqueue from the schema', () => {
    // Compile-time facts, checked by `npm run typecheck`; nothing is enqueued.
    const enqueue = (() => Promise.resolve()) as JobQueue['enqueue'];
    void enqueue(followJob, { account_id: 'acc_1', round: 1 });
    // @ts-expect-error round must be a number
    void enqueue(followJob, { account_id: 'acc_1', round: '1' });
    // @ts-expect-error account_id is required
    void enqueue(followJob, { round: 1 });
    expect(followJob.name).toBe('test.follow');
  });
});

/**
 * The JobQueue contract, run against the backend of this test run: the local durable queue on
 * SQLite/PostgreSQL, or BullMQ when REDIS_URL is set (npm run test:services).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { dropStorage, newStorage, type StackStorage, servicesMode, testConfig } from '../../../test/storage.ts';
import { systemClock } from '../clock.ts';
import { type DbHandle, migrate, openDb } from '../db/index.ts';
import { createLogger } from '../logger.ts';
import { connectRedis, type RedisConnections } from '../redis.ts';
import { BullQueue } from './bullmq.ts';
import { LocalQueue } from './local.ts';
import type { JobKind, JobQueue } from './types.ts';

const open: Array<{ queue: JobQueue; handle: DbHandle; storage: StackStorage; redis: RedisConnections | null }> = [];

async function makeQueue(backend: 'local' | 'bullmq', storage = newStorage(), leaseMs = 1000): Promise<JobQueue> {
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
    ? new BullQueue({ redis, prefix: storage.redisPrefix, logger, lockMs: leaseMs })
    : new LocalQueue({ db: handle.db, clock: systemClock, logger, pollMs: 20, leaseMs });
  open.push({ queue, handle, storage, redis });
  return queue;
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

/** The backend contract is about names and stored payloads; typed jobs are tested in job.test.ts. */
const kind = (name: string): JobKind<Record<string, string | number>> => ({
  name,
  payload: z.record(z.string(), z.union([z.string(), z.number()])),
});
const work = kind('work');

function collector() {
  const seen: Array<{ payload: unknown; attempt: number }> = [];
  return {
    seen,
    handler: async (payload: unknown, ctx: { attempt: number }) => void seen.push({ payload, attempt: ctx.attempt }),
  };
}

async function until(cond: () => boolean, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const backends: Array<'local' | 'bullmq'> = testConfig().REDIS_URL ? ['local', 'bullmq'] : ['local'];

describe.each(backends)('JobQueue (%s)', (backend) => {
  it('runs an enqueued job once with its payload', async () => {
    const q = await makeQueue(backend);
    const c = collector();
    await q.start({ work: c.handler }, { concurrency: 2 });
    await q.enqueue(work, { id: 'a', n: 1 });
    await until(() => c.seen.length === 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(c.seen).toEqual([{ payload: { id: 'a', n: 1 }, attempt: 1 }]);
  });

  it('treats a second enqueue of a waiting job id as the same job', async () => {
    const q = await makeQueue(backend);
    await q.enqueue(work, { id: 'x' }, { id: 'job-x', delayMs: 200 });
    await q.enqueue(work, { id: 'x' }, { id: 'job-x', delayMs: 200 });
    const c = collector();
    await q.start({ work: c.handler }, { concurrency: 2 });
    await until(() => c.seen.length >= 1);
    await new Promise((r) => setTimeout(r, 400));
    expect(c.seen).toHaveLength(1);
  });

  it('does not run a delayed job before its time', async () => {
    const q = await makeQueue(backend);
    const c = collector();
    await q.start({ work: c.handler }, { concurrency: 1 });
    const t0 = Date.now();
    await q.enqueue(work, { id: 'late' }, { delayMs: 600 });
    await until(() => c.seen.length === 1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(550);
  });

  it('retries a failing job with backoff until it succeeds', async () => {
    const q = await makeQueue(backend);
    const attempts: number[] = [];
    await q.start(
      {
        flaky: async (_p, ctx) => {
          attempts.push(ctx.attempt);
          if (ctx.attempt < 2) throw new Error('transient');
        },
      },
      { concurrency: 1 },
    );
    await q.enqueue(kind('flaky'), {}, { maxAttempts: 3 });
    await until(() => attempts.length === 2);
    expect(attempts).toEqual([1, 2]);
  });

  it('stops after maxAttempts and counts the job as failed', async () => {
    const q = await makeQueue(backend);
    let runs = 0;
    await q.start(
      {
        bad: async () => {
          runs++;
          throw new Error('always');
        },
      },
      { concurrency: 1 },
    );
    await q.enqueue(kind('bad'), {}, { maxAttempts: 2 });
    await until(() => runs === 2, 10_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(runs).toBe(2);
    expect((await q.stats()).failed).toBe(1);
  });

  it('keeps waiting jobs across a restart of the process', async () => {
    const storage = newStorage();
    const first = await makeQueue(backend, storage);
    await first.enqueue(work, { id: 'survivor' });
    await first.close();
    const second = await makeQueue(backend, storage);
    const c = collector();
    await second.start({ work: c.handler }, { concurrency: 1 });
    await until(() => c.seen.length === 1);
    expect(c.seen[0]!.payload).toEqual({ id: 'survivor' });
  });

  // A CLI command builds the queue with everything else and closes it a few milliseconds later,
  // while the BullMQ connection may still be starting: closing must not leave a rejection behind.
  it.skipIf(backend !== 'bullmq')(
    'closes cleanly the moment it is made, while its connection is still starting',
    async () => {
      const config = testConfig();
      const rejections: unknown[] = [];
      const onRejection = (err: unknown) => void rejections.push(err);
      process.on('unhandledRejection', onRejection);
      try {
        for (let delayMs = 0; delayMs < 40; delayMs++) {
          const redis = connectRedis(config.REDIS_URL!);
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
    },
  );

  it.skipIf(backend === 'bullmq')('runs a job again when the worker that claimed it died (lease ran out)', async () => {
    const storage = newStorage();
    const q = await makeQueue(backend, storage, 1000);
    const handle = open.at(-1)!.handle;
    const now = Date.now();
    // The row a worker killed mid-job leaves behind: active, lease in the past.
    await handle.db
      .insertInto('queue_jobs')
      .values({
        id: 'orphan',
        name: 'work',
        payload: '{"id":"orphan"}',
        status: 'active',
        run_at: now - 5000,
        attempts: 1,
        max_attempts: 3,
        locked_until: now - 1,
        locked_by: 'dead-worker',
        last_error: null,
        created_at: now - 5000,
        updated_at: now - 5000,
      })
      .execute();
    const c = collector();
    await q.start({ work: c.handler }, { concurrency: 1 });
    await until(() => c.seen.length === 1);
    expect(c.seen[0]).toEqual({ payload: { id: 'orphan' }, attempt: 2 });
  });

  it.skipIf(backend === 'bullmq')('does not take a job whose lease is still held by a live worker', async () => {
    const storage = newStorage();
    const q = await makeQueue(backend, storage, 1000);
    const handle = open.at(-1)!.handle;
    const now = Date.now();
    await handle.db
      .insertInto('queue_jobs')
      .values({
        id: 'held',
        name: 'work',
        payload: '{}',
        status: 'active',
        run_at: now,
        attempts: 1,
        max_attempts: 3,
        locked_until: now + 60_000,
        locked_by: 'live-worker',
        last_error: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    const c = collector();
    await q.start({ work: c.handler }, { concurrency: 1 });
    await new Promise((r) => setTimeout(r, 300));
    expect(c.seen).toHaveLength(0);
  });
});

describe('local queue housekeeping', () => {
  it('prunes done jobs after a day and keeps recent ones', async () => {
    const q = (await makeQueue('local')) as LocalQueue;
    const handle = open.at(-1)!.handle;
    const now = Date.now();
    const row = (id: string, status: string, age: number) => ({
      id,
      name: 'w',
      payload: '{}',
      status,
      run_at: now - age,
      attempts: 1,
      max_attempts: 1,
      locked_until: null,
      locked_by: null,
      last_error: null,
      created_at: now - age,
      updated_at: now - age,
    });
    await handle.db
      .insertInto('queue_jobs')
      .values([
        row('old-done', 'done', 2 * 86_400_000),
        row('new-done', 'done', 1000),
        row('old-failed', 'failed', 2 * 86_400_000),
        row('ancient-failed', 'failed', 8 * 86_400_000),
      ])
      .execute();
    expect(await q.prune()).toBe(2);
    const left = (await handle.db.selectFrom('queue_jobs').select('id').execute()).map((r) => r.id).sort();
    expect(left).toEqual(['new-done', 'old-failed']);
  });
});

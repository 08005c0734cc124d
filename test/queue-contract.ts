/**
 * The JobQueue contract (src/infra/queue/types.ts) and what its backend tests share: the local durable
 * queue on SQLite/PostgreSQL runs it in local.test.ts, BullMQ on Redis in bullmq.test.ts (REDIS_URL).
 */
import { expect, it } from 'vitest';
import { z } from 'zod';
import { systemClock } from '../src/infra/clock.ts';
import { type DbHandle, migrate, openDb } from '../src/infra/db/index.ts';
import { createLogger } from '../src/infra/logger.ts';
import { BullQueue } from '../src/infra/queue/bullmq.ts';
import { LocalQueue } from '../src/infra/queue/local.ts';
import type { JobKind, JobQueue } from '../src/infra/queue/types.ts';
import { connectRedis, type RedisConnections } from '../src/infra/redis.ts';
import { dropStorage, newStorage, type StackStorage, servicesMode, testConfig } from './storage.ts';

type QueueBackend = 'local' | 'bullmq';

const open: Array<{ queue: JobQueue; handle: DbHandle; storage: StackStorage; redis: RedisConnections | null }> = [];

/** A queue of the backend on fresh (or the given) storage; closeQueues() closes it after the test. */
export async function makeQueue(backend: QueueBackend, storage = newStorage(), leaseMs = 1000): Promise<JobQueue> {
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

/** The database of the queue made last. */
export function lastQueueDb(): DbHandle {
  return open.at(-1)!.handle;
}

/** Closes every queue made since the last call and drops its storage (an afterEach). */
export async function closeQueues(): Promise<void> {
  for (const { queue, handle, storage, redis } of open.splice(0)) {
    if (queue instanceof BullQueue) await queue.obliterate().catch(() => undefined);
    await queue.close();
    await redis?.client.quit();
    await handle.close();
    await dropStorage(storage);
  }
}

/** The backend contract is about names and stored payloads; typed jobs are tested in job.test.ts. */
const kind = (name: string): JobKind<Record<string, string | number>> => ({
  name,
  payload: z.record(z.string(), z.union([z.string(), z.number()])),
});
const work = kind('work');

export function collector() {
  const seen: Array<{ payload: unknown; attempt: number }> = [];
  return {
    seen,
    handler: async (payload: unknown, ctx: { attempt: number }) => void seen.push({ payload, attempt: ctx.attempt }),
  };
}

export async function until(cond: () => boolean, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The contract's tests, to call inside a describe of the backend. */
export function jobQueueContract(backend: QueueBackend): void {
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
}
